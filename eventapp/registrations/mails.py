"""Registration mails, rendered in the participant's language and queued in the outbox."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.calendar.services import FeedScope, build_feed
from eventapp.labels import label
from eventapp.models import (
    AttendanceMode,
    Event,
    EventSession,
    OutboxMail,
    Registration,
    RegistrationStatus,
    Visibility,
)
from eventapp.models.base import utcnow
from eventapp.outbox.services import (
    Attachment,
    RenderedMail,
    queue_mail,
    queue_rendered_later,
    renderer,
)
from eventapp.outbox.text import message_html
from eventapp.registrations.sealing import make_sign_in_token
from eventapp.registrations.seats import ACTIVE_STATUSES, HeldPlaces, choosable_sessions
from eventapp.registrations.tokens import feed_token_for, get_manage_token
from eventapp.virtual.services import join_token_for, revealed_session_ids


def public_url(path: str) -> str:
    """Absolute links come from PUBLIC_URL, never from the request's Host header."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def manage_url(token: str) -> str:
    return public_url(f"/registrations/{token}/")


def feed_url(token: str) -> str:
    return public_url(f"/calendar/{feed_token_for(token)}.ics")


def webcal_url(token: str) -> str:
    """The personal feed as a subscription: webcal:// on PUBLIC_URL's host."""
    url = feed_url(token)
    return "webcal://" + url.split("://", 1)[1]


def feed_scope(
    registrations: list[Registration], language: str, join_token: str | None, now: datetime | None = None
) -> FeedScope:
    """What a person's calendar holds: their events, the open programme and the sessions they
    have a place in; events they left come as CANCELLED so that their calendar drops them.
    Join links (through the person's join token, never the feed token) appear once revealed."""
    event_ids: set[int] = set()
    cancelled: set[int] = set()
    raises = {(r.event_id, r.feed_sequence) for r in registrations if r.feed_sequence}
    session_ids: set[int] = set()
    for registration in registrations:
        event = registration.event
        event_ids.add(event.id)
        if registration.status != RegistrationStatus.CONFIRMED and registration.status not in (
            RegistrationStatus.PENDING, RegistrationStatus.WAITING
        ):
            cancelled.add(event.id)
        limited = {item.id for item in choosable_sessions(event)}
        chosen = {
            choice.session_id
            for choice in registration.session_choices
            if choice.status == RegistrationStatus.CONFIRMED
        }
        session_ids.update(item.id for item in event.sessions if item.id not in limited or item.id in chosen)
    first = registrations[0].event
    name = first.text("title", language) if len(registrations) == 1 else _("My ISA events")
    confirmed = any(r.status == RegistrationStatus.CONFIRMED for r in registrations)
    return FeedScope(
        language=language,
        name=name,
        event_ids=event_ids,
        session_ids=session_ids,
        cancelled_event_ids=cancelled,
        sequence_raises=raises,
        # The person's own cancellation or return raises SEQUENCE: DTSTAMP and LAST-MODIFIED follow.
        personal_stamps={
            (r.event_id, r.updated_at) for r in registrations
            if r.event_id in cancelled or r.feed_sequence
        },
        link_visibilities={Visibility.PUBLIC, Visibility.PARTICIPANTS} if confirmed else {Visibility.PUBLIC},
        join_token=join_token,
        revealed_session_ids=frozenset().union(
            *(revealed_session_ids(registration, now or utcnow()) for registration in registrations)
        ),
    )


def _ics_attachment(session: Session, registration: Registration, token: str | None) -> Attachment:
    """The person's event with their sessions, as current when the mail leaves."""
    scope = feed_scope([registration], registration.preferred_language, join_token_for(registration))
    return Attachment(f"{registration.event.slug}.ics", "text/calendar", build_feed(session, scope).decode())


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" for char in text)


def person_name(first_name: str, last_name: str) -> str:
    """"Anna Schmidt", but "李伟" for a Chinese name (family name first, no space)."""
    if _is_cjk(first_name) and _is_cjk(last_name):
        return f"{last_name}{first_name}"
    return f"{first_name} {last_name}".strip()


# What each status means for the person; in Python (not only in the .txt templates) so that
# message extraction, which reads .py and .html files, finds them.
STATUS_SENTENCES = {
    RegistrationStatus.CONFIRMED: _l("Your place is confirmed (%(mode)s)."),
    RegistrationStatus.WAITING: _l(
        "The event is fully booked: you are on the waiting list (%(mode)s). "
        "We will write to you as soon as a place becomes free."
    ),
    RegistrationStatus.PENDING: _l(
        "Your registration is awaiting approval by the organisers. "
        "We will write to you once they have decided."
    ),
    RegistrationStatus.CANCELLED: _l("Your registration has been cancelled."),
    RegistrationStatus.REJECTED: _l("Unfortunately the organisers could not accept your registration."),
}


def status_sentence(status: RegistrationStatus, mode: AttendanceMode) -> str:
    return str(STATUS_SENTENCES[status]) % {"mode": label(mode)}


