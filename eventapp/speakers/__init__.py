"""Speakers: organisers create and edit them, with a bio per language and a photo."""
from flask import Blueprint

bp = Blueprint("speakers", __name__)

from eventapp.speakers import routes  # noqa: E402,F401  (routes attach to bp)
