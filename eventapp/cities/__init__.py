"""The member directory: German and Chinese member cities, their organisations and events."""
from flask import Blueprint

bp = Blueprint("cities", __name__)

from eventapp.cities import manage_routes, routes  # noqa: E402,F401  (routes attach to bp)
