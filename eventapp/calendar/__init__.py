"""Calendar exports: .ics downloads, subscription feeds and "add to calendar" links."""
from flask import Blueprint

bp = Blueprint("calendar", __name__)

from eventapp.calendar import links, routes  # noqa: E402,F401  (routes and globals attach to bp)
