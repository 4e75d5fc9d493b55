"""The organisers' back office: the start page that leads to each event's tools."""
from flask import Blueprint

bp = Blueprint("manage", __name__)

from eventapp.manage import routes  # noqa: E402,F401  (routes attach to bp)
