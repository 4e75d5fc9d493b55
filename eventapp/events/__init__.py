from flask import Blueprint

bp = Blueprint("events", __name__)

from eventapp.events import routes  # noqa: E402,F401  (routes attach to bp)
