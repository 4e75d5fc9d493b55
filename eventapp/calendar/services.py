"""The one calendar builder: every .ics the app serves or mails comes from build_feed().

A FeedScope says what goes into a calendar; the public routes, the personal feed and the
confirmation mail differ only in their scope. How the registration work (issue #6) uses it::

    scope = FeedScope(
        language=registration.preferred_language,
        name=event.text("title", registration.preferred_language),
        event_ids={event.id},
        session_ids=attended_session_ids,  # None: every session of the event
        cancelled_event_ids={event.id} if registration.status == RegistrationStatus.CANCELLED
        else set(),
        link_visibilities={Visibility.PUBLIC, Visibility.PARTICIPANTS},
        join_token=token,  # participant links become /join/<token>/<session id>
    )
    body = build_feed(db.session, scope)            # the .ics attachment, or, in a route,
    return feed_response(scope, "isa-forum.ics")   # /calendar/<token>.ics (calendar/routes.py:
                                                   # ETag, 304, gzip and the body cache)

Participants-only links are never written raw: they point at the contract's
`/join/<token>/<session id>` route, which checks entitlement and reveal time when clicked,
so a feed stays the same bytes until the data changes. A public link with a reveal time
points at `/events/<slug>/sessions/<id>/join` for the same reason.

UIDs come from database ids and a configured domain only, so renames, moves and
language changes update an item instead of duplicating it. SEQUENCE only grows: a
session's is its own plus its event's (so cancelling an event raises every session's).
"""
from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from icalendar import (
    Calendar,
    Component,
    vCalAddress,
    vDDDTypes,
    vDuration,
    vInt,
    vText,
    vUri,
)
from icalendar import Event as VEvent
from icalendar.parser import Parameters
from icalendar.prop import vCategory
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from eventapp.calendar.timezones import vtimezone
from eventapp.display import date_label, zone_name, zone_times
from eventapp.i18n import html_language
from eventapp.labels import label
from eventapp.models import (
    City,
    Event,
    EventFormat,
    EventSession,
    EventStatus,
    EventTopic,
    SessionStatus,
    Speaker,
    VideoPlatform,
    Visibility,
)
from eventapp.models.base import pick_translation, translation_language
from eventapp.models.events import session_speakers
from eventapp.rules.times import BERLIN, partner_zones, utc_to_local, zoned
from eventapp.video import detect_platform

# Raise when what the builder writes changes: it is part of every ETag and cache key.
FEED_FORMAT = 2
PRODID = "-//ISA Chinesisch-Deutsche Industriestaedteallianz//Events//EN"
REFRESH = timedelta(hours=1)
CACHE_SIZE = 64
DEFAULT_CALENDAR_NAME = _l("ISA events")
# Looked up once per build (lazy strings give the template; the writer fills it in).
MESSAGES = {
    # Translators: SUMMARY of a cancelled calendar item; de "Abgesagt: …", zh "已取消：…".
    "cancelled": _l("Cancelled: %(title)s"),
    "venue": _l("Venue: %(venue)s"),
    "details": _l("Details and agenda: %(url)s"),
    "speakers": _l("Speakers: %(names)s"),
    "room": _l("Room: %(room)s"),
    "language": _l("Language: %(language)s"),
    "interpretation": _l("Interpretation German–Chinese"),
    "join": _l("Join online: %(url)s"),
    # Translators: LABEL of the calendar's CONFERENCE link (RFC 7986), e.g. "Join online (Zoom)".
    "conference": _l("Join online (%(platform)s)"),
    "part_of": _l("Part of: %(event)s"),
    "online": _l("Online"),
}


def _frozen(values: Iterable | None) -> frozenset | None:
    return None if values is None else frozenset(values)


