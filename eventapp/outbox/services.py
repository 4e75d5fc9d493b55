"""Queue, claim and deliver outbox mail.

Every mail is a row first, committed in the same transaction as the change that caused it.
Workers claim due rows atomically (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; SQLite: the
claim runs under BEGIN IMMEDIATE), so several `flask outbox send --loop` workers never send
the same mail twice. A failed send is retried with exponential backoff and its error kept.
"""
from __future__ import annotations

import logging
import smtplib
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from eventapp.database import begin_write
from eventapp.models import MailStatus, OutboxMail
from eventapp.models.base import utcnow

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 3600
# A claim older than this belongs to a worker that died mid-send: the row is due again.
CLAIM_LEASE = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 15


@dataclass
class MailSettings:
    server: str | None
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    sender: str

    @classmethod
    def from_config(cls, config: Mapping) -> MailSettings:
        return cls(
            server=config.get("MAIL_SERVER"),
            port=int(config.get("MAIL_PORT") or 25),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            sender=config.get("MAIL_FROM") or "events@localhost",
        )


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: str


@dataclass
class RenderedMail:
    subject: str
    body_text: str
    body_html: str | None = None
    attachment: Attachment | None = None


# name -> function(session, mail) that writes a mail from its context when it is sent;
# None means the mail has no reason to leave any more (its registration is gone).
Renderer = Callable[[Session, OutboxMail], RenderedMail | None]
RENDERERS: dict[str, Renderer] = {}


def renderer(name: str) -> Callable[[Renderer], Renderer]:
    """Register a function that renders a mail when it is sent."""

    def register(function: Renderer) -> Renderer:
        RENDERERS[name] = function
        return function

    return register


def _add_pending(session: Session, **values: object) -> OutboxMail:
    """A new outbox row, due now; it leaves with the caller's commit."""
    mail = OutboxMail(**values, status=MailStatus.PENDING, attempts=0, next_attempt_at=utcnow())
    session.add(mail)
    session.flush()
    return mail


def queue_rendered_later(
    session: Session,
    *,
    kind: str,
    recipient: str,
    language: str,
    renderer_name: str,
    context: dict,
    registration_id: int | None = None,
) -> OutboxMail:
    """Add a mail whose text a renderer writes at send time; it leaves with the caller's commit."""
    if renderer_name not in RENDERERS:
        raise ValueError(f"unknown mail renderer {renderer_name!r}")
    if "\n" in recipient or "\r" in recipient:
        raise ValueError("line breaks are not allowed in the recipient")
    return _add_pending(
        session,
        kind=kind,
        recipient=recipient,
        language=language,
        subject="",
        body_text="",
        renderer=renderer_name,
        context=context,
        registration_id=registration_id,
    )


def queue_mail(
    session: Session,
    *,
    kind: str,
    recipient: str,
    language: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    attachment: Attachment | None = None,
    registration_id: int | None = None,
) -> OutboxMail:
    """Add a mail to the outbox; it leaves with the caller's commit. Refuses header injection."""
    if "\n" in subject or "\r" in subject or "\n" in recipient or "\r" in recipient:
        raise ValueError("line breaks are not allowed in subject or recipient")
    return _add_pending(
        session,
        kind=kind,
        recipient=recipient,
        language=language,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        attachment_name=attachment.filename if attachment else None,
        attachment_type=attachment.content_type if attachment else None,
        attachment_data=attachment.data if attachment else None,
        registration_id=registration_id,
    )


def _due_filter(now: datetime):  # noqa: ANN202
    return or_(
        (OutboxMail.status == MailStatus.PENDING) & (OutboxMail.next_attempt_at <= now),
        (OutboxMail.status == MailStatus.SENDING) & (OutboxMail.claimed_at < now - CLAIM_LEASE),
    )


def claim_due(
    session: Session,
    worker: str,
    limit: int = 20,
    now: datetime | None = None,
    ids: Iterable[int] | None = None,
) -> list[int]:
    """Claim up to `limit` due mails for `worker` and commit the claim; returns their ids."""
    now = now or utcnow()
    begin_write(session)
    query = select(OutboxMail.id).where(_due_filter(now)).order_by(OutboxMail.id).limit(limit)
    if ids is not None:
        query = query.where(OutboxMail.id.in_(list(ids)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = list(session.scalars(query))
    claimed: list[int] = []
    for mail_id in candidates:
        # Conditional: a row another worker claimed since our SELECT is left alone.
        result = session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, _due_filter(now))
            .values(status=MailStatus.SENDING, claimed_by=worker, claimed_at=now),
            execution_options={"synchronize_session": False},
        )
        if result.rowcount == 1:
            claimed.append(mail_id)
    session.commit()
    return claimed


def render(session: Session, mail: OutboxMail) -> RenderedMail | None:
    """What the mail says: from its renderer, or as stored."""
    if mail.renderer:
        function = RENDERERS.get(mail.renderer)
        if function is None:
            raise LookupError(f"unknown mail renderer {mail.renderer!r}")
        return function(session, mail)
    attachment = None
    if mail.attachment_data and mail.attachment_name:
        attachment = Attachment(mail.attachment_name, mail.attachment_type or "application/octet-stream",
                                mail.attachment_data)
    return RenderedMail(mail.subject, mail.body_text, mail.body_html, attachment)


