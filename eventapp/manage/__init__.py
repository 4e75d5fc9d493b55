"""The organisers' back office: the start page that leads to each event's tools."""
from flask import Blueprint

from eventapp.database import begin_write_on_post

bp = Blueprint("manage", __name__)
bp.before_request(begin_write_on_post)

from eventapp.manage import routes  # noqa: E402,F401  (routes attach to bp)