@dataclass(frozen=True)
class FeedScope:
    """What one calendar contains. Hashable: it is the cache key together with the data version.

    event_ids: None for all published events matching the filters.
    session_ids: None for every session of the chosen events; a set for a person's choice.
    cancelled_event_ids: events written as CANCELLED with a raised SEQUENCE (a person who
    cancelled their registration).
    sequence_raises: (event id, n) pairs: that event's items carry a SEQUENCE raised by n more
    (a registration cancelled and taken up again must outrank the CANCELLED version).
    personal_stamps: (event id, moment) pairs: that event's items carry DTSTAMP and
    LAST-MODIFIED no earlier than the moment (the person's own cancellation or return, whose
    SEQUENCE raise is personal too).
    link_visibilities: join links that may appear (public feeds: PUBLIC only).
    join_token: a registration's join token (never its feed token); participant links then
    go through /join/<join token>/<id>.
    revealed_session_ids: None, or the sessions whose participant link is revealed now (a
    personal feed): others carry no join link yet. Part of the key, so a reveal time passing
    changes the ETag.
    since: only events that end at or after this instant (keeps subscriptions small).
    """

    language: str = "de"
    name: str = ""
    event_ids: frozenset[int] | None = None
    topic: str | None = None
    city: str | None = None
    format: str | None = None
    since: datetime | None = None
    session_ids: frozenset[int] | None = None
    cancelled_event_ids: frozenset[int] = field(default_factory=frozenset)
    sequence_raises: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    personal_stamps: frozenset[tuple[int, datetime]] = field(default_factory=frozenset)
    link_visibilities: frozenset[Visibility] = frozenset({Visibility.PUBLIC})
    join_token: str | None = None
    revealed_session_ids: frozenset[int] | None = None
    include_events: bool = True
    include_sessions: bool = True

    def __post_init__(self) -> None:
        # Callers may pass plain sets; store frozensets so that the scope stays hashable.
        object.__setattr__(self, "event_ids", _frozen(self.event_ids))
        object.__setattr__(self, "session_ids", _frozen(self.session_ids))
        object.__setattr__(self, "cancelled_event_ids", frozenset(self.cancelled_event_ids))
        object.__setattr__(self, "sequence_raises", frozenset(self.sequence_raises))
        object.__setattr__(self, "personal_stamps", frozenset(self.personal_stamps))
        object.__setattr__(self, "link_visibilities", frozenset(self.link_visibilities))
        object.__setattr__(self, "revealed_session_ids", _frozen(self.revealed_session_ids))


class FeedVersion(NamedTuple):
    etag: str
    last_modified: datetime


def event_uid(event: Event) -> str:
    """The event's iCalendar UID: its id and the configured domain, nothing that can change."""
    return f"event-{event.id}@{uid_domain()}"


def session_uid(item: EventSession | FeedItem) -> str:
    """A session's iCalendar UID: stable through renames, moves and language changes."""
    return f"session-{item.id}@{uid_domain()}"


def uid_domain() -> str:
    """CALENDAR_UID_DOMAIN if configured, else the host of PUBLIC_URL."""
    config = current_app.config
    return config.get("CALENDAR_UID_DOMAIN") or urlsplit(config["PUBLIC_URL"]).hostname or "localhost"


