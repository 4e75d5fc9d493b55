"""The mail a participant gets when an event is cancelled, written in their language when sent."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from eventapp.calendar.services import FeedScope, build_feed
from eventapp.models import OutboxMail, Registration
from eventapp.outbox.services import Attachment, RenderedMail, queue_rendered_later, renderer
from eventapp.registrations.mails import person_name, public_url

RENDERER = "event_cancelled"


def queue_cancellation(session: Session, registration: Registration) -> OutboxMail:
    """Tell one registered person that their event is cancelled (leaves with the commit)."""
    return queue_rendered_later(
        session,
        kind=RENDERER,
        recipient=registration.email,
        language=registration.preferred_language,
        renderer_name=RENDERER,
        context={"event_id": registration.event_id},
        registration_id=registration.id,
    )


@renderer(RENDERER)
def render_cancellation(session: Session, mail: OutboxMail) -> RenderedMail | None:
    registration = session.get(Registration, mail.registration_id) if mail.registration_id else None
    if registration is None or registration.purged_at is not None:
        return None
    event = registration.event
    language = registration.preferred_language
    with force_locale(language):
        title = event.text("title", language)
        context = {
            "event": event,
            "language": language,
            "name": person_name(registration.first_name, registration.last_name),
            "event_url": public_url(f"/events/{event.slug}/"),
        }
        subject = _("Cancelled: %(title)s", title=title)
        text = render_template("mail/event_cancelled.txt", **context)
        html = render_template("mail/event_cancelled.html", **context)
        # The event's calendar item, now STATUS:CANCELLED: importing it removes the event.
        feed = build_feed(session, FeedScope(language=language, name=title, event_ids={event.id}))
    attachment = Attachment(f"{event.slug}.ics", "text/calendar", feed.decode())
    return RenderedMail(" ".join(subject.split()), text, html, attachment)