def _subject(template: str, event: Event, language: str, status: RegistrationStatus,
             is_reminder: bool = False, is_change: bool = False) -> str:
    title = event.text("title", language)
    if template == "registration" and is_reminder:
        return _("Your link for %(title)s", title=title)
    if template == "sign_in":
        return _("Sign in to your registration: %(title)s", title=title)
    if template == "registration":
        return _("Your registration: %(title)s – %(status)s", title=title, status=label(status))
    if template == "status" and is_change:
        return _("%(title)s: your registration has changed", title=title)
    if template == "status":
        return _("%(title)s: %(status)s", title=title, status=label(status))
    return title


def _render(template: str, language: str, **context: object) -> tuple[str, str, str]:
    """(subject, text, html) of a mail template pair, rendered in `language`."""
    registration = context["registration"]
    assert isinstance(registration, Registration)
    status = context.setdefault("status", registration.status)
    mode = context.get("mode") or registration.attendance_mode
    context.setdefault("name", person_name(registration.first_name, registration.last_name))
    with force_locale(language):
        context["status_sentence"] = status_sentence(status, mode)  # type: ignore[arg-type]
        subject = _subject(template, registration.event, language, status,  # type: ignore[arg-type]
                           bool(context.get("is_reminder")), bool(context.get("is_change")))
        text = render_template(f"mail/{template}.txt", language=language, **context)
        html = render_template(f"mail/{template}.html", language=language, **context)
    return " ".join(subject.split()), text, html


def _event_context(event: Event) -> dict:
    return {"event": event, "event_url": public_url(f"/events/{event.slug}/")}


def _registration_of(session: Session, mail: OutboxMail) -> Registration | None:
    registration = session.get(Registration, mail.registration_id) if mail.registration_id else None
    if registration is None or registration.purged_at is not None:
        return None
    return registration


# Why a registration mail is sent: a new sign-up, the same address again (unchanged link),
# a cancelled registration taken up again, or a new link the person asked for.
NEW = "new"
LINK_AGAIN = "again"
REGISTERED_AGAIN = "revived"
RENEWED = "renewed"
MAIL_KINDS = {NEW: "registration", LINK_AGAIN: "registration_reminder",
              REGISTERED_AGAIN: "registration_again", RENEWED: "registration_renewed"}


def queue_confirmation(session: Session, registration: Registration, *, variant: str = NEW) -> OutboxMail:
    """The confirmation (or the link again) with status and .ics, written when it is sent.

    The row holds no secret: the links come from the registration's sealed token at send
    time. When that cannot be unsealed, the mail carries a sign-in link instead.
    """
    return queue_rendered_later(
        session,
        kind=MAIL_KINDS[variant],
        recipient=registration.email,
        language=registration.preferred_language,
        renderer_name="registration",
        context={"variant": variant},
        registration_id=registration.id,
    )


def sign_in_url(registration: Registration) -> str:
    return public_url(f"/registrations/sign-in/{make_sign_in_token(registration.id, registration.token_hash)}")


@renderer("registration")
def render_confirmation(session: Session, mail: OutboxMail) -> RenderedMail | None:
    registration = _registration_of(session, mail)
    if registration is None or not mail.context:
        return None
    # Rows queued before the variants existed said only whether it was a reminder.
    variant = mail.context.get("variant") or (LINK_AGAIN if mail.context.get("is_reminder") else NEW)
    language = registration.preferred_language
    token = get_manage_token(registration)
    if token is None:
        subject, text, html = _render(
            "sign_in", language, registration=registration, variant=variant, sign_in_url=sign_in_url(registration),
            **_event_context(registration.event),
        )
        return RenderedMail(subject, text, html)
    subject, text, html = _render(
        "registration",
        language,
        registration=registration,
        variant=variant,
        is_reminder=variant == LINK_AGAIN,
        manage_url=manage_url(token),
        feed_url=feed_url(token),
        **_event_context(registration.event),
    )
    return RenderedMail(subject, text, html, _ics_attachment(session, registration, token))


def _calendar_view(held: HeldPlaces) -> tuple[bool, bool, frozenset[int]]:
    """What the person's calendar shows of a registration (see feed_scope): the event (or its
    cancellation), the participants' links, and the limited sessions with a place."""
    return (
        held.status in ACTIVE_STATUSES,
        held.status == RegistrationStatus.CONFIRMED,
        frozenset(key for key, status in held.sessions.items() if status == RegistrationStatus.CONFIRMED),
    )


