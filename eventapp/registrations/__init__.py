"""Registration: the public form, the participant's own page and feed, the organiser side."""
from flask import Blueprint

from eventapp.database import begin_write_on_post

bp = Blueprint("registrations", __name__)
manage_bp = Blueprint("registrations_manage", __name__)
manage_bp.before_request(begin_write_on_post)


from eventapp.registrations import manage_routes, routes  # noqa: E402,F401  (routes attach to bp)
from eventapp.virtual import routes as virtual_routes  # noqa: E402,F401  (organiser video pages)
