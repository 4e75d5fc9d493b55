"""Registration: the public form, the participant's own page and feed, the organiser side."""
import os

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("registrations", __name__)
manage_bp = Blueprint("registrations_manage", __name__)


@bp.record_once
def _defaults(state: BlueprintSetupState) -> None:
    # The benchmark raises this through the environment; tests through app.config.
    state.app.config.setdefault(
        "REGISTRATION_RATE_LIMIT", os.environ.get("REGISTRATION_RATE_LIMIT", "10 per minute")
    )


from eventapp.registrations import manage_routes, routes  # noqa: E402,F401  (routes attach to bp)