def public_url(path: str) -> str:
    """An absolute URL on the configured public base (never the request's Host)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def event_page_url(event: Event) -> str:
    return public_url(f"/events/{event.slug}/")


def session_page_url(item: EventSession | FeedItem) -> str:
    return public_url(f"/events/{item.event.slug}/#session-{item.id}")


FORMAT_VALUES = frozenset(member.value for member in EventFormat)


def _filter_shape(scope: FeedScope) -> tuple:
    """Which filters a scope uses; scopes of one shape share one prepared statement."""
    format_state = None
    if scope.format:
        format_state = "valid" if scope.format in FORMAT_VALUES else "invalid"
    return (
        scope.event_ids is not None, bool(scope.topic), bool(scope.city), format_state,
        scope.since is not None,
    )


@lru_cache(maxsize=64)
def _event_conditions(shape: tuple) -> tuple:
    """WHERE conditions with bound parameters (see _event_parameters) for a filter shape."""
    has_ids, has_topic, has_city, format_state, has_since = shape
    conditions = []
    if has_ids:
        conditions.append(Event.id.in_(bindparam("event_ids", expanding=True)))
    if has_topic:
        conditions.append(Event.topic_links.any(EventTopic.topic == bindparam("topic")))
    if has_city:
        conditions.append(Event.host_city.has(City.slug == bindparam("city")))
    if format_state == "invalid":
        conditions.append(Event.id.is_(None))
    elif format_state == "valid":
        conditions.append(Event.format == bindparam("format"))
    if has_since:
        conditions.append(Event.ends_at >= bindparam("since"))
    return tuple(conditions)


def _event_parameters(scope: FeedScope) -> dict:
    parameters: dict = {}
    if scope.event_ids is not None:
        parameters["event_ids"] = sorted(scope.event_ids)
    if scope.topic:
        parameters["topic"] = scope.topic
    if scope.city:
        parameters["city"] = scope.city
    if scope.format in FORMAT_VALUES:
        parameters["format"] = EventFormat(scope.format)
    if scope.since is not None:
        parameters["since"] = scope.since
    return parameters


# Built once: SQL expressions are slow to construct, and the version query runs per request.
# Not Event.version: seat counters raise it on every registration, and feeds say nothing of
# seats, so every subscriber would fetch an unchanged feed again. Content changes go through
# the model listener, which sets updated_at (and the event's SEQUENCE) instead.
_VERSION_COLUMNS = (
    func.count(Event.id),
    func.coalesce(func.sum(Event.sequence), 0),
    func.coalesce(func.sum(Event.id), 0),
    func.max(Event.updated_at),
)


@lru_cache(maxsize=64)
def _version_statement(shape: tuple) -> Select:
    return select(*_VERSION_COLUMNS).where(*_event_conditions(shape))


def feed_version(session: Session, scope: FeedScope) -> FeedVersion:
    """ETag and Last-Modified of a scope from the events' content stamps: one query, no building.

    Drafts count too: publishing or withdrawing an event changes its stamp, so the
    ETag changes, and Last-Modified never goes back when an event leaves the feed.
    """
    count, sequence_sum, id_sum, updated_at = session.execute(
        _version_statement(_filter_shape(scope)), _event_parameters(scope)
    ).one()
    return _version(scope, count, int(sequence_sum), int(id_sum), _as_utc(updated_at))


def _version(
    scope: FeedScope, count: int, sequence_sum: int, id_sum: int, updated_at: datetime | None
) -> FeedVersion:
    floor = scope.since or datetime(2016, 4, 1, tzinfo=UTC)
    last_modified = max(updated_at or floor, floor).replace(microsecond=0)
    config = current_app.config
    key = repr(
        (FEED_FORMAT, _scope_key(scope), config["PUBLIC_URL"], uid_domain(),
         config["ORGANIZER_NAME"], config["ORGANIZER_EMAIL"], count, sequence_sum, id_sum, updated_at)
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return FeedVersion(f'"{digest}"', last_modified)


def _as_utc(value: datetime | str | None) -> datetime | None:
    """max() over a date column: SQLite hands back text, PostgreSQL an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _scope_key(scope: FeedScope) -> tuple:
    return (
        scope.language,
        scope.name,
        tuple(sorted(scope.event_ids)) if scope.event_ids is not None else None,
        scope.topic,
        scope.city,
        scope.format,
        scope.since.isoformat() if scope.since else None,
        tuple(sorted(scope.session_ids)) if scope.session_ids is not None else None,
        tuple(sorted(scope.cancelled_event_ids)),
        tuple(sorted(scope.sequence_raises)),
        tuple(sorted((event_id, moment.isoformat()) for event_id, moment in scope.personal_stamps)),
        tuple(sorted(scope.link_visibilities)),
        scope.join_token,
        tuple(sorted(scope.revealed_session_ids)) if scope.revealed_session_ids is not None else None,
        scope.include_events,
        scope.include_sessions,
    )


