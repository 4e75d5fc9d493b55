"""Virtual sessions: which link a session uses, when it shows and to whom, joins, reminders.

A session's link is its own or, for a virtual session without one, its event's default.
The link opens `reveal_minutes` before the start (None: at once) and closes at the end:
"waiting", "open" and "ended" are the three phases every page and route agrees on.
Links are never written raw into pages for participants: buttons point at our checking
routes (/join/<join token>/<id>, /events/<slug>/sessions/<id>/join), which redirect
only to the stored URL.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from eventapp import audit
from eventapp.display import time_label
from eventapp.labels import label
from eventapp.models import (
    Event,
    EventSession,
    EventStatus,
    Registration,
    RegistrationStatus,
    SessionAttendance,
    SessionStatus,
    User,
    VideoPlatform,
    Visibility,
)
from eventapp.models.base import utcnow
from eventapp.rules import validation
from eventapp.rules.errors import RuleError
from eventapp.rules.times import partner_zones
from eventapp.video import detect_platform

WAITING, OPEN, ENDED = "waiting", "open", "ended"
CHANNEL_LANGUAGES = ("de", "en", "zh")


# --- the link a session uses ---------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    language: str
    label: str
    url: str


@dataclass(frozen=True)
class JoinLink:
    url: str
    platform: VideoPlatform
    visibility: Visibility
    reveal_minutes: int | None
    meeting_id: str | None = None
    passcode: str | None = None
    dial_in: str | None = None
    channels: tuple[Channel, ...] = ()
    is_default: bool = False


def _channels(values: list | None) -> tuple[Channel, ...]:
    return tuple(
        Channel(str(value.get("language", "")), str(value.get("label", "")), str(value.get("url", "")))
        for value in values or ()
        if isinstance(value, dict) and str(value.get("url", "")).startswith("https://")
    )


def join_link_for(item: EventSession) -> JoinLink | None:
    """The session's own link, else its event's default for a virtual session; None without."""
    if item.join_url:
        return JoinLink(
            url=item.join_url,
            platform=item.join_platform or detect_platform(item.join_url),
            visibility=item.join_visibility,
            reveal_minutes=item.join_reveal_minutes,
            meeting_id=item.join_meeting_id,
            passcode=item.join_passcode,
            dial_in=item.join_dial_in,
            channels=_channels(item.join_channels),
        )
    event = item.event
    if item.is_virtual and event.default_join_url:
        return JoinLink(
            url=event.default_join_url,
            platform=event.default_join_platform or detect_platform(event.default_join_url),
            visibility=event.default_join_visibility,
            reveal_minutes=event.default_join_reveal_minutes,
            meeting_id=event.default_join_meeting_id,
            passcode=event.default_join_passcode,
            dial_in=event.default_join_dial_in,
            channels=_channels(item.join_channels),
            is_default=True,
        )
    return None


@functools.lru_cache(maxsize=4096)
def opens_at_for(starts_at: datetime, reveal_minutes: int | None) -> datetime | None:
    """When a link becomes visible; None: as soon as it is set.

    Pure, and memoised per process: an agenda asks it for each virtual session on every
    render, and parallel sessions share their start (the subtraction and its timedelta
    cost five times the look-up)."""
    return None if reveal_minutes is None else starts_at - timedelta(minutes=reveal_minutes)


def join_phase(starts_at: datetime, ends_at: datetime, reveal_minutes: int | None, now: datetime) -> str:
    return _phase(opens_at_for(starts_at, reveal_minutes), ends_at, now)


def _phase(opens_at: datetime | None, ends_at: datetime, now: datetime) -> str:
    if now >= ends_at:
        return ENDED
    if opens_at is not None and now < opens_at:
        return WAITING
    return OPEN


def join_instants(starts_at: datetime, ends_at: datetime, reveal_minutes: int | None) -> tuple[datetime, ...]:
    """The instants at which a session's join state changes (for cache keys and ETags)."""
    opens_at = opens_at_for(starts_at, reveal_minutes)
    return (ends_at,) if opens_at is None else (opens_at, ends_at)


def zones_label(moment: datetime, event_zone: str) -> str:
    """"08:45 Berlin (UTC+1) / 15:45 Beijing (UTC+8)": the event zone, then the partner zone."""
    return " / ".join(time_label(moment, zone) for zone in partner_zones(event_zone))


# --- what a page shows -------------------------------------------------------------------------


