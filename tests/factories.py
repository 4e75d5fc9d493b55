"""Plain factory functions with dull defaults; pass overrides for what a test cares about."""
from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from eventapp.events.services import EventData, SessionData, add_session, create_event
from eventapp.models import (
    City,
    Country,
    Event,
    EventFormat,
    EventKind,
    EventOrganiser,
    EventSession,
    EventStatus,
    SessionKind,
    User,
    UserRole,
)

_numbers = count(1)


def make_city(session: Session, **overrides: Any) -> City:
    number = next(_numbers)
    values: dict[str, Any] = {
        "slug": f"city-{number}",
        "name_i18n": {"de": f"Stadt {number}", "en": f"City {number}", "zh": f"城市{number}"},
        "country": Country.DE,
        "region_i18n": {"de": "Hessen", "en": "Hesse", "zh": "黑森州"},
    }
    values.update(overrides)
    city = City(**values)
    session.add(city)
    session.flush()
    return city


def make_event(session: Session, **overrides: Any) -> Event:
    number = next(_numbers)
    values: dict[str, Any] = {
        "slug": f"event-{number}",
        "main_language": "de",
        "title": {"de": f"Veranstaltung {number}", "en": f"Event {number}"},
        "kind": EventKind.CONFERENCE,
        "format": EventFormat.HYBRID,
        "timezone": "Europe/Berlin",
        "starts_local": datetime(2027, 1, 14, 9, 0),
        "ends_local": datetime(2027, 1, 14, 17, 0),
        "status": EventStatus.PUBLISHED,
    }
    values.update(overrides)
    return create_event(session, EventData(**values))


def make_session(session: Session, event: Event, **overrides: Any) -> EventSession:
    values: dict[str, Any] = {
        "title": {"de": "Vortrag", "en": "Talk"},
        "kind": SessionKind.TALK,
        "starts_local": datetime(2027, 1, 14, 9, 0),
        "ends_local": datetime(2027, 1, 14, 10, 0),
    }
    values.update(overrides)
    return add_session(session, event, SessionData(**values))


def make_user(session: Session, **overrides: Any) -> User:
    """An account; `manages=[event, ...]` assigns it to those events."""
    values: dict[str, Any] = {"email": f"organiser{next(_numbers)}@example.org", "role": UserRole.ORGANISER}
    password = overrides.pop("password", "correct horse battery")
    manages = overrides.pop("manages", ())
    values.update(overrides)
    user = User(**values)
    user.set_password(password)
    session.add(user)
    session.flush()
    for event in manages:
        session.add(EventOrganiser(event_id=event.id, user_id=user.id))
    session.flush()
    return user
