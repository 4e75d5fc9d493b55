"""Helpers for tests that read delivered registration mail."""
from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import OutboxMail
from eventapp.outbox.services import MailSettings, send_due
from tests.outbox.smtp import SmtpServer
from tests.outbox.smtp import text_body as raw_text_body


def last_id(session: Session) -> int:
    """The newest outbox row's id (0 when empty): mails queued later have larger ids."""
    return max(session.scalars(select(OutboxMail.id)), default=0)


def queued(session: Session, after_id: int = 0) -> list[tuple[str, str]]:
    """(recipient, kind) of every mail queued after `after_id`, in order."""
    rows = session.execute(
        select(OutboxMail.recipient, OutboxMail.kind).where(OutboxMail.id > after_id).order_by(OutboxMail.id)
    )
    return [tuple(row) for row in rows]


def deliver(session: Session, smtp_server: SmtpServer, after_id: int) -> list[EmailMessage]:
    """Commit, send what was queued after `after_id` through the real outbox and SMTP server,
    and return it as received, in queue order."""
    session.commit()
    ids = list(session.scalars(select(OutboxMail.id).where(OutboxMail.id > after_id).order_by(OutboxMail.id)))
    settings = MailSettings("127.0.0.1", smtp_server.port, None, None, False, "events@example.org")
    send_due(session, settings, "test", limit=100, ids=ids)
    return smtp_server.inbox.wait_for(len(ids))[-len(ids):] if ids else []


def text_body(message: EmailMessage) -> str:
    """The text part with the line ends the mail was written with (SMTP sends CRLF)."""
    return raw_text_body(message).replace("\r\n", "\n")