def build_message(mail: OutboxMail, content: RenderedMail, sender: str) -> EmailMessage:
    if "\n" in content.subject or "\r" in content.subject:
        raise ValueError("line breaks are not allowed in the subject")
    message = EmailMessage()
    message["Subject"] = content.subject
    message["From"] = sender
    message["To"] = mail.recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox{mail.id}")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(content.body_text)
    if content.body_html:
        message.add_alternative(content.body_html, subtype="html")
    attachment = content.attachment
    if attachment is not None:
        maintype, _slash, subtype = attachment.content_type.partition("/")
        params: dict = {}
        if maintype == "text":
            # Without a charset, clients read the bytes as ASCII and garble every umlaut and 汉字.
            params["params"] = {"charset": "utf-8"}
            if attachment.content_type == "text/calendar":
                params["params"]["method"] = "PUBLISH"
        message.add_attachment(
            attachment.data.encode(), maintype=maintype, subtype=subtype,
            filename=attachment.filename, **params,
        )
    # After the body: set_content() drops every Content-* header set before it.
    message["Content-Language"] = "zh-Hans" if mail.language == "zh" else mail.language
    return message


def _send(settings: MailSettings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.server, settings.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.use_tls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour between attempts."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS))


def deliver(session: Session, mail_id: int, worker: str, settings: MailSettings) -> bool:
    """Render and send one claimed mail and record the outcome (committed); True when sent."""
    mail = session.get(OutboxMail, mail_id)
    if mail is None or mail.status != MailStatus.SENDING or mail.claimed_by != worker:
        session.rollback()
        return False
    attempts = (mail.attempts or 0) + 1
    error: str | None = None
    subject = mail.subject
    try:
        content = render(session, mail)
    except Exception as exc:  # a broken template must not stop the other mails
        logger.exception("rendering mail %s failed", mail_id)
        content, error = None, f"render: {type(exc).__name__}: {exc}"[:2000]
    session.rollback()  # no transaction held open while talking to the SMTP server
    if content is None and error is None:
        return _finish(session, mail_id, worker, {"status": MailStatus.FAILED, "attempts": attempts,
                                                  "last_error": "nothing to send any more"})
    if content is not None:
        subject = content.subject
        try:
            if not settings.server:
                raise ConnectionError("MAIL_SERVER is not set")
            _send(settings, build_message(mail, content, settings.sender))
        except (OSError, smtplib.SMTPException, ConnectionError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
    now = utcnow()
    if error is None:
        # The body held the person's secret link: once sent, the database keeps only the facts.
        return _finish(session, mail_id, worker, {
            "status": MailStatus.SENT, "sent_at": now, "last_error": None, "attempts": attempts,
            "subject": subject[:300], "body_text": "", "body_html": None, "attachment_data": None,
            "context": None,
        })
    logger.warning("outbox mail %s failed (attempt %s): %s", mail_id, attempts, error)
    return _finish(session, mail_id, worker, {
        "status": MailStatus.FAILED if attempts >= MAX_ATTEMPTS else MailStatus.PENDING,
        "attempts": attempts,
        "last_error": error,
        "next_attempt_at": now + retry_delay(attempts),
    })


def _finish(session: Session, mail_id: int, worker: str, values: dict) -> bool:
    begin_write(session)
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.claimed_by == worker)
        .values(claimed_by=None, claimed_at=None, **values),
        execution_options={"synchronize_session": False},
    )
    session.commit()
    return values["status"] == MailStatus.SENT


def send_due(
    session: Session,
    settings: MailSettings,
    worker: str,
    limit: int = 20,
    ids: Iterable[int] | None = None,
) -> tuple[int, int]:
    """Claim and deliver due mails once; returns (sent, failed)."""
    sent = failed = 0
    for mail_id in claim_due(session, worker, limit=limit, ids=ids):
        if deliver(session, mail_id, worker, settings):
            sent += 1
        else:
            failed += 1
    return sent, failed


def worker_name() -> str:
    return f"{socket.gethostname()}:{threading.get_native_id()}"


# The name of deliver_soon()'s threads (tests wait for them before emptying the tables).
DELIVERY_THREAD_NAME = "outbox-deliver"


def deliver_soon(app: Flask, mail_ids: list[int]) -> None:
    """Deliver these mails in a background thread; never raises into the caller."""
    if not mail_ids or not app.config.get("MAIL_SERVER"):
        return

    def run() -> None:
        from eventapp.extensions import db

        try:
            with app.app_context():
                try:
                    send_due(db.session, MailSettings.from_config(app.config), worker_name(), ids=mail_ids)
                finally:
                    db.session.remove()
        except Exception:  # the mail stays in the outbox for `flask outbox send`
            logger.exception("background delivery of %s failed", mail_ids)

    thread = threading.Thread(target=run, name=DELIVERY_THREAD_NAME, daemon=True)
    thread.start()
