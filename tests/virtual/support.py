"""Helpers for virtual-session tests: an event whose 11:00-12:00 Berlin session is online."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from eventapp.models import Event, EventSession, Visibility
from tests.factories import make_session
from tests.registrations.support import open_event

ZOOM = "https://zoom.us/j/5550001111?pwd=secret-panel"
# The session: 11:00-12:00 Berlin (UTC+1) = 10:00-11:00 UTC; link revealed 15 minutes before.
BEFORE = datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
DURING = datetime(2027, 1, 14, 10, 30, tzinfo=UTC)
AFTER = datetime(2027, 1, 14, 11, 30, tzinfo=UTC)
OPENS = datetime(2027, 1, 14, 9, 45, tzinfo=UTC)


def _split(overrides: dict[str, Any], prefixes: tuple[str, ...]) -> dict[str, Any]:
    """Video fields the factories' data classes do not take: set on the row afterwards."""
    return {key: overrides.pop(key) for key in list(overrides) if key.startswith(prefixes)}


def virtual_event(session: Session, **overrides: Any) -> Event:
    extra = _split(overrides, ("default_join_",))
    event = open_event(session, **overrides)
    for key, value in extra.items():
        setattr(event, key, value)
    session.flush()
    return event


def virtual_item(session: Session, event: Event, **overrides: Any) -> EventSession:
    values: dict[str, Any] = {
        "title": {"de": "Podium online", "en": "Online panel"},
        "is_virtual": True,
        "join_url": ZOOM,
        "join_visibility": Visibility.PARTICIPANTS,
        "join_reveal_minutes": 15,
        "starts_local": datetime(2027, 1, 14, 11),
        "ends_local": datetime(2027, 1, 14, 12),
    }
    values.update(overrides)
    extra = _split(values, ("join_meeting_id", "join_passcode", "join_dial_in", "join_channels",
                            "recording_", "slides_"))
    item = make_session(session, event, **values)
    for key, value in extra.items():
        setattr(item, key, value)
    session.flush()
    return item
