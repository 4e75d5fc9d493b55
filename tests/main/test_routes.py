import re

from sqlalchemy.exc import OperationalError

from eventapp.extensions import db
from tests.factories import make_event


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok", "database": "ok"})


def test_healthz_reports_503_when_database_unreachable(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with app.app_context():
        monkeypatch.setattr(db.session, "execute", broken)
        response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (503, {"status": "error", "database": "error"})


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