def queue_change_mail(
    session: Session, registration: Registration, before: HeldPlaces, after: HeldPlaces
) -> OutboxMail | None:
    """Tell a person what one action changed for them: status, mode, sessions; None if nothing.

    What changed is kept in the row (the mail says it even if more changes follow); the
    text is written in the person's language when the mail leaves.
    """
    session_changes = []
    if after.status in ACTIVE_STATUSES:
        # Once a registration has ended, its status says all; its sessions went with it.
        for key in sorted(set(before.sessions) | set(after.sessions)):
            old, new = before.sessions.get(key), after.sessions.get(key)
            if old != new:
                session_changes.append([key, old.value if old else None, new.value if new else None])
    is_status_change = before.status != after.status
    if not is_status_change and before.mode == after.mode and not session_changes:
        return None
    return queue_rendered_later(
        session,
        kind=f"status_{after.status.value}" if is_status_change else "registration_changed",
        recipient=registration.email,
        language=registration.preferred_language,
        renderer_name="status",
        context={
            "status": after.status.value,
            "old_status": before.status.value,
            "mode": after.mode.value,
            "old_mode": before.mode.value,
            "sessions": session_changes,
            "has_calendar": _calendar_view(before) != _calendar_view(after),
        },
        registration_id=registration.id,
    )


# What a change means for one session, by its new state (and, for a place won, its old one).
SESSION_CHANGE_SENTENCES = {
    "promoted": _l("A place has become free: you have moved up from the waiting list."),
    "confirmed": _l("You have a place."),
    "waiting": _l("Fully booked: you are on the waiting list."),
    "pending": _l("Requested; the organisers have not decided yet."),
    "lost": _l("You no longer have a place."),
    "removed": _l("No longer among your choices."),
}


@dataclass(frozen=True)
class SessionChangeLine:
    """One session whose place changed, ready to show in the reader's language."""

    state: str
    sentence: str
    title: str
    times: list[str]


def _session_state(old: str | None, new: str | None) -> str:
    if new == RegistrationStatus.CONFIRMED.value:
        return "promoted" if old == RegistrationStatus.WAITING.value else "confirmed"
    if new in (RegistrationStatus.WAITING.value, RegistrationStatus.PENDING.value):
        return new
    return "lost" if old == RegistrationStatus.CONFIRMED.value else "removed"


def _session_lines(
    session: Session, event: Event, changes: list, language: str, is_status_change: bool
) -> list[SessionChangeLine]:
    # Imported here: the agenda package imports this module.
    from eventapp.agenda.changes import slot_labels

    lines = []
    for key, old, new in changes:
        item = session.get(EventSession, key)
        if item is None or item.event_id != event.id:
            continue
        if is_status_change and old == RegistrationStatus.WAITING.value:
            # A place won together with the whole registration is part of that news, not a
            # move up from the session's own waiting list.
            old = None
        state = _session_state(old, new)
        with force_locale(language):
            lines.append(SessionChangeLine(
                state=state,
                sentence=str(SESSION_CHANGE_SENTENCES[state]),
                title=item.text("title", language),
                times=slot_labels(item.starts_at, item.ends_at, event.timezone),
            ))
    return lines


@renderer("status")
def render_status(session: Session, mail: OutboxMail) -> RenderedMail | None:
    registration = _registration_of(session, mail)
    if registration is None or not mail.context:
        return None
    context = mail.context
    # The status the mail announces, even if it has changed again since; except a
    # cancellation the person has already undone by registering again (that mail follows
    # this one): "cancelled" arriving after "registered again" would only confuse.
    status = RegistrationStatus(context["status"])
    if status == RegistrationStatus.CANCELLED != registration.status and session.scalar(
        select(OutboxMail.id).where(OutboxMail.registration_id == registration.id, OutboxMail.id > mail.id).limit(1)
    ):
        return None
    old_status = RegistrationStatus(context.get("old_status") or status.value)
    mode = AttendanceMode(context.get("mode") or registration.attendance_mode.value)
    old_mode = AttendanceMode(context.get("old_mode") or mode.value)
    language = registration.preferred_language
    # Rows queued before changes were recorded attach the calendar on these two statuses.
    has_attachment = bool(context.get(
        "has_calendar", status in (RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED)))
    subject, text, html = _render(
        "status", language, registration=registration, status=status, mode=mode,
        is_change="old_status" in context and old_status == status,
        is_promotion=old_status == RegistrationStatus.WAITING and status == RegistrationStatus.CONFIRMED,
        old_mode=old_mode if old_mode != mode else None,
        session_lines=_session_lines(session, registration.event, context.get("sessions") or [], language,
                                     old_status != status),
        has_attachment=has_attachment,
        **_event_context(registration.event),
    )
    attachment = _ics_attachment(session, registration, None) if has_attachment else None
    return RenderedMail(subject, text, html, attachment)


def queue_organiser_message(
    session: Session, registration: Registration, subject: str, message: str
) -> OutboxMail:
    """An organiser's message to one participant, framed in the participant's language."""
    language = registration.preferred_language
    message = message.replace("\r\n", "\n").replace("\r", "\n").strip()
    _subject, text, html = _render(
        "message", language, registration=registration, message=message,
        message_html=message_html(message), **_event_context(registration.event),
    )
    return queue_mail(
        session,
        kind="organiser_message",
        recipient=registration.email,
        language=language,
        subject=" ".join(subject.split()),
        body_text=text,
        body_html=html,
        registration_id=registration.id,
    )