class JoinView(NamedTuple):
    """A session's join button as one reader sees it; holds no secret unless `details` is set.

    A named tuple, immutable like a frozen dataclass and made four times faster: an agenda
    makes one for each of its virtual sessions on every render."""

    session_id: int
    title: str
    phase: str
    visibility: Visibility
    starts_at: datetime
    ends_at: datetime
    opens_at: datetime | None
    opens_label: str
    times_label: str
    href: str | None = None  # our checking route, only while open and only for the entitled
    is_entitled: bool = False
    details: JoinLink | None = None  # meeting id, passcode, dial-in, channels: entitled, open
    recording_url: str | None = None
    slides_url: str | None = None
    channel_hrefs: tuple[tuple[Channel, str], ...] = ()


def _recording_visible(visibility: Visibility, is_participant: bool) -> bool:
    return visibility == Visibility.PUBLIC or (visibility == Visibility.PARTICIPANTS and is_participant)


def public_join_view(
    *,
    session_id: int,
    slug: str,
    title: str,
    event_zone: str,
    starts_at: datetime,
    ends_at: datetime,
    visibility: Visibility,
    reveal_minutes: int | None,
    recording_url: str | None,
    slides_url: str | None,
    recording_visibility: Visibility,
    now: datetime,
    times_label: Callable[[datetime], str] | None = None,
) -> JoinView | None:
    """What anybody may see: public links through the public route, others only as times.

    `times_label(moment)` may replace zones_label(moment, event_zone): an agenda passes
    one that labels each of its slot times once.
    """
    if visibility == Visibility.ORGANISERS:
        return None
    if times_label is None:
        times_label = functools.partial(zones_label, event_zone=event_zone)
    opens_at = opens_at_for(starts_at, reveal_minutes)
    phase = _phase(opens_at, ends_at, now)
    is_public = visibility == Visibility.PUBLIC
    shows_recording = phase == ENDED and recording_visibility == Visibility.PUBLIC
    # Positional, in JoinView's field order (keywords cost half the view's making).
    return JoinView(
        session_id,
        title,
        phase,
        visibility,
        starts_at,
        ends_at,
        opens_at,
        times_label(opens_at) if opens_at else "",
        times_label(starts_at),
        f"/events/{slug}/sessions/{session_id}/join" if is_public and phase == OPEN else None,
        is_public,
        None,
        recording_url if shows_recording else None,
        slides_url if shows_recording else None,
    )


def public_view_of(item: EventSession, language: str, now: datetime) -> JoinView | None:
    """The public join view of a mapped session (session page, archive)."""
    link = join_link_for(item)
    if link is None or item.is_cancelled:
        return None
    return public_join_view(
        session_id=item.id, slug=item.event.slug, title=item.text("title", language),
        event_zone=item.event.timezone, starts_at=item.starts_at, ends_at=item.ends_at,
        visibility=link.visibility, reveal_minutes=link.reveal_minutes,
        recording_url=item.recording_url, slides_url=item.slides_url,
        recording_visibility=item.recording_visibility, now=now,
    )


def is_entitled(registration: Registration, item: EventSession) -> bool:
    """Whether a registration may join a session: confirmed, same event, a place if limited."""
    if registration.status != RegistrationStatus.CONFIRMED or item.event_id != registration.event_id:
        return False
    if item.capacity is None:
        return True
    return any(
        choice.session_id == item.id and choice.status == RegistrationStatus.CONFIRMED
        for choice in registration.session_choices
    )


def participant_join_views(
    registration: Registration, join_token: str, language: str, now: datetime
) -> list[JoinView]:
    """The join buttons of a participant's own page: every virtual session of their event."""
    views = []
    for item in registration.event.sessions:
        link = join_link_for(item)
        if link is None or item.is_cancelled or link.visibility == Visibility.ORGANISERS:
            continue
        entitled = link.visibility == Visibility.PUBLIC or is_entitled(registration, item)
        phase = join_phase(item.starts_at, item.ends_at, link.reveal_minutes, now)
        opens_at = opens_at_for(item.starts_at, link.reveal_minutes)
        is_open = entitled and phase == OPEN
        base = f"/join/{join_token}/{item.id}"
        shows_recording = phase == ENDED and _recording_visible(
            item.recording_visibility, registration.status == RegistrationStatus.CONFIRMED
        )
        views.append(
            JoinView(
                session_id=item.id,
                title=item.text("title", language),
                phase=phase,
                visibility=link.visibility,
                starts_at=item.starts_at,
                ends_at=item.ends_at,
                opens_at=opens_at,
                opens_label=zones_label(opens_at, item.event.timezone) if opens_at else "",
                times_label=zones_label(item.starts_at, item.event.timezone),
                href=base if is_open else None,
                is_entitled=entitled,
                details=link if is_open else None,
                recording_url=item.recording_url if shows_recording else None,
                slides_url=item.slides_url if shows_recording else None,
                channel_hrefs=tuple((channel, f"{base}/{channel.language}") for channel in link.channels)
                if is_open else (),
            )
        )
    return views