class FeedTarget(NamedTuple):
    """The event (or session) a single-event feed is about, with its content stamp (the
    event's SEQUENCE and last content change; seat counters leave both alone)."""

    event_id: int
    slug: str
    title: str
    sequence: int
    updated_at: datetime

    def feed_version(self, scope: FeedScope) -> FeedVersion:
        """What feed_version() returns for a scope of this one event, without another query."""
        return _version(scope, 1, self.sequence, self.event_id, self.updated_at)


# Built once: the lookups run on every feed request, including the cheap 304 path.
_EVENT_TARGET = select(
    Event.id, Event.slug, Event.title_i18n, Event.main_language, Event.sequence, Event.updated_at
).where(Event.slug == bindparam("slug"), Event.status != EventStatus.DRAFT)
_SESSION_TARGET = (
    select(
        Event.id, Event.slug, EventSession.title_i18n, Event.main_language,
        Event.sequence, Event.updated_at,
    )
    .join(EventSession, EventSession.event_id == Event.id)
    .where(
        Event.slug == bindparam("slug"),
        EventSession.id == bindparam("session_id"),
        Event.status != EventStatus.DRAFT,
    )
)


def get_feed_target(
    session: Session, slug: str, language: str, session_id: int | None = None
) -> FeedTarget | None:
    """The published (or cancelled) event of a slug, or one of its sessions; None for drafts."""
    if session_id is None:
        row = session.execute(_EVENT_TARGET, {"slug": slug}).first()
    elif not 0 < session_id < 2**31:  # beyond PostgreSQL's integer: no such session
        return None
    else:
        row = session.execute(_SESSION_TARGET, {"slug": slug, "session_id": session_id}).first()
    if row is None:
        return None
    event_id, event_slug, titles, main_language, sequence, updated_at = row
    title = pick_translation(titles, language, main_language)
    return FeedTarget(event_id, event_slug, title, sequence, updated_at)


def list_feed_events(session: Session, scope: FeedScope) -> list[Event]:
    """Published and cancelled events of a scope (never drafts), soonest first."""
    query = (
        select(Event)
        .where(Event.status != EventStatus.DRAFT, *_event_conditions(_filter_shape(scope)))
        .options(selectinload(Event.topic_links))
        .order_by(Event.starts_at, Event.id)
    )
    return list(session.scalars(query, _event_parameters(scope)))


@dataclass(frozen=True, slots=True)
class FeedItem:
    """A session as a feed needs it. Read as plain rows rather than ORM objects: a feed
    only reads, and skipping identity and change tracking loads 300 sessions ~2.5x faster."""

    event: Event
    id: int
    title_i18n: dict
    description_i18n: dict
    status: SessionStatus
    starts_at: datetime
    ends_at: datetime
    room: str | None
    spoken_language: str
    has_interpretation: bool
    topics: list
    is_virtual: bool
    join_url: str | None
    join_visibility: Visibility
    join_reveal_minutes: int | None
    sequence: int
    created_at: datetime
    updated_at: datetime
    speakers: tuple[str, ...]

    def text(self, field: str, language: str) -> str:
        return pick_translation(getattr(self, f"{field}_i18n"), language, self.event.main_language)

    def text_language(self, field: str, language: str) -> str:
        values = getattr(self, f"{field}_i18n")
        return translation_language(values, language, self.event.main_language)


# event_id, then FeedItem's row fields in declaration order (between `event` and `speakers`).
_ITEM_FIELDS = [name for name in FeedItem.__dataclass_fields__ if name not in ("event", "speakers")]
_ITEM_COLUMNS = [EventSession.__table__.c.event_id] + [EventSession.__table__.c[name] for name in _ITEM_FIELDS]


