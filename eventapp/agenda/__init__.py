"""The agenda builder: programme items, rooms, conflicts, releases and CSV import."""
from flask import Blueprint

bp = Blueprint("agenda", __name__)

from eventapp.agenda import digest_routes, import_routes, routes  # noqa: E402,F401  (routes attach to bp)
