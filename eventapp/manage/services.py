"""Lists for the back office."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from eventapp.models import Event, Registration, RegistrationStatus


@dataclass
class BackOfficeEvent:
    event: Event
    counts: dict[RegistrationStatus, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def list_back_office_events(session: Session) -> list[BackOfficeEvent]:
    """Every event, drafts included, newest first, with registration counts by status."""
    events = session.scalars(
        select(Event)
        .options(selectinload(Event.host_city))
        .where(~Event.slug.like("archive-sample-%"))
        .order_by(Event.starts_at.desc(), Event.id.desc())
    ).all()
    counts: dict[int, dict[RegistrationStatus, int]] = {}
    rows = session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .where(Registration.event_id.in_([event.id for event in events]))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, number in rows:
        counts.setdefault(event_id, {})[status] = number
    return [BackOfficeEvent(event, counts.get(event.id, {})) for event in events]
