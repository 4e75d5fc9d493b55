"""Security headers on every response and safe redirects."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def is_safe_path(target: str | None) -> bool:
    """True for a path on this site ("/events/"), false for anything that could leave it."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _headers(app: Flask, response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if app.config["ENV_NAME"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _refuse_nul_in_path() -> None:
    """A NUL byte in the path names nothing here (and PostgreSQL cannot compare text with
    it): 404 before any view or query runs. Query filters ignore it; form fields report it."""
    if "\x00" in request.path:
        abort(404)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_in_path)
    app.after_request(lambda response: _headers(app, response))
