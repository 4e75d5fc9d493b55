"""Admins' pages: accounts, event assignments and the audit log."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from eventapp.admin import routes  # noqa: E402,F401  (routes attach to bp)
