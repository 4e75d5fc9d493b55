"""Privacy: personal data of past events' registrations is removed, their counts kept.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from eventapp.models import (
    Event,
    OutboxMail,
    Registration,
)
from eventapp.models.base import utcnow
from eventapp.registrations.seats import run
from eventapp.registrations.tokens import hash_token, new_token


def purge_registrations(session: Session, ended_before: datetime) -> int:
    """Remove personal data of registrations for events that ended before the date.

    Keeps status, mode, participant type, city and organisation so the archive keeps its counts.
    """
    ids = list(
        session.scalars(
            select(Registration.id)
            .join(Event)
            .where(Event.ends_at < ended_before, Registration.purged_at.is_(None))
        )
    )
    now = utcnow()
    for registration_id in ids:
        run(
            session,
            update(Registration)
            .where(Registration.id == registration_id)
            .values(
                first_name="",
                last_name="",
                email=f"purged-{registration_id}",
                position=None,
                notes=None,
                city_other=None,
                organisation_name=None,
                needs_interpretation=False,
                token_hash=hash_token(new_token()),
                feed_token_hash=None,
                checkin_hash=None,
                token_sealed=None,
                purged_at=now,
                updated_at=now,
            ),
        )
    if ids:
        session.execute(delete(OutboxMail).where(OutboxMail.registration_id.in_(ids)))
    session.flush()
    return len(ids)
