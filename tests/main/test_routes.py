import re
import socket

from eventapp.extensions import db
from tests.factories import make_event


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok", "database": "ok"})


def _health_of(database_url, tmp_path):
    from config import TestingConfig
    from eventapp import create_app

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url,
                     UPLOAD_FOLDER=str(tmp_path))
    response = app.test_client().get("/healthz")
    with app.app_context():
        db.engine.dispose()
    return response.status_code, response.get_json()


def test_healthz_reports_503_when_database_unreachable(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/none?connect_timeout=2"
    assert _health_of(url, tmp_path) == (503, {"status": "error", "database": "error"})


def test_healthz_answers_503_when_database_hangs(tmp_path):
    # A server that accepts connections and never says a word: without the probe's own
    # deadline this request would wait for as long as the driver's connect timeout.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        url = f"postgresql+psycopg://postgres@127.0.0.1:{server.getsockname()[1]}/none"
        assert _health_of(url, tmp_path) == (503, {"status": "error", "database": "error"})


def test_healthz_reports_unmigrated_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    assert _health_of(url, tmp_path) == (503, {"status": "error", "database": "unmigrated"})


def test_healthz_reports_database_behind_the_migrations(app, tmp_path):
    from flask_migrate import upgrade

    from config import TestingConfig
    from eventapp import create_app

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_FOLDER=str(tmp_path))
    with old.app_context():
        upgrade(revision="0006")
        db.engine.dispose()
    assert _health_of(url, tmp_path) == (503, {"status": "error", "database": "unmigrated"})


def test_home_lists_upcoming_event_in_requested_language(session, client):
    make_event(session, slug="isa-forum-test", title={"de": "ISA-Forum", "en": "ISA Forum", "zh": "中德论坛"})
    session.commit()
    body = client.get("/?lang=zh").get_data(as_text=True)
    assert "中德论坛" in body
    assert 'lang="zh-Hans"' in body


def test_home_shows_event_zone_and_partner_zone(session, client):
    make_event(session, title={"de": "Forum"})
    session.commit()
    body = client.get("/?lang=en").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", "", body).split())
    assert "Forum January 14, 2027 09:00–17:00 Berlin (UTC+1) 16:00–00:00 +1 Beijing (UTC+8) From" in text  # ends at midnight, next day


def test_unknown_page_is_404_in_each_language(client):
    titles = {"de": "Seite nicht gefunden", "en": "Page not found", "zh": "页面不存在"}
    for code, title in titles.items():
        response = client.get(f"/no-such-page?lang={code}")
        assert response.status_code == 404
        assert f"<h1>{title}</h1>" in response.get_data(as_text=True)


def test_every_response_carries_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_contain_no_inline_script(client):
    body = client.get("/").get_data(as_text=True)
    assert "<script>" not in body and "onclick=" not in body and "style=" not in body