def revealed_session_ids(registration: Registration, now: datetime) -> frozenset[int]:
    """Sessions whose participant link is revealed and not over: what a personal feed shows."""
    return frozenset(
        item.id
        for item in registration.event.sessions
        if (link := join_link_for(item)) is not None
        and not item.is_cancelled
        and link.visibility != Visibility.ORGANISERS
        and join_phase(item.starts_at, item.ends_at, link.reveal_minutes, now) == OPEN
    )


# --- join tokens ---------------------------------------------------------------------------


def join_token_for(registration: Registration, key: str | None = None) -> str:
    """The participant's join secret: grants joining only; dies with a renewed manage link."""
    secret = (key or current_app.config["SECRET_KEY"]).encode()
    message = f"join:{registration.id}:{registration.token_hash}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return f"{registration.id}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def _join_token_matches(registration: Registration, token: str) -> bool:
    """Tokens made with SECRET_KEY or one of SECRET_KEY_FALLBACKS: a key rotation breaks no
    join link in a mail already sent."""
    config = current_app.config
    keys = (config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or ()))
    return any(hmac.compare_digest(join_token_for(registration, key), token) for key in keys)


def get_registration_by_join_token(session: Session, token: str) -> Registration | None:
    """The registration a join token belongs to; None for feed tokens and anything forged."""
    number_text, dot, _mac = token.partition(".")
    number = validation.parse_number(number_text)  # ASCII digits only: "²".isdigit() is true
    if not dot or number is None or len(token) > 100:
        return None
    registration = session.scalar(
        select(Registration)
        .where(Registration.id == number, Registration.purged_at.is_(None))
        .options(
            selectinload(Registration.event).selectinload(Event.sessions),
            selectinload(Registration.session_choices),
        )
    )
    if registration is None or not _join_token_matches(registration, token):
        return None
    return registration


# --- joining -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinDecision:
    """Where a join click leads: `url` when open; otherwise why not (`reason`) and when."""

    url: str | None
    reason: str = ""  # "waiting", "ended", "not_confirmed"
    item: EventSession | None = None
    opens_at: datetime | None = None


def _event_session(registration: Registration, session_id: int) -> EventSession | None:
    return next((item for item in registration.event.sessions if item.id == session_id), None)


def decide_join(
    session: Session,
    registration: Registration,
    session_id: int,
    now: datetime | None = None,
    channel: str | None = None,
) -> JoinDecision | None:
    """Where a participant's join link leads; None for unknown, cancelled or organisers-only.

    Refuses people who are not confirmed (and limited sessions without a place) with the
    reason "not_confirmed", clicks before the reveal time ("waiting") and after the end
    ("ended"). An open click records the first and latest join of the participant.
    """
    now = now or utcnow()
    item = _event_session(registration, session_id)
    link = join_link_for(item) if item is not None else None
    if item is None or link is None or item.is_cancelled or link.visibility == Visibility.ORGANISERS:
        return None
    url = link.url
    if channel is not None:
        match = next((entry for entry in link.channels if entry.language == channel), None)
        if match is None:
            return None
        url = match.url
    if link.visibility != Visibility.PUBLIC and not is_entitled(registration, item):
        return JoinDecision(None, "not_confirmed", item)
    phase = join_phase(item.starts_at, item.ends_at, link.reveal_minutes, now)
    if phase != OPEN:
        return JoinDecision(None, phase, item, opens_at_for(item.starts_at, link.reveal_minutes))
    record_join(session, registration, item, now)
    return JoinDecision(url, "", item)


def record_join(session: Session, registration: Registration, item: EventSession, now: datetime) -> None:
    """Count a join: the first one creates the row, later ones raise the count and the latest."""
    if registration.joined_online_at is None:
        registration.joined_online_at = now
    bumped = session.execute(
        update(SessionAttendance)
        .where(SessionAttendance.registration_id == registration.id,
               SessionAttendance.session_id == item.id)
        .values(last_joined_at=now, join_count=SessionAttendance.join_count + 1),
        execution_options={"synchronize_session": False},
    ).rowcount
    if bumped:
        session.flush()
        return
    try:
        with session.begin_nested():
            session.add(SessionAttendance(registration_id=registration.id, session_id=item.id,
                                          first_joined_at=now, last_joined_at=now, join_count=1))
    except IntegrityError:  # a simultaneous first click won the insert
        session.execute(
            update(SessionAttendance)
            .where(SessionAttendance.registration_id == registration.id,
                   SessionAttendance.session_id == item.id)
            .values(last_joined_at=now, join_count=SessionAttendance.join_count + 1),
            execution_options={"synchronize_session": False},
        )
    session.flush()