def list_feed_sessions(session: Session, scope: FeedScope, events: list[Event]) -> list[FeedItem]:
    """The sessions of those events in the scope, with speakers, in programme order."""
    if not scope.include_sessions or not events:
        return []
    conditions = [EventSession.event_id.in_([event.id for event in events])]
    if scope.session_ids is not None:
        conditions.append(EventSession.id.in_(sorted(scope.session_ids)))
    rows = session.execute(
        select(*_ITEM_COLUMNS)
        .where(*conditions)
        .order_by(EventSession.starts_at, EventSession.room, EventSession.id)
    ).all()
    speakers: dict[int, list[str]] = {}
    for session_id, name, affiliation in session.execute(
        select(session_speakers.c.session_id, Speaker.name, Speaker.affiliation)
        .join(Speaker, Speaker.id == session_speakers.c.speaker_id)
        .join(EventSession, EventSession.id == session_speakers.c.session_id)
        .where(*conditions)
        .order_by(Speaker.name, Speaker.id)
    ):
        speakers.setdefault(session_id, []).append(f"{name} ({affiliation})" if affiliation else name)
    by_id = {event.id: event for event in events}
    return [
        FeedItem(by_id[event_id], *values, tuple(speakers.get(values[0], ())))
        for event_id, *values in rows
    ]


def build_feed(session: Session, scope: FeedScope) -> bytes:
    """Serialise the scope's events and sessions as one iCalendar (RFC 5545) body.

    Uses a fixed number of queries whatever the number of sessions; drafts never appear;
    cancelled items stay with STATUS:CANCELLED.
    """
    events = list_feed_events(session, scope)
    items = list_feed_sessions(session, scope, events)
    with force_locale(scope.language):
        writer = _FeedWriter(scope)
        calendar = writer.calendar(events, items)
    return serialise(calendar)


def serialise(component: Component) -> bytes:
    """RFC 5545 text of a component: icalendar encodes every value and parameter; we only
    join the content lines with CRLF and fold them, much faster than icalendar's folding.
    Values and parameters that many items share (one object) are encoded once."""
    lines: list[bytes] = []
    _write(component, lines, {}, {})
    return b"\r\n".join(lines) + b"\r\n"


def _write(
    component: Component, lines: list[bytes], values: dict[tuple, bytes], params: dict[int, bytes]
) -> None:
    lines.append(b"BEGIN:" + component.name.encode())
    for name, value in component.items():
        for single in value if isinstance(value, list) else (value,):
            key = (name, id(single))
            line = values.get(key)
            if line is None:
                text = single.to_ical()
                if isinstance(text, str):
                    text = text.encode()
                parameters = single.params
                if parameters:
                    if id(parameters) not in params:
                        params[id(parameters)] = parameters.to_ical(sorted=False)
                    line = b"".join((name.encode(), b";", params[id(parameters)], b":", text))
                else:
                    line = b"".join((name.encode(), b":", text))
                line = values[key] = fold_line(line)
            lines.append(line)
    for child in component.subcomponents:
        _write(child, lines, values, params)
    lines.append(b"END:" + component.name.encode())


def fold_line(line: bytes, limit: int = 75) -> bytes:
    """Fold a content line into lines of at most 75 octets, never inside a UTF-8 character."""
    if len(line) <= limit:
        return line
    parts = []
    start = 0
    room = limit
    while len(line) - start > room:
        end = start + room
        while line[end] & 0xC0 == 0x80:  # a continuation byte: step back to the character start
            end -= 1
        parts.append(line[start:end])
        start = end
        room = limit - 1  # continuation lines begin with a space
    parts.append(line[start:])
    return b"\r\n ".join(parts)


