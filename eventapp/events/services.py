"""Event and programme services: every entry path (forms, CLI, demo loader, imports) uses them.

Times come in as naive local wall times in the event's zone and leave as aware UTC;
the rules refuse local times that do not exist or are ambiguous.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from eventapp.models import (
    City,
    Event,
    EventFormat,
    EventKind,
    EventSession,
    EventStatus,
    SessionKind,
    SessionStatus,
    Speaker,
    Visibility,
)
from eventapp.models.base import utcnow
from eventapp.rules import validation
from eventapp.rules.times import local_to_utc
from eventapp.video import detect_platform


@dataclass
class EventData:
    slug: str
    main_language: str
    title: dict[str, str]
    kind: EventKind
    format: EventFormat
    timezone: str
    starts_local: datetime
    ends_local: datetime
    summary: dict[str, str] = field(default_factory=dict)
    report: dict[str, str] = field(default_factory=dict)
    status: EventStatus = EventStatus.DRAFT
    venue_name: str | None = None
    venue_address: str | None = None
    host_city: City | None = None
    topics: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    has_interpretation: bool = False
    registration_opens_local: datetime | None = None
    registration_closes_local: datetime | None = None
    capacity_onsite: int | None = None
    capacity_online: int | None = None
    has_waiting_list: bool = True
    requires_approval: bool = False


@dataclass
class SessionData:
    title: dict[str, str]
    kind: SessionKind
    starts_local: datetime
    ends_local: datetime
    description: dict[str, str] = field(default_factory=dict)
    room: str | None = None
    spoken_language: str = "de"
    has_interpretation: bool = False
    topics: list[str] = field(default_factory=list)
    is_virtual: bool = False
    join_url: str | None = None
    join_visibility: Visibility = Visibility.PARTICIPANTS
    join_reveal_minutes: int | None = None
    capacity: int | None = None
    speakers: list[Speaker] = field(default_factory=list)


def _event_values(data: EventData) -> dict:
    """Validate EventData and turn it into column values; refuses any broken rule."""
    validation.check_slug(data.slug)
    validation.check_translations(data.title, data.main_language, "title")
    for code in data.languages:
        validation.check_language(code, "languages")
    starts_at = local_to_utc(data.starts_local, data.timezone, "starts_at")
    ends_at = local_to_utc(data.ends_local, data.timezone, "ends_at")
    validation.check_event_times(starts_at, ends_at, data.timezone)
    opens_at = closes_at = None
    if data.registration_opens_local:
        opens_at = local_to_utc(data.registration_opens_local, data.timezone, "registration_opens_at")
    if data.registration_closes_local:
        closes_at = local_to_utc(
            data.registration_closes_local, data.timezone, "registration_closes_at"
        )
    validation.check_registration_window(opens_at, closes_at, ends_at)
    validation.check_capacity(data.capacity_onsite, "capacity_onsite")
    validation.check_capacity(data.capacity_online, "capacity_online")
    return {
        "slug": data.slug,
        "main_language": data.main_language,
        "title_i18n": dict(data.title),
        "summary_i18n": dict(data.summary),
        "report_i18n": dict(data.report),
        "kind": data.kind,
        "format": data.format,
        "status": data.status,
        "timezone": data.timezone,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "venue_name": data.venue_name,
        "venue_address": data.venue_address,
        "host_city": data.host_city,
        "languages": list(data.languages),
        "has_interpretation": data.has_interpretation,
        "registration_opens_at": opens_at,
        "registration_closes_at": closes_at,
        "capacity_onsite": data.capacity_onsite,
        "capacity_online": data.capacity_online,
        "has_waiting_list": data.has_waiting_list,
        "requires_approval": data.requires_approval,
    }


def _apply(obj: object, values: dict) -> None:
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)


def create_event(session: Session, data: EventData) -> Event:
    """Create an event; refuses a taken slug, bad times and missing main-language title."""
    values = _event_values(data)
    if session.scalar(select(Event.id).where(Event.slug == data.slug)) is not None:
        raise validation.RuleError("slug", validation.SLUG_TAKEN)
    event = Event(**values)
    event.topics = list(dict.fromkeys(data.topics))
    session.add(event)
    session.flush()
    return event


def update_event(session: Session, event: Event, data: EventData) -> Event:
    """Update an event; refuses what create_event refuses and sessions left outside it."""
    values = _event_values(data)
    if data.slug != event.slug and session.scalar(
        select(Event.id).where(Event.slug == data.slug)
    ) is not None:
        raise validation.RuleError("slug", validation.SLUG_TAKEN)
    for item in event.sessions:
        validation.check_within_event(
            item.starts_at, item.ends_at, values["starts_at"], values["ends_at"]
        )
    _apply(event, values)
    if list(event.topics) != list(dict.fromkeys(data.topics)):
        event.topics = list(dict.fromkeys(data.topics))
    session.flush()
    return event


def set_event_status(session: Session, event: Event, status: EventStatus) -> Event:
    """Publish, cancel or withdraw an event."""
    event.status = status
    session.flush()
    return event


def _session_values(event: Event, data: SessionData) -> dict:
    validation.check_translations(data.title, event.main_language, "title")
    validation.check_language(data.spoken_language, "spoken_language")
    validation.check_capacity(data.capacity)
    starts_at = local_to_utc(data.starts_local, event.timezone, "starts_at")
    ends_at = local_to_utc(data.ends_local, event.timezone, "ends_at")
    validation.check_within_event(starts_at, ends_at, event.starts_at, event.ends_at)
    platform = None
    if data.join_url:
        validation.check_https_url(data.join_url, "join_url")
        platform = detect_platform(data.join_url)
    return {
        "title_i18n": dict(data.title),
        "description_i18n": dict(data.description),
        "kind": data.kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "room": data.room,
        "spoken_language": data.spoken_language,
        "has_interpretation": data.has_interpretation,
        "topics": list(data.topics),
        "is_virtual": data.is_virtual or bool(data.join_url),
        "join_url": data.join_url,
        "join_platform": platform,
        "join_visibility": data.join_visibility,
        "join_reveal_minutes": data.join_reveal_minutes,
        "capacity": data.capacity,
    }


def add_session(session: Session, event: Event, data: SessionData) -> EventSession:
    """Add a programme item; refuses times outside the event and non-https join links."""
    item = EventSession(event=event, **_session_values(event, data))
    item.speakers = list(data.speakers)
    session.add(item)
    session.flush()
    return item


def update_session(session: Session, item: EventSession, data: SessionData) -> EventSession:
    """Change a programme item; its id (and so its calendar UID) stays the same."""
    _apply(item, _session_values(item.event, data))
    if list(item.speakers) != list(data.speakers):
        item.speakers = list(data.speakers)
    session.flush()
    return item


def move_session(
    session: Session, item: EventSession, starts_local: datetime, ends_local: datetime
) -> EventSession:
    """Move a programme item to new local times; refuses times outside the event."""
    event = item.event
    starts_at = local_to_utc(starts_local, event.timezone, "starts_at")
    ends_at = local_to_utc(ends_local, event.timezone, "ends_at")
    validation.check_within_event(starts_at, ends_at, event.starts_at, event.ends_at)
    item.starts_at, item.ends_at = starts_at, ends_at
    session.flush()
    return item


def cancel_session(session: Session, item: EventSession) -> EventSession:
    """Cancel a programme item: it stays visible (struck through) and in feeds as CANCELLED."""
    item.status = SessionStatus.CANCELLED
    session.flush()
    return item


def get_or_create_speaker(
    session: Session,
    name: str,
    affiliation: str | None = None,
    bio: dict[str, str] | None = None,
    main_language: str = "de",
) -> Speaker:
    """The speaker of that name and affiliation, created on first use."""
    speaker = session.scalar(
        select(Speaker).where(Speaker.name == name, Speaker.affiliation == affiliation)
    )
    if speaker is None:
        validation.check_language(main_language, "main_language")
        speaker = Speaker(
            name=name, affiliation=affiliation, bio_i18n=dict(bio or {}), main_language=main_language
        )
        session.add(speaker)
        session.flush()
    return speaker


def get_event_by_slug(session: Session, slug: str, *, published_only: bool = True) -> Event | None:
    query = select(Event).where(Event.slug == slug)
    if published_only:
        query = query.where(Event.status != EventStatus.DRAFT)
    return session.scalar(query)


def list_upcoming_events(session: Session, limit: int | None = None) -> list[Event]:
    """Published events that have not ended, soonest first."""
    query = (
        select(Event)
        .where(Event.status != EventStatus.DRAFT, Event.ends_at >= utcnow())
        .options(selectinload(Event.host_city), selectinload(Event.topic_links))
        .order_by(Event.starts_at, Event.id)
    )
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def list_latest_archived(session: Session, limit: int = 3) -> list[Event]:
    """Published events that have ended, latest first."""
    query = (
        select(Event)
        .where(Event.status == EventStatus.PUBLISHED, Event.ends_at < utcnow())
        .options(selectinload(Event.host_city), selectinload(Event.topic_links))
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
