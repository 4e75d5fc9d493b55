from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.outbox.smtp import SmtpServer


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SmtpServer]:
    """A running loopback SMTP server; the app's MAIL_* settings point at it for the test."""
    server = SmtpServer()
    server.start()
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.stop()
    app.config.update(saved)