class _FeedWriter:
    """Turns loaded rows into components. One per build: it looks each translated message,
    label and date up once, which keeps a 300-session build fast."""

    def __init__(self, scope: FeedScope) -> None:
        self.scope = scope
        self.language_tag = html_language(scope.language)
        config = current_app.config
        self.organizer = vCalAddress(f"mailto:{config['ORGANIZER_EMAIL']}")
        self.organizer.params["CN"] = config["ORGANIZER_NAME"]
        self.messages = {key: str(message) for key, message in MESSAGES.items()}
        self._dates: dict[tuple, str] = {}
        self._labels: dict[str, str] = {}
        self._times: dict[tuple, str] = {}
        self._moments: dict[tuple, vDDDTypes] = {}
        self._parameters: dict[str, Parameters] = {}
        self._categories: dict[tuple, vCategory] = {}
        self.domain = uid_domain()
        self.base = config["PUBLIC_URL"].rstrip("/")
        # Values many items share are built once; serialise() then writes each only once.
        self.status = {flag: vText("CANCELLED" if flag else "CONFIRMED") for flag in (False, True)}
        self.transparency = {flag: vText("TRANSPARENT" if flag else "OPAQUE") for flag in (False, True)}

    def calendar(self, events: list[Event], items: list[FeedItem]) -> Calendar:
        scope = self.scope
        calendar = Calendar()
        calendar["PRODID"] = vText(PRODID)
        calendar["VERSION"] = vText("2.0")
        calendar["CALSCALE"] = vText("GREGORIAN")
        calendar["METHOD"] = vText("PUBLISH")
        name = scope.name or str(DEFAULT_CALENDAR_NAME)
        calendar["NAME"] = self._language_text(name, self.language_tag)
        calendar["X-WR-CALNAME"] = vText(name)
        refresh = vDuration(REFRESH)
        refresh.params["VALUE"] = "DURATION"
        calendar["REFRESH-INTERVAL"] = refresh
        calendar["X-PUBLISHED-TTL"] = vDuration(REFRESH)
        # RFC 5545 wants at least one component: a feed whose filter matches nothing still
        # carries the alliance's home zone, which calendar clients read and otherwise ignore.
        for zone in sorted({event.timezone for event in events} or {BERLIN}):
            calendar.add_component(vtimezone(zone))
        if scope.include_events:
            for event in events:
                calendar.add_component(self.event_component(event))
        for item in items:
            calendar.add_component(self.session_component(item))
        return calendar

    def extra_sequence(self, event_id: int) -> int:
        """What a personal feed adds to an event's SEQUENCE (cancelled, taken up again)."""
        raised = sum(n for raised_id, n in self.scope.sequence_raises if raised_id == event_id)
        return raised + (1 if event_id in self.scope.cancelled_event_ids else 0)

    def stamp_floor(self, event_id: int) -> datetime | None:
        """The latest personal change of the person's registration for this event, if any."""
        moments = [moment for stamped_id, moment in self.scope.personal_stamps if stamped_id == event_id]
        return max(moments) if moments else None

    def is_cancelled(self, event: Event) -> bool:
        return event.status == EventStatus.CANCELLED or event.id in self.scope.cancelled_event_ids

    def _language_text(self, value: str, language_tag: str) -> vText:
        text = vText(value)
        if language_tag not in self._parameters:
            self._parameters[language_tag] = Parameters(LANGUAGE=language_tag)
        text.params = self._parameters[language_tag]
        return text

    def _moment(self, moment: datetime, zone: str | None) -> vDDDTypes:
        """DTSTART/DTEND in the event zone (zone given) or a UTC stamp, shared between items."""
        key = (moment, zone)
        if key not in self._moments:
            self._moments[key] = vDDDTypes(utc_to_local(moment, zone) if zone else moment)
        return self._moments[key]

    def _label(self, value: str) -> str:
        if value not in self._labels:
            self._labels[value] = label(value)
        return self._labels[value]

    def _date(self, moment: datetime, zone: str) -> str:
        key = (utc_to_local(moment, zone).date(), zone)
        if key not in self._dates:
            self._dates[key] = date_label(moment, zone, "medium")
        return self._dates[key]

    def _common(
        self,
        component: VEvent,
        *,
        uid: str,
        sequence: int,
        is_cancelled: bool,
        title: str,
        title_language: str,
        starts_at: datetime,
        ends_at: datetime,
        zone: str,
        created_at: datetime,
        updated_at: datetime,
        stamp_floor: datetime | None = None,
    ) -> None:
        summary = self.messages["cancelled"] % {"title": title} if is_cancelled else title
        stamp = self._moment(max(updated_at, stamp_floor) if stamp_floor else updated_at, None)
        component["UID"] = vText(uid)
        component["DTSTAMP"] = stamp
        component["CREATED"] = self._moment(created_at, None)
        component["LAST-MODIFIED"] = stamp
        component["SEQUENCE"] = vInt(sequence)
        component["DTSTART"] = self._moment(starts_at, zone)
        component["DTEND"] = self._moment(ends_at, zone)
        component["SUMMARY"] = self._language_text(summary, html_language(title_language))
        component["STATUS"] = self.status[is_cancelled]
        component["TRANSP"] = self.transparency[is_cancelled]
        component["ORGANIZER"] = self.organizer

    def _finish(
        self, component: VEvent, description: list[str], location: str, url: str, topics: Iterable[str]
    ) -> None:
        component["DESCRIPTION"] = self._language_text(
            "\n\n".join(part for part in description if part), self.language_tag
        )
        if location:
            component["LOCATION"] = self._language_text(location, self.language_tag)
        component["URL"] = vUri(url)
        codes = tuple(topics)
        if codes:
            if codes not in self._categories:
                categories = vCategory([self._label(code) for code in codes])
                categories.params["LANGUAGE"] = self.language_tag
                self._categories[codes] = categories
            component["CATEGORIES"] = self._categories[codes]

    def event_component(self, event: Event) -> VEvent:
        language = self.scope.language
        messages = self.messages
        component = VEvent()
        self._common(
            component,
            uid=f"event-{event.id}@{self.domain}",
            sequence=event.sequence + self.extra_sequence(event.id),
            is_cancelled=self.is_cancelled(event),
            title=event.text("title", language),
            title_language=event.text_language("title", language),
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            zone=event.timezone,
            created_at=event.created_at,
            updated_at=event.updated_at,
            stamp_floor=self.stamp_floor(event.id),
        )
        page = f"{self.base}/events/{event.slug}/"
        description = [event.text("summary", language), self.event_times(event)]
        if event.venue_name or event.venue_address:
            venue = _join(event.venue_name, event.venue_address)
            description.append(messages["venue"] % {"venue": venue})
        description.append(messages["details"] % {"url": page})
        location = event_location(event, messages["online"])
        self._finish(component, description, location, page, event.topics)
        return component

    def session_component(self, item: FeedItem) -> VEvent:
        language = self.scope.language
        messages = self.messages
        event = item.event
        cancelled = item.status == SessionStatus.CANCELLED or self.is_cancelled(event)
        extra = self.extra_sequence(event.id)
        component = VEvent()
        self._common(
            component,
            uid=f"session-{item.id}@{self.domain}",
            sequence=item.sequence + event.sequence + extra,
            is_cancelled=cancelled,
            title=item.text("title", language),
            title_language=item.text_language("title", language),
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            zone=event.timezone,
            created_at=item.created_at,
            updated_at=item.updated_at,
            stamp_floor=self.stamp_floor(event.id),
        )
        join_url = None if cancelled else self.join_url(item)
        page = f"{self.base}/events/{event.slug}/#session-{item.id}"
        description = [item.text("description", language), self.session_times(item)]
        if item.speakers:
            description.append(messages["speakers"] % {"names": ", ".join(item.speakers)})
        if item.room:
            description.append(messages["room"] % {"room": item.room})
        spoken = messages["language"] % {"language": self._label(item.spoken_language)}
        if item.has_interpretation:
            spoken += "\n" + messages["interpretation"]
        description.append(spoken)
        if join_url:
            description.append(messages["join"] % {"url": join_url})
        description.append(
            messages["part_of"] % {"event": event.text("title", language)}
            + "\n"
            + messages["details"] % {"url": page}
        )
        location = session_location(item, messages["online"])
        self._finish(component, description, location, join_url or page, item.topics or event.topics)
        if join_url and self.scope.revealed_session_ids is not None:
            conference = vUri(join_url)
            conference.params["VALUE"] = "URI"
            conference.params["FEATURE"] = "VIDEO"
            conference.params["LABEL"] = messages["conference"] % {
                "platform": label(self.platform(item))
            }
            component["CONFERENCE"] = conference
        return component

    @staticmethod
    def _link(item: FeedItem) -> tuple[str | None, Visibility, int | None]:
        """The session's own link, else its event's default for a virtual session."""
        if item.join_url:
            return item.join_url, item.join_visibility, item.join_reveal_minutes
        event = item.event
        if item.is_virtual and event.default_join_url:
            return event.default_join_url, event.default_join_visibility, event.default_join_reveal_minutes
        return None, item.join_visibility, None

    def platform(self, item: FeedItem) -> VideoPlatform:
        url, _visibility, _reveal = self._link(item)
        return detect_platform(url or "")

    def join_url(self, item: FeedItem) -> str | None:
        """The link a feed may show: public ones raw, others through our checking routes."""
        url, visibility, reveal_minutes = self._link(item)
        if not url or visibility not in self.scope.link_visibilities:
            return None
        revealed = self.scope.revealed_session_ids
        if revealed is not None and item.id not in revealed:
            return None
        if visibility == Visibility.PUBLIC:
            if reveal_minutes is None and revealed is None:
                return url
            return f"{self.base}/events/{item.event.slug}/sessions/{item.id}/join"
        if visibility == Visibility.PARTICIPANTS and self.scope.join_token:
            return f"{self.base}/join/{self.scope.join_token}/{item.id}"
        return None

    def session_times(self, item: FeedItem) -> str:
        """One line per zone (event zone first): date, clock times, zone name and offset."""
        key = (item.starts_at, item.ends_at, item.event.timezone)
        if key not in self._times:
            rows = zone_times(item.starts_at, item.ends_at, item.event.timezone)
            self._times[key] = "\n".join(
                f"{self._date(item.starts_at, row['zone'])} {row['start']}–{row['end']} "
                f"{row['zone_name']} ({row['offset']})"
                for row in rows
            )
        return self._times[key]

    def event_times(self, event: Event) -> str:
        """Start and end of the whole event in its zone and the partner zone."""
        lines = []
        for zone in partner_zones(event.timezone):
            start, end = zoned(event.starts_at, zone), zoned(event.ends_at, zone)
            start_day, end_day = self._date(event.starts_at, zone), self._date(event.ends_at, zone)
            name = zone_name(zone)
            if start_day == end_day:
                lines.append(
                    f"{start_day} {start.local:%H:%M}–{end.local:%H:%M} {name} ({start.offset})"
                )
            else:
                lines.append(
                    f"{start_day} {start.local:%H:%M} – {end_day} {end.local:%H:%M} "
                    f"{name} ({start.offset})"
                )
        return "\n".join(lines)


