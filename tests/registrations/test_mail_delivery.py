import time

from sqlalchemy import select

from eventapp.models import MailStatus, OutboxMail
from tests.outbox.smtp import free_port, text_body
from tests.registrations.support import open_event, post_registration


def wait_for_status(session, status, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.rollback()
        mail = session.scalar(select(OutboxMail))
        if mail is not None and mail.status == status:
            return mail
        time.sleep(0.05)
    return session.scalar(select(OutboxMail))


def test_mail_leaves_right_after_the_request(session, client, smtp_server):
    event = open_event(session)
    session.commit()
    response = post_registration(client, event, preferred_language="en")
    messages = smtp_server.inbox.wait_for(1)
    mail = wait_for_status(session, MailStatus.SENT)
    assert (response.status_code, len(messages), mail.status) == (302, 1, MailStatus.SENT)
    assert "https://events.example.org/registrations/" in text_body(messages[0])


def test_request_succeeds_when_smtp_server_is_down(app, session, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    event = open_event(session)
    session.commit()
    response = post_registration(client, event)
    mail = wait_for_status(session, MailStatus.PENDING)
    deadline = time.monotonic() + 10
    while mail.last_error is None and time.monotonic() < deadline:
        time.sleep(0.05)
        mail = wait_for_status(session, MailStatus.PENDING)
    assert (response.status_code, mail.status, mail.attempts) == (302, MailStatus.PENDING, 1)


def test_outbox_send_command_delivers(session, runner, smtp_server):
    event = open_event(session)
    session.commit()
    from tests.registrations.support import sign_up

    sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org")
    session.commit()
    result = runner.invoke(args=["outbox", "send"])
    assert (result.exit_code, result.output.strip()) == (0, "sent 2, failed 0")
    assert sorted(m["To"] for m in smtp_server.inbox.wait_for(2)) == ["a@example.org", "b@example.org"]


def test_outbox_send_command_without_server_fails_clearly(runner):
    result = runner.invoke(args=["outbox", "send"])
    assert (result.exit_code, "MAIL_SERVER is not set" in result.output) == (1, True)


def test_purge_command(session, runner):
    from tests.registrations.support import sign_up

    event = open_event(session)
    sign_up(session, event)
    session.commit()
    too_early = runner.invoke(args=["registrations", "purge", "--ended-before", "2027-01-14"])
    after = runner.invoke(args=["registrations", "purge", "--ended-before", "2027-01-15"])
    assert (too_early.output.strip(), after.output.strip()) == ("purged 0 registrations", "purged 1 registrations")
