"""Event and programme services: every entry path (forms, CLI, demo loader, imports) uses them.

Times come in as naive local wall times in the event's zone and leave as aware UTC;
the rules refuse local times that do not exist or are ambiguous.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import ColumnElement, String, Text, bindparam, cast, func, select, type_coerce
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.types import NullType

from eventapp.database import load_json
from eventapp.i18n import request_locale
from eventapp.models import (
    City,
    Event,
    EventFormat,
    EventKind,
    EventSession,
    EventStatus,
    EventTopic,
    SessionKind,
    SessionStatus,
    Speaker,
    Visibility,
)
from eventapp.models.base import as_utc, translation_with_language, utcnow
from eventapp.models.events import session_speakers
from eventapp.rules import validation
from eventapp.rules.times import iso_instant, local_to_utc, partner_zones, utc_to_local, zoned
from eventapp.video import detect_platform
from eventapp.virtual import services as virtual
from eventapp.virtual.services import JoinView, join_instants, public_join_view, zones_label


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


def session_values(event: Event, data: SessionData) -> dict:
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
    item = EventSession(event=event, **session_values(event, data))
    item.speakers = list(data.speakers)
    session.add(item)
    session.flush()
    return item


def update_session(session: Session, item: EventSession, data: SessionData) -> EventSession:
    """Change a programme item; its id (and so its calendar UID) stays the same."""
    _apply(item, session_values(item.event, data))
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


# --- Public event pages: list, page stamp (for ETags), agenda rows -------------------------


@dataclass(frozen=True)
class EventStamp:
    """What one indexed lookup tells about an event: enough for an ETag and a 304."""

    id: int
    version: int
    updated_at: datetime
    status: EventStatus
    starts_at: datetime
    ends_at: datetime
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None

    @property
    def is_public(self) -> bool:
        return self.status != EventStatus.DRAFT

    @property
    def event_boundaries(self) -> tuple[datetime, ...]:
        """Instants at which the page changes without the event changing."""
        moments = [self.starts_at, self.ends_at]
        moments += [m for m in (self.registration_opens_at, self.registration_closes_at) if m]
        return tuple(sorted(moments))


# Built once: the 304 path runs it on every conditional request.
_STAMP_QUERY = select(
    Event.id,
    Event.version,
    Event.updated_at,
    Event.status,
    Event.starts_at,
    Event.ends_at,
    Event.registration_opens_at,
    Event.registration_closes_at,
).where(Event.slug == bindparam("slug"))


def get_event_stamp(session: Session, slug: str) -> EventStamp | None:
    """The version row of a published (or cancelled) event; None for drafts and unknown slugs.

    One lookup on the unique slug index, run on the session's connection: the Core path
    skips the ORM's per-statement work, which matters on the 304 path.
    """
    row = session.connection().execute(_STAMP_QUERY, {"slug": slug}).one_or_none()
    if row is None:
        return None
    stamp = EventStamp(*row)
    return stamp if stamp.is_public else None


class SessionRow(NamedTuple):
    """The columns of a programme item the agenda reads (a plain tuple: cheap to read)."""

    id: int
    title_i18n: dict
    kind: SessionKind
    status: SessionStatus
    starts_at: datetime
    ends_at: datetime
    room: str | None
    spoken_language: str
    has_interpretation: bool
    topics: list | tuple
    is_virtual: bool
    join_url: str | None
    join_visibility: Visibility
    join_reveal_minutes: int | None
    recording_url: str | None
    slides_url: str | None
    recording_visibility: Visibility


class SpeakerRow(NamedTuple):
    id: int
    name: str
    affiliation: str | None
    bio_i18n: dict
    main_language: str
    photo_path: str | None = None
    version: int = 1


@dataclass
class EventPage:
    """What an event page shows, loaded in a fixed number of queries.

    Sessions come as plain rows (not ORM objects): the agenda only reads them, and rows
    are several times cheaper to load and read than mapped instances.
    """

    event: Event
    sessions: list[SessionRow]
    speaker_names: dict[int, list[str]]
    speakers: list[SpeakerRow]
    # The event's topic codes (Event.topics without loading its links).
    topics: list[str]


def _as_stored(column: ColumnElement) -> ColumnElement:
    """A column read as the driver returns it: no per-value result processing."""
    return type_coerce(column, NullType()).label(column.key)


def _as_text(column: ColumnElement) -> ColumnElement:
    """A JSON column read as its text (PostgreSQL's driver would decode it per row)."""
    return cast(column, Text).label(column.key)


# The agenda's columns come as the drivers return them and _session_rows converts each
# DISTINCT value once: parallel sessions share their times, an agenda repeats a few topic
# lists and kinds hundreds of times (SQLAlchemy's result processing would parse every
# value of every row: JSON, SQLite's date strings, enums, booleans).
_AGENDA_COLUMNS = (
    EventSession.id,
    _as_text(EventSession.title_i18n),
    _as_stored(EventSession.kind),
    _as_stored(EventSession.status),
    _as_stored(EventSession.starts_at),
    _as_stored(EventSession.ends_at),
    EventSession.room,
    EventSession.spoken_language,
    _as_stored(EventSession.has_interpretation),
    _as_text(EventSession.topics),
    _as_stored(EventSession.is_virtual),
    EventSession.join_url,
    _as_stored(EventSession.join_visibility),
    EventSession.join_reveal_minutes,
    EventSession.recording_url,
    EventSession.slides_url,
    _as_stored(EventSession.recording_visibility),
)


def stored_utc(value: str | datetime) -> datetime:
    """A stored instant as aware UTC, as UTCDateTime reads it: SQLite's driver gives the
    naive UTC text SQLAlchemy wrote, PostgreSQL's an aware datetime."""
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


class Distinct(dict):
    """Converts each distinct stored value once: `values[raw]` is `convert(raw)`."""

    def __init__(self, convert: Callable[[object], object]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, raw: object) -> object:
        value = self[raw] = self.convert(raw)
        return value


def _session_rows(rows: Iterable[Sequence]) -> list[SessionRow]:
    """Agenda rows, values as the ORM would give them."""
    instants = Distinct(stored_utc)
    topic_lists = Distinct(lambda raw: tuple(load_json(raw) or ()) if raw else ())
    kinds = Distinct(SessionKind)
    statuses = Distinct(SessionStatus)
    visibilities = Distinct(Visibility)
    # tuple.__new__ with the fields in SessionRow's order: the named tuple's own __new__ is
    # a Python function taking 17 arguments (0.7 -> 0.6 ms for the 300-session agenda).
    new = tuple.__new__
    return [
        new(SessionRow, (
            session_id, load_json(title) if title else None, kinds[kind], statuses[status],
            instants[starts_at], instants[ends_at], room, spoken, bool(interpreted),
            topic_lists[topics], bool(is_virtual), join_url, visibilities[join_visibility],
            reveal_minutes, recording_url, slides_url, visibilities[recording_visibility],
        ))
        for (
            session_id, title, kind, status, starts_at, ends_at, room, spoken, interpreted, topics,
            is_virtual, join_url, join_visibility, reveal_minutes, recording_url, slides_url,
            recording_visibility,
        ) in rows
    ]


# The event page's statements are built once: SQLAlchemy keeps a statement's cache key on
# the statement, so a statement built anew for each request spends more time in its cache
# key (about 1 ms for these three, with their 25 columns) than SQLite in running it.
_EVENT_QUERY = (
    select(Event)
    .where(Event.id == bindparam("event_id"))
    .options(joinedload(Event.host_city))
    .execution_options(populate_existing=True)
)
# The event's topic codes as plain strings, in Event.topics' order. Joined into the event
# query they repeated its wide row once per topic for the ORM to fold back (0.78 against
# 0.29 + 0.14 ms for the benchmark congress's ten topics).
_TOPICS_QUERY = (
    select(EventTopic.topic)
    .where(EventTopic.event_id == bindparam("event_id"))
    .order_by(EventTopic.topic)
)
_AGENDA_QUERY = (
    select(*_AGENDA_COLUMNS)
    .where(EventSession.event_id == bindparam("event_id"))
    .order_by(EventSession.starts_at, EventSession.room, EventSession.id)
)
# Each speaker of the event once, by name, with the ids of their sessions in it ("3,17"):
# the event's links are grouped by speaker (narrow rows of two ids) instead of a subquery
# for each of 300 sessions (0.7 against 0.2 ms on PostgreSQL for the benchmark congress).
_SPEAKER_SESSIONS = (
    select(
        session_speakers.c.speaker_id,
        func.aggregate_strings(cast(session_speakers.c.session_id, String), ",").label("session_ids"),
    )
    .join(EventSession, EventSession.id == session_speakers.c.session_id)
    .where(EventSession.event_id == bindparam("event_id"))
    .group_by(session_speakers.c.speaker_id)
    .subquery("speaker_sessions")
)
_SPEAKERS_QUERY = (
    select(Speaker.id, Speaker.name, Speaker.affiliation, _as_text(Speaker.bio_i18n),
           Speaker.main_language, Speaker.photo_path, Speaker.version,
           _SPEAKER_SESSIONS.c.session_ids)
    .join(_SPEAKER_SESSIONS, _SPEAKER_SESSIONS.c.speaker_id == Speaker.id)
    .order_by(Speaker.name, Speaker.id)
)


def get_event_page(session: Session, event_id: int) -> EventPage:
    """The event with its host city, topics, agenda rows and speakers (four queries)."""
    key = {"event_id": event_id}
    event = session.scalars(_EVENT_QUERY, key).one()
    connection = session.connection()
    topics = list(connection.execute(_TOPICS_QUERY, key).scalars())
    sessions = _session_rows(connection.execute(_AGENDA_QUERY, key).all())
    speakers = []
    # Each session's speaker names in the speakers' order (by name, as the database sorts).
    speaker_names: dict[int, list[str]] = {}
    for speaker_id, name, affiliation, bio, language, photo, version, session_ids in connection.execute(
        _SPEAKERS_QUERY, key
    ):
        speakers.append(SpeakerRow(
            speaker_id, name, affiliation, load_json(bio) if bio else None, language, photo, version,
        ))
        for session_id in session_ids.split(","):
            speaker_names.setdefault(int(session_id), []).append(name)
    return EventPage(event, sessions, speaker_names, speakers, topics)


def list_public_events(session: Session) -> list[Event]:
    """Upcoming and running published events, soonest first (the /events/ list)."""
    return list_upcoming_events(session)


@dataclass(frozen=True)
class RegistrationState:
    """Whether an event takes registrations now, and the seats left where they are limited."""

    status: str  # "open", "not_open_yet", "closed", "none"
    opens_at: datetime | None
    closes_at: datetime | None
    seats_onsite: int | None
    seats_online: int | None
    has_waiting_list: bool = False  # a full mode then reads "full, waiting list"

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def get_registration_state(event: Event, now: datetime) -> RegistrationState:
    """Open between the opening and closing times (and never after the event has ended)."""
    seats_onsite = seats_online = None
    if event.capacity_onsite is not None:
        seats_onsite = max(event.capacity_onsite - (event.taken_onsite or 0), 0)
    if event.capacity_online is not None:
        seats_online = max(event.capacity_online - (event.taken_online or 0), 0)
    opens_at, closes_at = event.registration_opens_at, event.registration_closes_at
    if event.status != EventStatus.PUBLISHED or (opens_at is None and closes_at is None):
        status = "none"
    elif opens_at is not None and now < opens_at:
        status = "not_open_yet"
    elif (closes_at is not None and now >= closes_at) or now >= event.ends_at:
        status = "closed"
    else:
        status = "open"
    return RegistrationState(status, opens_at, closes_at, seats_onsite, seats_online,
                             bool(event.has_waiting_list))


AGENDA_FILTERS = ("day", "room", "language", "topic")


@dataclass(frozen=True)
class AgendaFilters:
    """The agenda's filters from a query string; unknown or oversized values are dropped."""

    day: str | None = None
    room: str | None = None
    language: str | None = None
    topic: str | None = None

    @classmethod
    def from_args(cls, args: object) -> AgendaFilters:
        values: dict[str, str | None] = {}
        for name in AGENDA_FILTERS:
            value = args.get(name)  # type: ignore[attr-defined]
            values[name] = value.strip()[:120] or None if isinstance(value, str) else None
        if values["day"] and not _is_iso_day(values["day"]):
            values["day"] = None
        return cls(**values)

    def key(self) -> tuple[str | None, ...]:
        return (self.day, self.room, self.language, self.topic)

    @property
    def is_active(self) -> bool:
        return any(self.key())


def _is_iso_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


@dataclass(frozen=True)
class ZoneCell:
    """One slot's clock times in one zone."""

    zone: str
    start: str
    end: str
    offset: str
    day_shift: int
    is_event_zone: bool
    # The end's day relative to the start's day in the event zone (crossing midnight).
    end_day_shift: int = 0


@dataclass(slots=True)
class AgendaRow:
    """One session as the agenda shows it."""

    id: int
    title: str
    title_language: str
    kind: SessionKind
    room: str | None
    spoken_language: str
    has_interpretation: bool
    speakers: str
    is_virtual: bool
    has_public_join: bool
    is_cancelled: bool
    join: JoinView | None = None  # the join button's state for anybody (no secret link)
    state: str = ""  # "current", "next" or ""
    meta: str = ""  # "Talk · Room 1 · German", in the reader's language
    css: str = "session"


@dataclass
class AgendaSlot:
    """Sessions that share their start and end: the times are shown once for all of them."""

    starts_iso: str
    ends_iso: str
    cells: tuple[ZoneCell, ...]
    rows: list[AgendaRow]
    state: str = ""


@dataclass
class AgendaDay:
    day: str  # ISO date in the event's zone
    slots: list[AgendaSlot]


@dataclass
class Agenda:
    days: list[AgendaDay]
    zones: tuple[str, ...]
    all_days: list[str]
    rooms: list[str]
    languages: list[str]
    topics: list[str]
    total: int
    shown: int
    is_running: bool

    @property
    def has_choices(self) -> bool:
        """Whether any filter offers a choice (a lone room or language offers none)."""
        return any(len(values) > 1 for values in (self.all_days, self.rooms, self.languages, self.topics))


def row_join_link(event: Event, item: SessionRow) -> tuple[Visibility, int | None] | None:
    """Visibility and reveal minutes of the link an agenda row uses (its own or the default)."""
    if item.join_url:
        return item.join_visibility, item.join_reveal_minutes
    if item.is_virtual and event.default_join_url:
        return event.default_join_visibility, event.default_join_reveal_minutes
    return None


def session_boundaries(page: EventPage) -> tuple[datetime, ...]:
    """Every instant at which the current or next session or a join button changes, sorted."""
    moments = {page.event.starts_at, page.event.ends_at}
    for item in page.sessions:
        if item.status != SessionStatus.CANCELLED:
            moments.add(item.starts_at)
            moments.add(item.ends_at)
            link = row_join_link(page.event, item)
            if link is not None:
                moments.update(join_instants(item.starts_at, item.ends_at, link[1]))
    return tuple(sorted(moments))


def page_marker(
    stamp: EventStamp, now: datetime, boundaries: tuple[datetime, ...] | None
) -> str | None:
    """A token that changes whenever the time-dependent parts of the page change.

    The event's own times and the session boundaries (current and next session, join
    buttons opening before a session and ending with it) count; None means the
    boundaries are not known yet (load the page).
    """
    passed = sum(1 for moment in stamp.event_boundaries if moment <= now)
    if boundaries is None:
        return None
    phase = "pre" if now < stamp.starts_at else "post" if now >= stamp.ends_at else "run"
    return f"{phase}{passed}.{bisect_right(boundaries, now)}"


def build_agenda(
    page: EventPage,
    language: str,
    filters: AgendaFilters,
    now: datetime,
    labels: Mapping[object, str] | None = None,
) -> Agenda:
    """The agenda as plain rows in slots, grouped by local day, both zones precomputed.

    Zones are converted once per distinct time slot: parallel sessions share theirs;
    `labels` (session kinds and language codes in the reader's language) make each
    row's meta line here, once, instead of in a loop of template lookups.
    """
    labels = labels or {}
    event = page.event
    zones = partner_zones(event.timezone)
    event_zone = event.timezone
    main = event.main_language
    speaker_names = page.speaker_names
    is_running = event.starts_at <= now < event.ends_at
    current: set[int] = set()
    next_start: datetime | None = None
    if is_running:
        for item in page.sessions:
            if item.status == SessionStatus.CANCELLED:
                continue
            if item.starts_at <= now < item.ends_at:
                current.add(item.id)
            elif item.starts_at > now and (next_start is None or item.starts_at < next_start):
                next_start = item.starts_at

    # Parallel sessions share their times: each instant is labelled in both zones once
    # (per process and language: a pure formatting of the instant).
    locale = str(request_locale())

    def times_label(moment: datetime) -> str:
        return _zones_text(moment, event_zone, locale)

    days: dict[str, list[AgendaSlot]] = {}
    local_days: dict[datetime, str] = {}
    rooms: set[str] = set()
    languages: set[str] = set()
    topics: set[str] = set()
    shown = 0
    slot: AgendaSlot | None = None
    slot_times: tuple[datetime, datetime] | None = None
    filtered = filters.is_active
    # A congress repeats a few kinds, rooms and languages: each meta line and css class
    # is made once per distinct combination.
    metas: dict[tuple[SessionKind, str | None, str], str] = {}
    css_classes: dict[tuple[bool, str, SessionKind], str] = {}
    for item in page.sessions:
        starts_at, ends_at = item.starts_at, item.ends_at
        day = local_days.get(starts_at)
        if day is None:
            day = local_days[starts_at] = _local_day(starts_at, event_zone)
        room, spoken, item_topics = item.room, item.spoken_language, item.topics or ()
        if room:
            rooms.add(room)
        languages.add(spoken)
        topics.update(item_topics)
        if filtered and not (
            (filters.day is None or filters.day == day)
            and (filters.room is None or filters.room == (room or ""))
            and (filters.language is None or filters.language == spoken)
            and (filters.topic is None or filters.topic in item_topics)
        ):
            continue
        if slot is None or slot_times != (starts_at, ends_at) or day not in days:
            slot = AgendaSlot(
                iso_instant(starts_at), iso_instant(ends_at),
                _zone_cells(starts_at, ends_at, zones, event_zone), [],
            )
            slot_times = (starts_at, ends_at)
            days.setdefault(day, []).append(slot)
        state = ""
        if item.id in current:
            state = slot.state = "current"
        elif next_start is not None and starts_at == next_start:
            state = "next"
            slot.state = slot.state or "next"
        link = row_join_link(event, item)
        join = None
        if link is not None and item.status != SessionStatus.CANCELLED:
            join = public_join_view(
                session_id=item.id, slug=event.slug, title="", event_zone=event_zone,
                starts_at=starts_at, ends_at=ends_at, visibility=link[0], reveal_minutes=link[1],
                recording_url=item.recording_url, slides_url=item.slides_url,
                recording_visibility=item.recording_visibility, now=now, times_label=times_label,
            )
        kind = item.kind
        meta = metas.get((kind, room, spoken))
        if meta is None:
            meta = labels.get(kind, kind.value)
            if room:
                meta = f"{meta} · {room}"
            meta = metas[kind, room, spoken] = f"{meta} · {labels.get(spoken, spoken)}"
        is_cancelled = item.status == SessionStatus.CANCELLED
        css = css_classes.get((is_cancelled, state, kind))
        if css is None:
            css = "session"
            if is_cancelled:
                css += " is-cancelled"
            if state:
                css += " is-" + state
            if kind == SessionKind.BREAK:
                css += " is-break"
            css_classes[is_cancelled, state, kind] = css
        title, title_language = translation_with_language(item.title_i18n, language, main)
        # Positional: AgendaRow's field order (keywords cost a third of the row's making).
        slot.rows.append(AgendaRow(
            item.id, title, title_language, kind, room, spoken, item.has_interpretation,
            ", ".join(speaker_names.get(item.id, ())), item.is_virtual,
            join is not None and join.href is not None, is_cancelled, join, state, meta, css,
        ))
        shown += 1
    return Agenda(
        days=[AgendaDay(day, slots) for day, slots in days.items()],
        zones=zones,
        all_days=sorted(set(local_days.values())),
        rooms=sorted(rooms, key=str.casefold),
        languages=[code for code in ("de", "en", "zh") if code in languages]
        + sorted(languages - {"de", "en", "zh"}),
        topics=sorted(topics),
        total=len(page.sessions),
        shown=shown,
        is_running=is_running,
    )


@lru_cache(maxsize=4096)
def _local_day(moment: datetime, event_zone: str) -> str:
    """The ISO day of an instant in the event's zone (pure: memoised like _zone_cells)."""
    return utc_to_local(moment, event_zone).date().isoformat()


@lru_cache(maxsize=4096)
def _zones_text(moment: datetime, event_zone: str, locale: str) -> str:  # noqa: ARG001 - cache key
    return zones_label(moment, event_zone)


@lru_cache(maxsize=4096)
def _zone_cells(
    starts_at: datetime, ends_at: datetime, zones: tuple[str, ...], event_zone: str
) -> tuple[ZoneCell, ...]:
    """A slot's times in each zone (pure: memoised per process, agendas repeat their slots)."""
    cells = []
    event_day = utc_to_local(starts_at, event_zone).date()
    for zone in zones:
        start = zoned(starts_at, zone, event_zone)
        end = utc_to_local(ends_at, zone)
        cells.append(
            ZoneCell(
                zone, f"{start.local:%H:%M}", f"{end:%H:%M}", start.offset, start.day_shift,
                zone == event_zone, (end.date() - event_day).days,
            )
        )
    return tuple(cells)


def get_public_session(session: Session, slug: str, session_id: int) -> EventSession | None:
    """A programme item of a published (or cancelled) event; None for drafts and unknown ids."""
    if not 0 < session_id < 2**31:  # beyond PostgreSQL's integer: no such session
        return None
    return session.scalar(
        select(EventSession)
        .join(Event)
        .where(Event.slug == slug, Event.status != EventStatus.DRAFT, EventSession.id == session_id)
        .options(selectinload(EventSession.speakers), selectinload(EventSession.event))
    )


def get_public_join_url(
    session: Session, slug: str, session_id: int, now: datetime
) -> str | None:
    """The join link of a session when it is public and open; None otherwise."""
    return virtual.get_public_join_url(session, slug, session_id, now)


@dataclass(frozen=True)
class SpeakerCard:
    name: str
    affiliation: str | None
    bio: str
    bio_language: str
    id: int | None = None
    # The speaker's version when there is a photo (it keys the photo's address), else None.
    photo_version: int | None = None


def speaker_card(speaker: SpeakerRow, language: str, limit: int = 280) -> SpeakerCard:
    """A speaker with a short bio (cut at a word boundary) in the reader's language."""
    bio, bio_language = translation_with_language(speaker.bio_i18n, language, speaker.main_language)
    if len(bio) > limit:
        bio = bio[:limit].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
    photo_version = speaker.version if speaker.photo_path else None
    return SpeakerCard(speaker.name, speaker.affiliation, bio, bio_language, speaker.id, photo_version)