def get_public_join_url(session: Session, slug: str, session_id: int, now: datetime) -> str | None:
    """The link of a public session while it is open; None otherwise (or not public)."""
    if not 0 < session_id < 2**31:
        return None
    item = session.scalar(
        select(EventSession)
        .join(Event)
        .where(Event.slug == slug, Event.status == EventStatus.PUBLISHED, EventSession.id == session_id)
        .options(selectinload(EventSession.event))
    )
    link = join_link_for(item) if item is not None else None
    if item is None or link is None or item.is_cancelled or link.visibility != Visibility.PUBLIC:
        return None
    if join_phase(item.starts_at, item.ends_at, link.reveal_minutes, now) != OPEN:
        return None
    return link.url


# --- organisers: the link page ------------------------------------------------------------------


@dataclass
class VideoData:
    """The link fields an organiser types, for a session or an event's default."""

    url: str | None = None
    visibility: Visibility = Visibility.PARTICIPANTS
    reveal_minutes: int | None = None
    meeting_id: str | None = None
    passcode: str | None = None
    dial_in: str | None = None
    channels: list[dict] = field(default_factory=list)
    recording_url: str | None = None
    slides_url: str | None = None
    recording_visibility: Visibility = Visibility.PARTICIPANTS


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def check_video_data(data: VideoData) -> None:
    """Refuses non-https links, negative reveal times and channels in unknown languages."""
    for name in ("url", "recording_url", "slides_url"):
        value = _clean(getattr(data, name))
        if value:
            validation.check_https_url(value, name)
    if data.reveal_minutes is not None and not 0 <= data.reveal_minutes <= 7 * 24 * 60:
        raise RuleError("reveal_minutes", _l("Enter minutes between 0 and 10080."))
    for channel in data.channels:
        if channel.get("language") not in CHANNEL_LANGUAGES:
            raise RuleError("channels", _l("Choose German, English or Chinese for each channel."))
        validation.check_https_url(channel.get("url", ""), "channels")


# A join link's columns: a session's carry the prefix "join_", an event's default link
# (used by its virtual sessions without one) "default_join_".
_LINK_FIELDS = ("url", "platform", "visibility", "reveal_minutes", "meeting_id", "passcode", "dial_in")


def _link_values(owner: EventSession | Event, prefix: str) -> dict:
    return {prefix + name: getattr(owner, prefix + name) for name in _LINK_FIELDS}


def _set_link(owner: EventSession | Event, prefix: str, data: VideoData) -> str | None:
    """Store the link of `data` in the owner's columns; returns the cleaned URL."""
    url = _clean(data.url)
    values = {
        "url": url,
        "platform": detect_platform(url) if url else None,
        "visibility": data.visibility,
        "reveal_minutes": data.reveal_minutes,
        "meeting_id": _clean(data.meeting_id),
        "passcode": _clean(data.passcode),
        "dial_in": _clean(data.dial_in),
    }
    for name in _LINK_FIELDS:
        setattr(owner, prefix + name, values[name])
    return url


def _session_video_values(item: EventSession) -> dict:
    return {
        **_link_values(item, "join_"),
        "join_channels": list(item.join_channels or []),
        "recording_url": item.recording_url, "slides_url": item.slides_url,
        "recording_visibility": item.recording_visibility,
    }


def _secret_free(changes: dict) -> dict:
    """The audit log says that a passcode changed, never what it is."""
    return {key: (["…", "…"] if "passcode" in key else value) for key, value in changes.items()}


def update_session_video(session: Session, actor: User | None, item: EventSession, data: VideoData) -> EventSession:
    """Set a session's link, channels, recording and slides at once (no agenda release);
    refuses what check_video_data refuses."""
    check_video_data(data)
    before = _session_video_values(item)
    url = _set_link(item, "join_", data)
    item.join_channels = [
        {"language": entry["language"], "label": (entry.get("label") or "").strip(), "url": entry["url"].strip()}
        for entry in data.channels
    ]
    item.recording_url = _clean(data.recording_url)
    item.slides_url = _clean(data.slides_url)
    item.recording_visibility = data.recording_visibility
    if url:
        item.is_virtual = True
    changes = audit.diff(before, _session_video_values(item))
    if changes:
        audit.record(session, actor, "session.video", "session", item.id, event_id=item.event_id,
                     summary=f"video link of session {item.id}", changes=_secret_free(changes))
    session.flush()
    return item


