"""Shared fixtures: one app per run, schema built by migrations, tables emptied after
each test (so tests that run a real threaded server see committed data too)."""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from config import TestingConfig
from eventapp import create_app
from eventapp.archive.services import forget_archive_facets
from eventapp.extensions import db, limiter
from eventapp.outbox.services import DELIVERY_THREAD_NAME


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def reset_schema(app: Flask) -> None:
    """Drop everything, then build the schema from the migrations alone."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        else:
            engine.dispose()
            path = engine.url.database
            if path and Path(path).exists():
                for suffix in ("", "-wal", "-shm"):
                    Path(path + suffix).unlink(missing_ok=True)
        upgrade(revision="heads")


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    upload_dir = tmp_path_factory.mktemp("uploads")
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path_factory),
        UPLOAD_FOLDER=str(upload_dir),
        PUBLIC_URL="https://events.example.org",
    )
    reset_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def empty_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            # Hand-built search tables live outside the models' metadata (FTS5 rows do not
            # cascade; PostgreSQL's search table does, by its foreign key).
            if connection.dialect.name == "sqlite":
                names = connection.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'search\\_%' "
                    "ESCAPE '\\' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
                ).scalars()
                for name in list(names):
                    connection.exec_driver_sql(f'DELETE FROM "{name}"')  # noqa: S608 (own table names)


def finish_background_deliveries() -> None:
    """A test can end while a mail it sent with deliver_soon() (eventapp/outbox/services.py)
    is still being recorded as sent: that write must end before the tables are emptied and
    the next test writes (SQLite has one writer; a deferred transaction that meets another's
    write lock fails at once with "database is locked")."""
    for thread in threading.enumerate():
        if thread.name == DELIVERY_THREAD_NAME:
            thread.join(timeout=30)


@pytest.fixture(autouse=True)
def _clean_database(app: Flask) -> Iterator[None]:
    yield
    finish_background_deliveries()
    limiter.reset()
    empty_tables(app)
    # Kept per archive stamp: an emptied database may repeat a stamp with other cities.
    forget_archive_facets()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def session(app_ctx: Flask) -> Session:
    """The app's database session inside an app context."""
    return db.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[QueryCounter]:
    """Counts SQL statements sent to the database while the test runs (reset with .statements.clear())."""
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine

    def _count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        # SQLite's BEGIN is sent as a statement (eventapp/database.py); it is no query.
        if not statement.lstrip().upper().startswith("BEGIN"):
            counter.statements.append(statement)

    event.listen(engine, "after_cursor_execute", _count)
    yield counter
    event.remove(engine, "after_cursor_execute", _count)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served by a real threaded WSGI server on loopback; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright; skipped only outside CI when it is missing."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must install the chromium package")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: object) -> Iterator[object]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[object]:
    """A running loopback SMTP server (aiosmtpd); the app's MAIL_* settings point at it."""
    from tests.outbox.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.stop()
    app.config.update(saved)


@pytest.fixture
def english(app_ctx: Flask) -> Iterator[None]:
    """Messages of services (lazy translations) read in English inside the test's context."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
