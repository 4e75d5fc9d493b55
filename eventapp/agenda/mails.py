"""The release digest: one mail per active registration telling what a release changed.

Queued as outbox rows that are written when they leave (in the participant's language, with
the changes as released), so a long list of registrants costs the organiser's request only
the inserts.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from eventapp import audit
from eventapp.agenda.changes import ChangeLine, change_lines
from eventapp.models import (
    AgendaRelease,
    Event,
    OutboxMail,
    Registration,
    User,
)
from eventapp.models.base import utcnow
from eventapp.outbox.services import RenderedMail, queue_rendered_later, renderer
from eventapp.outbox.text import message_html
from eventapp.registrations.mails import person_name, public_url
from eventapp.registrations.seats import ACTIVE_STATUSES
from eventapp.rules.errors import RuleError

DIGEST_RENDERER = "agenda_changes"
# Who hears of agenda changes: everyone who still expects to come (or may yet):
# confirmed, waiting and pending registrations.
DIGEST_STATUSES = ACTIVE_STATUSES


@dataclass(frozen=True)
class ReleaseRow:
    """A release for the back office's list: who released it, and its changes."""

    release: AgendaRelease
    released_by: str | None


def list_releases(session: Session, event: Event) -> list[ReleaseRow]:
    """The event's releases, newest first, with their changes (two queries)."""
    rows = session.execute(
        select(AgendaRelease, User.email)
        .outerjoin(User, User.id == AgendaRelease.released_by_id)
        .where(AgendaRelease.event_id == event.id)
        .options(selectinload(AgendaRelease.changes))
        .order_by(AgendaRelease.number.desc())
    )
    return [ReleaseRow(release, email) for release, email in rows]


def get_release(session: Session, event: Event, number: int) -> AgendaRelease | None:
    """The event's release with this number; None for any other number."""
    if not 0 < number < 2**31:
        return None
    return session.scalar(
        select(AgendaRelease).where(AgendaRelease.event_id == event.id, AgendaRelease.number == number)
    )


def count_digest_recipients(session: Session, event: Event) -> int:
    """How many mails a digest of this event would queue now."""
    return len(_recipients(session, event))


def _recipients(session: Session, event: Event) -> list[tuple[int, str, str]]:
    return list(
        session.execute(
            select(Registration.id, Registration.email, Registration.preferred_language)
            .where(
                Registration.event_id == event.id,
                Registration.status.in_(DIGEST_STATUSES),
                Registration.purged_at.is_(None),
            )
            .order_by(Registration.id)
        ).tuples()
    )


def queue_release_digest(
    session: Session, event: Event, release: AgendaRelease, actor: User | None = None
) -> int:
    """Queue one digest mail per confirmed, waiting or pending registration; returns how many.

    Refuses a release of another event and one whose digest was already queued (checked
    and marked in one conditional UPDATE, so two clicks never send it twice).
    """
    if release.event_id != event.id:
        raise RuleError("release", _l("This release belongs to another event."))
    now = utcnow()
    marked = session.execute(
        update(AgendaRelease)
        .where(AgendaRelease.id == release.id, AgendaRelease.digest_queued_at.is_(None))
        .values(digest_queued_at=now),
        execution_options={"synchronize_session": False},
    )
    if marked.rowcount != 1:
        session.refresh(release)
        raise RuleError("release", _l("The digest of this release has already been queued."))
    session.refresh(release)
    recipients = _recipients(session, event)
    for registration_id, email, language in recipients:
        queue_rendered_later(
            session,
            kind="agenda_changes",
            recipient=email,
            language=language,
            renderer_name=DIGEST_RENDERER,
            context={"release_id": release.id},
            registration_id=registration_id,
        )
    audit.record(session, actor, "agenda.digest", "agenda_release", release.id, event_id=event.id,
                 summary=f"#{release.number}", changes={"mails": len(recipients)})
    session.flush()
    return len(recipients)


def render_digest(
    event: Event, release: AgendaRelease, language: str, name: str
) -> tuple[str, str, str]:
    """(subject, text, html) of a release digest in `language`."""
    with force_locale(language):
        lines: list[ChangeLine] = change_lines(list(release.changes), event, language)
        title = event.text("title", language)
        subject = _("Agenda changes: %(title)s", title=title)
        note = release.note_i18n.get(language) or release.note_i18n.get(event.main_language) or ""
        note = note.replace("\r\n", "\n").replace("\r", "\n").strip()
        context = {
            "event": event,
            "release": release,
            "lines": lines,
            "language": language,
            "name": name,
            "note": note,
            "note_html": message_html(note),
            "event_url": public_url(f"/events/{event.slug}/"),
        }
        text = render_template("mail/agenda_changes.txt", **context)
        html = render_template("mail/agenda_changes.html", **context)
    return " ".join(subject.split()), text, html


@renderer(DIGEST_RENDERER)
def render_release_digest(session: Session, mail: OutboxMail) -> RenderedMail | None:
    """The digest as it leaves; nothing for a registration cancelled or purged meanwhile."""
    registration = session.get(Registration, mail.registration_id) if mail.registration_id else None
    if registration is None or registration.purged_at is not None \
            or registration.status not in DIGEST_STATUSES or not mail.context:
        return None
    release = session.get(AgendaRelease, int(mail.context["release_id"]))
    if release is None or release.event_id != registration.event_id:
        return None
    subject, text, html = render_digest(
        registration.event, release, registration.preferred_language,
        person_name(registration.first_name, registration.last_name),
    )
    return RenderedMail(subject, text, html)
