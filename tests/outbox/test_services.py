import threading
from datetime import timedelta

from sqlalchemy import select, update

from eventapp.models import MailStatus, OutboxMail
from eventapp.models.base import utcnow
from eventapp.outbox.services import MailSettings, claim_due, queue_mail, send_due
from eventapp.registrations.tokens import feed_token_for
from tests.outbox.smtp import SmtpServer, attachments, free_port, html_body, text_body
from tests.registrations.support import open_event, sign_up


def settings(port: int) -> MailSettings:
    return MailSettings("127.0.0.1", port, None, None, False, "ISA Events <events@example.org>")


def make_due(session) -> None:
    session.execute(update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()


def test_send_delivers_queued_mail(session, smtp_server):
    queue_mail(session, kind="test", recipient="a@example.org", language="en",
               subject="Hello", body_text="Plain", body_html="<p>Rich</p>")
    session.commit()
    sent = send_due(session, settings(smtp_server.port), "worker-1")
    message = smtp_server.inbox.wait_for(1)[0]
    mail = session.scalar(select(OutboxMail))
    assert sent == (1, 0)
    assert (message["To"], message["Subject"], text_body(message).strip(), html_body(message).strip()) == (
        "a@example.org", "Hello", "Plain", "<p>Rich</p>")
    assert (mail.status, mail.attempts, mail.last_error, mail.body_text, mail.body_html) == (
        MailStatus.SENT, 1, None, "", None)


def test_server_down_keeps_mail_and_retries_when_up(session):
    port = free_port()
    queue_mail(session, kind="test", recipient="a@example.org", language="de", subject="Hallo", body_text="Text")
    session.commit()
    assert send_due(session, settings(port), "worker-1") == (0, 1)
    mail = session.scalar(select(OutboxMail))
    assert (mail.status, mail.attempts, mail.last_error.startswith("ConnectionRefusedError")) == (
        MailStatus.PENDING, 1, True)
    assert mail.next_attempt_at > utcnow() + timedelta(seconds=20)
    # Not due yet: a second round sends nothing.
    assert send_due(session, settings(port), "worker-1") == (0, 0)
    server = SmtpServer(port)
    server.start()
    try:
        make_due(session)
        assert send_due(session, settings(port), "worker-1") == (1, 0)
        assert [m["Subject"] for m in server.inbox.wait_for(1)] == ["Hallo"]
    finally:
        server.stop()
    session.expire_all()
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 2)


def test_two_workers_never_claim_the_same_mail(session, app):
    for number in range(30):
        queue_mail(session, kind="test", recipient=f"p{number}@example.org", language="en",
                   subject="S", body_text="T")
    session.commit()
    claims: dict[str, list[int]] = {}

    def work(name: str) -> None:
        from eventapp.extensions import db

        with app.app_context():
            mine = []
            while True:
                batch = claim_due(db.session, name, limit=3)
                if not batch:
                    break
                mine.extend(batch)
            claims[name] = mine
            db.session.remove()

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [mail_id for ids in claims.values() for mail_id in ids]
    assert (len(every), len(set(every))) == (30, 30)


def test_confirmation_mail_in_each_language(session, smtp_server):
    event = open_event(session, title={"de": "ISA-Forum", "en": "ISA Forum", "zh": "中德论坛"})
    tokens = {}
    for language in ("de", "en", "zh"):
        tokens[language] = sign_up(session, event, f"{language}@example.org", preferred_language=language).token
    session.commit()
    assert send_due(session, settings(smtp_server.port), "w") == (3, 0)
    messages = {m["To"]: m for m in smtp_server.inbox.wait_for(3)}
    # Status labels and zone names come from the existing catalogues; the date is Babel's.
    expected = {
        "de": ("Bestätigt", "ISA-Forum", "Berlin (UTC+1)", "Peking (UTC+8)", "14. Januar 2027", "de"),
        "en": ("Confirmed", "ISA Forum", "Berlin (UTC+1)", "Beijing (UTC+8)", "January 14, 2027", "en"),
        "zh": ("已确认", "中德论坛", "柏林 (UTC+1)", "北京 (UTC+8)", "2027年1月14日", "zh-Hans"),
    }
    for language, (status, title, zone_one, zone_two, day, tag) in expected.items():
        message = messages[f"{language}@example.org"]
        body = text_body(message)
        assert (status in message["Subject"], message["Content-Language"]) == (True, tag)
        assert (title in body, zone_one in body, zone_two in body, day in body) == (True, True, True, True), body
        assert f"https://events.example.org/registrations/{tokens[language]}/" in body
        assert f"/calendar/{feed_token_for(tokens[language])}.ics" in html_body(message)
        ics = attachments(message)[f"{event.slug}.ics"].decode()
        part = next(message.iter_attachments())
        assert (part.get_content_type(), part.get_param("charset"), part.get_param("method")) == (
            "text/calendar", "utf-8", "PUBLISH")
        assert f"UID:event-{event.id}@events.example.org" in ics
        assert title in part.get_content().replace("\r\n ", "")
