"""Reminder mails before virtual sessions: queued once per registration and session.

`flask outbox send` (every pass, also with --loop) and `flask outbox reminders` call
queue_due_reminders(); a unique (registration, session) row is written with the mail in
one savepoint, so two workers, or two passes, never queue the same reminder twice.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from eventapp.models import (
    Event,
    EventSession,
    EventStatus,
    OutboxMail,
    Registration,
    RegistrationStatus,
    SessionReminder,
    SessionStatus,
    Visibility,
)
from eventapp.models.base import utcnow
from eventapp.outbox.services import RenderedMail, queue_rendered_later, renderer
from eventapp.virtual.services import (
    OPEN,
    WAITING,
    is_entitled,
    join_link_for,
    join_phase,
    join_token_for,
    opens_at_for,
    zones_label,
)

RENDERER = "session_reminder"


def list_due_sessions(session: Session, now: datetime, minutes: int) -> list[EventSession]:
    """Virtual sessions of published events starting within `minutes` from now."""
    return list(
        session.scalars(
            select(EventSession)
            .join(Event)
            .where(
                Event.status == EventStatus.PUBLISHED,
                EventSession.status != SessionStatus.CANCELLED,
                EventSession.starts_at > now,
                EventSession.starts_at <= now + timedelta(minutes=minutes),
                or_(
                    EventSession.join_url.is_not(None),
                    and_(EventSession.is_virtual.is_(True), Event.default_join_url.is_not(None)),
                ),
            )
            .options(selectinload(EventSession.event))
            .order_by(EventSession.starts_at, EventSession.id)
        )
    )


def queue_due_reminders(session: Session, now: datetime | None = None, minutes: int | None = None) -> int:
    """Queue a reminder for every entitled participant of a session starting soon; returns
    how many. Refuses nothing loudly: a reminder already written is silently skipped."""
    now = now or utcnow()
    minutes = current_app.config["REMINDER_MINUTES"] if minutes is None else minutes
    queued = 0
    for item in list_due_sessions(session, now, minutes):
        link = join_link_for(item)
        if link is None or link.visibility == Visibility.ORGANISERS:
            continue
        already = exists().where(SessionReminder.registration_id == Registration.id,
                                 SessionReminder.session_id == item.id)
        people = session.scalars(
            select(Registration)
            .where(Registration.event_id == item.event_id,
                   Registration.status == RegistrationStatus.CONFIRMED,
                   Registration.purged_at.is_(None), ~already)
            .options(selectinload(Registration.session_choices))
            .order_by(Registration.id)
        ).all()
        for person in people:
            if not is_entitled(person, item):
                continue
            try:
                with session.begin_nested():
                    reminder = SessionReminder(registration_id=person.id, session_id=item.id, queued_at=now)
                    session.add(reminder)
                    session.flush()
                    mail = queue_rendered_later(
                        session, kind="session_reminder", recipient=person.email,
                        language=person.preferred_language, renderer_name=RENDERER,
                        context={"session_id": item.id}, registration_id=person.id,
                    )
                    reminder.mail_id = mail.id
                    session.flush()
            except IntegrityError:  # another worker queued this one first
                continue
            queued += 1
    return queued


def _public_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


@renderer(RENDERER)
def render_reminder(session: Session, mail: OutboxMail) -> RenderedMail | None:
    """The reminder in the participant's language, written when it leaves; None when the
    person is no longer confirmed or the session was cancelled or is over."""
    registration = session.get(Registration, mail.registration_id) if mail.registration_id else None
    item = session.get(EventSession, (mail.context or {}).get("session_id", 0))
    if (
        registration is None or item is None or registration.purged_at is not None
        or item.is_cancelled or not is_entitled(registration, item)
    ):
        return None
    link = join_link_for(item)
    now = utcnow()
    if link is None or join_phase(item.starts_at, item.ends_at, link.reveal_minutes, now) not in (WAITING, OPEN):
        return None
    event = item.event
    language = registration.preferred_language
    opens_at = opens_at_for(item.starts_at, link.reveal_minutes)
    context = {
        "language": language,
        "name": f"{registration.first_name} {registration.last_name}".strip(),
        "event": event,
        "item": item,
        "link": link,
        "join_url": _public_url(f"/join/{join_token_for(registration)}/{item.id}"),
        "event_url": _public_url(f"/events/{event.slug}/"),
    }
    with force_locale(language):
        title = item.text("title", language)
        context["title"] = title
        context["starts_label"] = zones_label(item.starts_at, event.timezone)
        context["opens_label"] = zones_label(opens_at, event.timezone) if opens_at and opens_at > now else ""
        subject = _("Starting soon: %(title)s", title=title)
        text = render_template("mail/session_reminder.txt", **context)
        html = render_template("mail/session_reminder.html", **context)
    return RenderedMail(" ".join(subject.split()), text, html)
