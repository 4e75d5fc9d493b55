"""Home page, health check and error pages."""
from __future__ import annotations

from flask import Response, current_app, g, jsonify, render_template
from werkzeug.exceptions import HTTPException, SecurityError

from eventapp.events.services import list_latest_archived, list_upcoming_events
from eventapp.extensions import db
from eventapp.main import bp
from eventapp.main.services import probe_database


@bp.get("/")
def home() -> str:
    return render_template(
        "main/home.html",
        upcoming=list_upcoming_events(db.session, limit=6),
        archived=list_latest_archived(db.session, limit=3),
    )


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    state = probe_database(db.engine, current_app.extensions["migrate"].directory)
    if state != "ok":
        return jsonify(status="error", database=state), 503
    return jsonify(status="ok", database="ok"), 200


@bp.app_errorhandler(400)
@bp.app_errorhandler(403)
@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
@bp.app_errorhandler(413)
@bp.app_errorhandler(429)
def client_error(error: HTTPException) -> tuple[str, int]:
    g.is_error_page = True
    return render_template("errors/error.html", error=error), error.code or 400


@bp.app_errorhandler(SecurityError)
def untrusted_host(error: SecurityError) -> tuple[str, int, dict[str, str]]:
    # No page can be built for a host we do not serve: links would point at it.
    return "Bad Request", 400, {"Content-Type": "text/plain; charset=utf-8"}


@bp.app_errorhandler(500)
def server_error(error: Exception) -> tuple[str, int]:
    g.is_error_page = True
    db.session.rollback()
    return render_template("errors/500.html"), 500