def update_event_video(session: Session, actor: User | None, event: Event, data: VideoData) -> Event:
    """Set the default link of an event's virtual sessions; refuses what check_video_data refuses."""
    check_video_data(data)
    before = _link_values(event, "default_join_")
    _set_link(event, "default_join_", data)
    changes = audit.diff(before, _link_values(event, "default_join_"))
    if changes:
        audit.record(session, actor, "event.video", "event", event.id, event_id=event.id,
                     summary=f"default video link of {event.slug}", changes=_secret_free(changes))
    session.flush()
    return event


def get_event_session(session: Session, event: Event, session_id: int) -> EventSession | None:
    """A session of this event; None for other events' ids and ids out of range."""
    if not 0 < session_id < 2**31:
        return None
    item = session.get(EventSession, session_id)
    return item if item is not None and item.event_id == event.id else None


# --- organisers: attendance ----------------------------------------------------------------


@dataclass(frozen=True)
class AttendeeRow:
    name: str
    email: str
    organisation: str
    city: str
    country: str
    first_joined_at: datetime
    last_joined_at: datetime
    join_count: int


@dataclass
class SessionAttendanceReport:
    item: EventSession
    title: str
    rows: list[AttendeeRow]
    by_organisation: list[tuple[str, int]]
    by_city: list[tuple[str, int]]
    by_country: list[tuple[str, int]]

    @property
    def count(self) -> int:
        return len(self.rows)


def _tally(values: list[str]) -> list[tuple[str, int]]:
    return sorted(Counter(values).items(), key=lambda pair: (-pair[1], pair[0].casefold()))


def list_attendance(session: Session, event: Event, language: str) -> list[SessionAttendanceReport]:
    """Per virtual session of the event, who joined through their link (two queries)."""
    items = [item for item in event.sessions if join_link_for(item) is not None or item.is_virtual]
    attendances = session.scalars(
        select(SessionAttendance)
        .join(EventSession)
        .where(EventSession.event_id == event.id)
        .options(
            selectinload(SessionAttendance.registration).selectinload(Registration.organisation),
            selectinload(SessionAttendance.registration).selectinload(Registration.city),
        )
        .order_by(SessionAttendance.first_joined_at, SessionAttendance.id)
    ).all()
    by_session: dict[int, list[AttendeeRow]] = {}
    unknown = str(_l("unknown"))
    for entry in attendances:
        person = entry.registration
        organisation = (person.organisation.name if person.organisation else person.organisation_name) or unknown
        city = (person.city.text("name", language) if person.city else person.city_other) or unknown
        country = label(person.city.country) if person.city else unknown
        by_session.setdefault(entry.session_id, []).append(
            AttendeeRow(f"{person.first_name} {person.last_name}".strip(), person.email, organisation,
                        city, country, entry.first_joined_at, entry.last_joined_at, entry.join_count)
        )
    reports = []
    for item in items:
        rows = by_session.get(item.id, [])
        reports.append(
            SessionAttendanceReport(
                item=item,
                title=item.text("title", language),
                rows=rows,
                by_organisation=_tally([row.organisation for row in rows]),
                by_city=_tally([row.city for row in rows]),
                by_country=_tally([row.country for row in rows]),
            )
        )
    return reports


def attendance_rows(reports: list[SessionAttendanceReport]) -> list[list[str]]:
    """The attendance as spreadsheet rows (header first), times in UTC."""
    header = [str(_l("Session")), str(_l("Name")), str(_l("E-mail")), str(_l("Organisation")),
              str(_l("City")), str(_l("Country")), str(_l("First joined")), str(_l("Last joined")),
              str(_l("Joins"))]
    rows = [header]
    for report in reports:
        for row in report.rows:
            rows.append([
                report.title, row.name, row.email, row.organisation, row.city, row.country,
                row.first_joined_at.strftime("%Y-%m-%d %H:%M UTC"),
                row.last_joined_at.strftime("%Y-%m-%d %H:%M UTC"), str(row.join_count),
            ])
    return rows


# --- recordings in the archive ------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    session_id: int
    title: str
    recording_url: str | None
    slides_url: str | None


def list_recordings(event: Event, language: str, now: datetime, is_participant: bool = False) -> list[Recording]:
    """Recordings and slides of ended sessions a reader may see (public pages: public only)."""
    return [
        Recording(item.id, item.text("title", language), item.recording_url, item.slides_url)
        for item in event.sessions
        if (item.recording_url or item.slides_url)
        and item.ends_at <= now
        and item.status != SessionStatus.CANCELLED
        and _recording_visible(item.recording_visibility, is_participant)
    ]
