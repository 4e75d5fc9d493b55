from flask import Blueprint

bp = Blueprint("main", __name__)

from eventapp.main import routes  # noqa: E402,F401  (routes attach to bp)
