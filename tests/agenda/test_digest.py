"""The release digest: queued once per active registration, rendered in the reader's
language with both zones, delivered over real SMTP; the releases page and its permissions."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select

from eventapp.agenda import services
from eventapp.agenda.mails import queue_release_digest
from eventapp.display import zone_name
from eventapp.extensions import db
from eventapp.models import (
    AgendaRelease,
    MailStatus,
    OutboxMail,
    Registration,
    RegistrationStatus,
    UserRole,
)
from eventapp.outbox.services import render
from eventapp.rules.errors import RuleError
from tests.factories import make_session, make_user
from tests.manage.test_routes import sign_in
from tests.outbox.smtp import text_body
from tests.registrations.support import open_event, sign_up


def released_event(session, slug="fachtagung"):
    """A published event with four registrations (one cancelled) and a first release that
    moved one item, changed a room, cancelled one and added one."""
    event = open_event(session, slug=slug)
    moved = make_session(session, event, title={"de": "Eröffnung", "zh": "开幕式"}, room="Saal 1")
    cancelled = make_session(session, event, title={"de": "Werksbesuch", "zh": "参观工厂"}, room="Saal 2")
    statuses = {}
    for email, language, status in (
        ("anna@example.org", "de", RegistrationStatus.CONFIRMED),
        ("li@example.org", "zh", RegistrationStatus.WAITING),
        ("tom@example.org", "en", RegistrationStatus.PENDING),
        ("gone@example.org", "de", RegistrationStatus.CANCELLED),
    ):
        registration = sign_up(session, event, email, preferred_language=language).registration
        registration.status = status
        statuses[email] = registration
    # The confirmations are not what these tests look at.
    session.execute(delete(OutboxMail))
    services.move_session(session, event, f"s{moved.id}", datetime(2027, 1, 14, 11, 0), "Saal 3", None)
    services.cancel_session(session, event, f"s{cancelled.id}", None)
    services.save_session(session, event, services.SessionData(
        title={"de": "Abendessen", "zh": "晚宴"}, kind=services.SessionKind.NETWORKING,
        starts_local=datetime(2027, 1, 14, 16, 0), ends_local=datetime(2027, 1, 14, 17, 0)), None)
    release = services.release_agenda(session, event, None)
    session.flush()
    return event, release


def digest_mails(session):
    return list(session.scalars(select(OutboxMail).where(OutboxMail.kind == "agenda_changes")
                                .order_by(OutboxMail.id)))


def test_digest_is_queued_once_per_active_registration(session):
    event, release = released_event(session)

    count = queue_release_digest(session, event, release)

    mails = digest_mails(session)
    assert count == 3
    assert [(mail.recipient, mail.language, mail.status) for mail in mails] == [
        ("anna@example.org", "de", MailStatus.PENDING),
        ("li@example.org", "zh", MailStatus.PENDING),
        ("tom@example.org", "en", MailStatus.PENDING),
    ]
    assert release.digest_queued_at is not None


def test_digest_is_refused_the_second_time(session):
    event, release = released_event(session)
    queue_release_digest(session, event, release)

    with pytest.raises(RuleError) as caught:
        queue_release_digest(session, event, release)

    with force_locale("en"):
        assert str(caught.value) == "The digest of this release has already been queued."
    assert len(digest_mails(session)) == 3


def test_digest_of_another_events_release_is_refused(session):
    event, release = released_event(session)
    other, _release = released_event(session, slug="andere")
    with pytest.raises(RuleError):
        queue_release_digest(session, other, release)


def _both_zones(language: str, berlin: str, beijing: str) -> tuple[str, str]:
    with force_locale(language):
        return (f"{berlin} {zone_name('Europe/Berlin')} (UTC+1)",
                f"{beijing} {zone_name('Asia/Shanghai')} (UTC+8)")


def test_digest_text_in_german_names_both_zones_old_and_new(session):
    event, release = released_event(session)
    queue_release_digest(session, event, release)
    mail = digest_mails(session)[0]

    content = render(session, mail)

    text = content.body_text
    with force_locale("de"):
        subject = _("Agenda changes: %(title)s", title=event.text("title", "de"))
        greeting = _("Hello %(name)s,", name="Wei Li")
    assert content.subject == subject
    old_berlin, old_beijing = _both_zones("de", "09:00–10:00", "16:00–17:00")
    new_berlin, new_beijing = _both_zones("de", "11:00–12:00", "18:00–19:00")
    lines = text.splitlines()
    assert lines[0] == greeting
    assert [line.strip() for line in lines if "14.01.2027" in line][:4] == [
        f"14.01.2027, {old_berlin}", f"14.01.2027, {old_beijing}",
        f"14.01.2027, {new_berlin}", f"14.01.2027, {new_beijing}",
    ]
    assert "Eröffnung" in text and "Werksbesuch" in text and "Abendessen" in text
    assert "https://events.example.org/events/fachtagung/" in text
    assert "Saal 1 → Saal 3" in text


def test_digest_note_keeps_paragraphs_and_links_and_escapes_markup(session):
    event, release = released_event(session)
    release.note_i18n = {"de": "Der Bus fährt um 8 Uhr.\r\n\r\nPlan: https://isa.example.org/bus.\n<script>x</script>"}
    queue_release_digest(session, event, release)

    content = render(session, digest_mails(session)[0])

    html = content.body_html
    assert "<p>Der Bus fährt um 8 Uhr.</p>" in html
    assert '<a href="https://isa.example.org/bus" rel="noopener noreferrer">https://isa.example.org/bus</a>.<br>' in html
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "Plan: https://isa.example.org/bus." in content.body_text


def test_digest_text_in_chinese_uses_chinese_titles_and_both_zones(session):
    event, release = released_event(session)
    queue_release_digest(session, event, release)
    mail = digest_mails(session)[1]

    text = render(session, mail).body_text

    new_berlin, new_beijing = _both_zones("zh", "11:00–12:00", "18:00–19:00")
    assert [line.strip() for line in text.splitlines() if new_berlin in line or new_beijing in line] == [
        f"2027年1月14日, {new_berlin}", f"2027年1月14日, {new_beijing}",
    ]
    assert ("开幕式" in text, "晚宴" in text, "Eröffnung" in text) == (True, True, False)


def test_digest_of_a_registration_cancelled_meanwhile_is_not_sent(session):
    event, release = released_event(session)
    queue_release_digest(session, event, release)
    mail = digest_mails(session)[0]
    session.get(Registration, mail.registration_id).status = RegistrationStatus.CANCELLED

    assert render(session, mail) is None


def test_digest_leaves_through_a_real_smtp_server(session, runner, smtp_server):
    event, release = released_event(session)
    queue_release_digest(session, event, release)
    session.commit()

    result = runner.invoke(args=["outbox", "send"])

    messages = smtp_server.inbox.wait_for(3)
    assert (result.exit_code, result.output.strip()) == (0, "sent 3, failed 0")
    assert sorted(message["To"] for message in messages) == [
        "anna@example.org", "li@example.org", "tom@example.org"]
    chinese = next(message for message in messages if message["To"] == "li@example.org")
    body = text_body(chinese)
    berlin, beijing = _both_zones("zh", "11:00–12:00", "18:00–19:00")
    assert (berlin in body, beijing in body, chinese["Content-Language"]) == (True, True, "zh-Hans")


# --- The pages --------------------------------------------------------------------------------


@contextmanager
def committed(app):
    """Data built and committed in an app context of its own (the test's requests then run in
    fresh contexts, as in production)."""
    with app.app_context():
        yield db.session
        db.session.commit()
        db.session.remove()


def people(app, slug="fachtagung") -> None:
    with committed(app) as session:
        event, _release = released_event(session, slug)
        make_user(session, email="other@example.org")
        make_user(session, email="assigned@example.org", manages=[event])
        make_user(session, email="admin@example.org", role=UserRole.ADMIN)


def _csrf(body: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)


def test_releases_page_lists_release_with_changes_and_digest_state(app, client):
    people(app)
    sign_in(client, "assigned@example.org")

    response = client.get("/manage/events/fachtagung/agenda/releases/?lang=en")

    body = response.get_data(as_text=True)
    assert (response.status_code, response.headers["Cache-Control"]) == (200, "private, no-store")
    assert "<h2>Release 1</h2>" in body
    assert re.findall(r'data-change="(\w+)"', body) == ["moved", "cancelled", "added"]
    assert 'data-digest="none"' in body
    assert 'action="/manage/events/fachtagung/agenda/releases/1/digest"' in body


def test_send_digest_asks_first_then_queues_once(app, client):
    people(app)
    sign_in(client, "assigned@example.org")
    page = client.get("/manage/events/fachtagung/agenda/releases/?lang=en").get_data(as_text=True)
    url = "/manage/events/fachtagung/agenda/releases/1/digest?lang=en"

    asked = client.post(url, data={"csrf_token": _csrf(page)})
    asked_body = asked.get_data(as_text=True)
    confirmed = client.post(url, data={"csrf_token": _csrf(asked_body), "confirmed": "yes"})
    again = client.post(url, data={"csrf_token": _csrf(asked_body), "confirmed": "yes"})

    assert (asked.status_code, confirmed.status_code, again.status_code) == (200, 302, 302)
    assert "3 registered participants" in asked_body
    assert confirmed.headers["Location"] == "/manage/events/fachtagung/agenda/releases/"
    listing = client.get("/manage/events/fachtagung/agenda/releases/?lang=en").get_data(as_text=True)
    assert "3 mails queued." in listing and "already been queued" in listing
    assert 'data-digest="queued"' in listing
    with app.app_context():
        assert len(digest_mails(db.session)) == 3
        db.session.remove()


def test_send_digest_without_csrf_is_400_and_unknown_release_404(app, client):
    people(app)
    sign_in(client, "assigned@example.org")
    page = client.get("/manage/events/fachtagung/agenda/releases/").get_data(as_text=True)
    base = "/manage/events/fachtagung/agenda/releases"
    assert [
        client.post(f"{base}/1/digest", data={"confirmed": "yes"}).status_code,
        client.post(f"{base}/2/digest", data={"csrf_token": _csrf(page)}).status_code,
        client.post(f"{base}/99999999999/digest", data={"csrf_token": _csrf(page)}).status_code,
    ] == [400, 404, 404]


def _status_as(app, email, method, url):
    client = app.test_client()
    if email:
        sign_in(client, email)
    # A page with a form, for a valid CSRF token (without one, any POST is a 400 first).
    data = {"csrf_token": _csrf(client.get("/manage/" if email else "/auth/login").get_data(as_text=True))}
    response = client.get(url) if method == "get" else client.post(url, data=data)
    return response.status_code, response.headers.get("Location", "").split("?")[0]


def test_releases_routes_check_permissions(app):
    people(app)
    listing = "/manage/events/fachtagung/agenda/releases/"
    digest = "/manage/events/fachtagung/agenda/releases/1/digest"
    visitors = (None, "other@example.org", "assigned@example.org", "admin@example.org")
    assert [_status_as(app, email, "get", listing) for email in visitors] == [
        (302, "/auth/login"), (403, ""), (200, ""), (200, "")]
    assert [_status_as(app, email, "post", digest)[0] for email in visitors[:2]] == [302, 403]
    with app.app_context():
        assert db.session.scalar(select(AgendaRelease.digest_queued_at)) is None
        db.session.remove()