def event_location(event: Event, online: str | None = None) -> str:
    """LOCATION of an event: "Online" for virtual ones, else venue and address."""
    if event.format == EventFormat.VIRTUAL:
        return online or str(MESSAGES["online"])
    return _join(event.venue_name, event.venue_address)


def session_location(item: EventSession | FeedItem, online: str | None = None) -> str:
    """LOCATION of a session: "Online" when it has no room to go to, else room and venue."""
    event = item.event
    if event.format == EventFormat.VIRTUAL or (item.is_virtual and not item.room):
        return online or str(MESSAGES["online"])
    return _join(item.room, event.venue_name, event.venue_address)


def _join(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)


class FeedCache:
    """A small in-process LRU of serialised bodies per (scope, data version)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, dict[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> dict[str, bytes] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: dict[str, bytes]) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def feed_cache() -> FeedCache:
    """The app's feed cache (one per app, so tests with other configs never share bodies)."""
    return current_app.extensions.setdefault("calendar_feed_cache", FeedCache())


def get_feed_body(session: Session, scope: FeedScope, version: FeedVersion, *, compressed: bool) -> bytes:
    """The serialised (optionally gzip-compressed) feed, built once per scope and version."""
    cache = feed_cache()
    key = (scope, version.etag)
    entry = cache.get(key)
    if entry is None:
        entry = {"identity": build_feed(session, scope)}
        cache.put(key, entry)
    if not compressed:
        return entry["identity"]
    if "gzip" not in entry:
        entry["gzip"] = gzip.compress(entry["identity"], compresslevel=6, mtime=0)
    return entry["gzip"]
