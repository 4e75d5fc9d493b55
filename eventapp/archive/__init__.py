"""The archive of past events: search, event material, organisers' document upload."""
from flask import Blueprint

bp = Blueprint("archive", __name__)

from eventapp.archive import routes  # noqa: E402,F401  (routes attach to bp)
