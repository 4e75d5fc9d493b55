"""Helpers for admin tests: sign in, read CSRF tokens."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct horse battery"


def sign_in(client: FlaskClient, email: str) -> None:
    # English from the first request on: tests that share the app context with the client
    # (the `session` fixture) keep the first request's locale in flask.g.
    token = csrf_token(client, "/auth/login?lang=en")
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def csrf_token(client: FlaskClient, path: str = "/auth/login") -> str:
    body = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(body)
    assert match is not None, f"no CSRF token on {path}"
    return match.group(1)
