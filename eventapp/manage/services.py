"""The back office's event services: the dashboard, and creating, editing, publishing,
withdrawing, cancelling, deleting, cloning and archiving events.

Every change is written to the audit log in the same transaction; services flush, the
caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from eventapp import audit
from eventapp.agenda import services as agenda_services
from eventapp.events import services as event_services
from eventapp.events.services import EventData
from eventapp.manage import mails
from eventapp.models import (
    City,
    Event,
    EventOrganiser,
    EventSession,
    EventStatus,
    MailStatus,
    OutboxMail,
    Registration,
    RegistrationStatus,
    SessionDraft,
    SessionStatus,
    Speaker,
    User,
    UserRole,
)
from eventapp.models.base import utcnow
from eventapp.models.events import session_speakers
from eventapp.registrations.seats import fill_event_places
from eventapp.rules import validation
from eventapp.rules.errors import RuleError
from eventapp.rules.times import local_to_utc, utc_to_local

# Bulk events of the demo archive: thousands of them would bury the real ones.
BULK_SLUG_PATTERN = "archive-sample-%"
# Registrations that still expect the event to happen.
ACTIVE_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
UNSENT_STATUSES = (MailStatus.PENDING, MailStatus.FAILED)


# --- The dashboard ------------------------------------------------------------------------------


@dataclass
class Attention:
    """What of an event waits for an organiser."""

    pending_approvals: int = 0
    unsent_mails: int = 0
    pending_drafts: int = 0
    conflict_errors: int = 0
    needs_archiving: bool = False

    @property
    def is_needed(self) -> bool:
        return bool(
            self.pending_approvals or self.unsent_mails or self.pending_drafts
            or self.conflict_errors or self.needs_archiving
        )


@dataclass
class BackOfficeEvent:
    event: Event
    counts: dict[RegistrationStatus, int] = field(default_factory=dict)
    attention: Attention = field(default_factory=Attention)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Dashboard:
    drafts: list[BackOfficeEvent]
    current: list[BackOfficeEvent]  # published, upcoming or running
    past: list[BackOfficeEvent]  # ended, and cancelled ones

    @property
    def is_empty(self) -> bool:
        return not (self.drafts or self.current or self.past)


def _managed_events_query(user: User):  # noqa: ANN202
    query = (
        select(Event)
        .options(selectinload(Event.host_city))
        .where(~Event.slug.like(BULK_SLUG_PATTERN))
    )
    if user.role != UserRole.ADMIN:
        query = query.where(
            Event.id.in_(select(EventOrganiser.event_id).where(EventOrganiser.user_id == user.id))
        )
    return query


def _planned_by_event(
    session: Session, events: list[Event]
) -> tuple[dict[int, list[agenda_services.PlannedSession]], dict[int, int]]:
    """The planned agenda of each event (as agenda_services.list_planned_sessions builds it for
    one) and the number of pending drafts, in three or four queries for any number of events."""
    ids = [event.id for event in events]
    by_id = {event.id: event for event in events}
    speakers_of: dict[int, list[tuple[int, str]]] = {}
    for session_id, speaker_id, name in session.execute(
        select(session_speakers.c.session_id, Speaker.id, Speaker.name)
        .join(Speaker, Speaker.id == session_speakers.c.speaker_id)
        .join(EventSession, EventSession.id == session_speakers.c.session_id)
        .where(EventSession.event_id.in_(ids))
        .order_by(session_speakers.c.session_id, Speaker.name)
    ):
        speakers_of.setdefault(session_id, []).append((speaker_id, name))
    drafts = list(
        session.scalars(
            select(SessionDraft).where(SessionDraft.event_id.in_(ids)).order_by(SessionDraft.id)
        )
    )
    speaker_ids = {int(value) for draft in drafts for value in draft.data.get("speaker_ids", [])}
    names: dict[int, str] = {}
    if speaker_ids:
        names = dict(session.execute(select(Speaker.id, Speaker.name).where(Speaker.id.in_(speaker_ids))))
    by_session = {draft.session_id: draft for draft in drafts if draft.session_id is not None}
    planned: dict[int, list[agenda_services.PlannedSession]] = {event_id: [] for event_id in ids}
    for row in session.execute(
        select(EventSession.event_id, *agenda_services._PLANNED_COLUMNS).where(
            EventSession.event_id.in_(ids)
        )
    ):
        saved = agenda_services.PlannedSession(
            key=f"s{row.id}", session_id=row.id, draft_id=None, pending=None,
            title_i18n=row.title_i18n or {}, kind=row.kind, status=row.status,
            starts_at=row.starts_at, ends_at=row.ends_at, room=row.room,
            spoken_language=row.spoken_language, is_virtual=row.is_virtual,
            speakers=tuple(speakers_of.get(row.id, ())),
        )
        draft = by_session.get(row.id)
        event = by_id[row.event_id]
        planned[row.event_id].append(
            agenda_services._overlay(saved, draft, event, names) if draft else saved
        )
    draft_counts: dict[int, int] = {}
    for draft in drafts:
        draft_counts[draft.event_id] = draft_counts.get(draft.event_id, 0) + 1
        if draft.session_id is None:
            planned[draft.event_id].append(
                agenda_services._from_draft(draft, by_id[draft.event_id], names)
            )
    return planned, draft_counts


def _describe(session: Session, events: list[Event], language: str, now: datetime) -> list[BackOfficeEvent]:
    """Registration counts and what needs attention, for all events in a fixed number of queries."""
    if not events:
        return []
    ids = [event.id for event in events]
    counts: dict[int, dict[RegistrationStatus, int]] = {}
    for event_id, status, number in session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .where(Registration.event_id.in_(ids))
        .group_by(Registration.event_id, Registration.status)
    ):
        counts.setdefault(event_id, {})[status] = number
    unsent = dict(
        session.execute(
            select(Registration.event_id, func.count(OutboxMail.id))
            .join(Registration, Registration.id == OutboxMail.registration_id)
            .where(Registration.event_id.in_(ids), OutboxMail.status.in_(UNSENT_STATUSES))
            .group_by(Registration.event_id)
        ).all()
    )
    planned, draft_counts = _planned_by_event(session, events)
    items = []
    for event in events:
        event_counts = counts.get(event.id, {})
        conflicts = agenda_services.planned_conflicts(planned[event.id], event, language)
        attention = Attention(
            pending_approvals=event_counts.get(RegistrationStatus.PENDING, 0),
            unsent_mails=unsent.get(event.id, 0),
            pending_drafts=draft_counts.get(event.id, 0),
            conflict_errors=sum(1 for conflict in conflicts if conflict.is_error),
            needs_archiving=(
                event.status == EventStatus.PUBLISHED and event.ends_at < now and event.archived_at is None
            ),
        )
        items.append(BackOfficeEvent(event, event_counts, attention))
    return items


def get_dashboard(session: Session, user: User, language: str, now: datetime | None = None) -> Dashboard:
    """The events the user manages (admins: all), grouped into drafts, current and past."""
    now = now or utcnow()
    events = list(session.scalars(_managed_events_query(user).order_by(Event.starts_at, Event.id)))
    drafts: list[BackOfficeEvent] = []
    current: list[BackOfficeEvent] = []
    past: list[BackOfficeEvent] = []
    for item in _describe(session, events, language, now):
        if item.event.status == EventStatus.DRAFT:
            drafts.append(item)
        elif item.event.status == EventStatus.CANCELLED or item.event.ends_at < now:
            past.append(item)
        else:
            current.append(item)
    past.reverse()  # latest first
    return Dashboard(drafts, current, past)


def describe_event(session: Session, event: Event, language: str, now: datetime | None = None) -> BackOfficeEvent:
    """One event's registration counts and what of it needs attention (its overview page)."""
    return _describe(session, [event], language, now or utcnow())[0]


# --- Creating and editing ------------------------------------------------------------------


def list_city_choices(session: Session, language: str) -> list[tuple[int, str]]:
    """(id, name) of every city, member or not, sorted by name in `language`."""
    cities = session.scalars(select(City)).all()
    choices = [(city.id, city.text("name", language)) for city in cities]
    return sorted(choices, key=lambda choice: choice[1].casefold())


def get_city(session: Session, city_id: int | None) -> City | None:
    """The city of an id; None for no id, and for ids that do not exist."""
    if city_id is None or not 0 < city_id < 2**31:
        return None
    return session.get(City, city_id)


def _snapshot(event: Event) -> dict:
    values = {
        column.key: getattr(event, column.key)
        for column in Event.__table__.columns
        if column.key not in {"id", "sequence", "version", "created_at", "updated_at"}
    }
    values["topics"] = list(event.topics)
    return values


def _assign(session: Session, event: Event, user: User | None) -> None:
    if user is None or user.role != UserRole.ORGANISER:
        return
    exists = session.scalar(
        select(EventOrganiser.event_id).where(
            EventOrganiser.event_id == event.id, EventOrganiser.user_id == user.id
        )
    )
    if exists is None:
        session.add(EventOrganiser(event_id=event.id, user_id=user.id))


def create_managed_event(
    session: Session, data: EventData, rooms: list[str], actor: User | None
) -> Event:
    """Create a draft event and assign its creating organiser to it; refuses what
    create_event refuses and room names over 120 characters."""
    rooms = validation.clean_rooms(rooms)
    event = event_services.create_event(session, replace(data, status=EventStatus.DRAFT))
    event.rooms = rooms
    _assign(session, event, actor)
    session.flush()
    audit.record(
        session, actor, "event.create", "event", event.id, event_id=event.id,
        summary=event.slug, changes=audit.diff({}, _snapshot(event)),
    )
    return event


def update_managed_event(
    session: Session, event: Event, data: EventData, rooms: list[str], actor: User | None
) -> Event:
    """Save the event form; refuses what update_event refuses and room names over 120
    characters. The status is changed only by publish, withdraw and cancel."""
    before = _snapshot(event)
    rooms = validation.clean_rooms(rooms)
    event_services.update_event(
        session, event, replace(data, status=event.status, report=dict(event.report_i18n or {}))
    )
    if list(event.rooms or []) != rooms:
        event.rooms = rooms
    session.flush()
    changes = audit.diff(before, _snapshot(event))
    if changes:
        audit.record(
            session, actor, "event.update", "event", event.id, event_id=event.id,
            summary=event.slug, changes=changes,
        )
    if {"capacity_onsite", "capacity_online"} & set(changes):
        # Places a raised capacity frees go to the waiting list now, each person mailed.
        fill_event_places(session, event)
    return event


# --- Status changes -----------------------------------------------------------------------


def publish_event(session: Session, event: Event, actor: User | None) -> Event:
    """Publish a draft; refuses events that are not drafts."""
    if event.status != EventStatus.DRAFT:
        raise RuleError("status", _l("Only a draft can be published."))
    event_services.set_event_status(session, event, EventStatus.PUBLISHED)
    audit.record(session, actor, "event.publish", "event", event.id, event_id=event.id,
                 summary=event.slug, changes={"status": ["draft", "published"]})
    return event


def count_registrations(session: Session, event: Event) -> int:
    return session.scalar(select(func.count(Registration.id)).where(Registration.event_id == event.id)) or 0


def unpublish_event(session: Session, event: Event, actor: User | None) -> Event:
    """Turn a published event back into a draft; refuses while it has registrations or
    agenda changes waiting for release (they would be stranded or vanish unannounced)."""
    if event.status != EventStatus.PUBLISHED:
        raise RuleError("status", _l("Only a published event can be withdrawn."))
    if count_registrations(session, event):
        raise RuleError(
            "status",
            _l("This event already has registrations, so it cannot become a draft again. "
               "Cancel it instead if it will not take place."),
        )
    if agenda_services.count_drafts(session, event):
        raise RuleError(
            "status",
            _l("The agenda has changes waiting for release. Release or discard them "
               "before withdrawing the event."),
        )
    event_services.set_event_status(session, event, EventStatus.DRAFT)
    audit.record(session, actor, "event.unpublish", "event", event.id, event_id=event.id,
                 summary=event.slug, changes={"status": ["published", "draft"]})
    return event


def list_active_registrations(session: Session, event: Event) -> list[Registration]:
    """Registrations that still expect the event: pending, confirmed and waiting, not purged."""
    return list(
        session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status.in_(ACTIVE_STATUSES),
                Registration.purged_at.is_(None),
            )
            .order_by(Registration.id)
        )
    )


def cancel_event(session: Session, event: Event, actor: User | None) -> list[OutboxMail]:
    """Cancel a published event and queue one mail to every active registration (written in
    the person's language when it is sent); refuses drafts and cancelled events."""
    if event.status == EventStatus.DRAFT:
        raise RuleError("status", _l("A draft is not cancelled but deleted."))
    if event.status == EventStatus.CANCELLED:
        raise RuleError("status", _l("This event is already cancelled."))
    event_services.set_event_status(session, event, EventStatus.CANCELLED)
    queued = [mails.queue_cancellation(session, registration)
              for registration in list_active_registrations(session, event)]
    audit.record(session, actor, "event.cancel", "event", event.id, event_id=event.id,
                 summary=event.slug,
                 changes={"status": ["published", "cancelled"], "mails": len(queued)})
    return queued


def delete_event(session: Session, event: Event, actor: User | None) -> None:
    """Delete a draft with its agenda; refuses published and cancelled events (calendars
    and participants know them) and drafts that hold archive documents."""
    if event.status != EventStatus.DRAFT:
        raise RuleError("status", _l("Only a draft can be deleted. Cancel a published event instead."))
    if event.documents:
        raise RuleError("status", _l("Remove the event's archive documents before deleting it."))
    audit.record(session, actor, "event.delete", "event", event.id, event_id=event.id,
                 summary=event.slug, changes=audit.diff(_snapshot(event), {}))
    session.delete(event)
    session.flush()


# --- Cloning ------------------------------------------------------------------------------------


def _shift(moment: datetime, days: int, zone: str, field_name: str) -> datetime:
    """The local wall time of `moment` moved by `days` calendar days (naive, in `zone`);
    refuses a result that does not exist or is ambiguous there."""
    local = utc_to_local(moment, zone).replace(tzinfo=None) + timedelta(days=days)
    local_to_utc(local, zone, field_name)
    return local


def clone_event(
    session: Session,
    event: Event,
    slug: str,
    starts_on: date,
    actor: User | None,
    title: str | None = None,
) -> Event:
    """A draft copy of the event and its scheduled agenda moved to start on `starts_on`,
    keeping every local wall-clock time in the event's zone; refuses a taken slug and a
    time that would not exist (or be ambiguous) on the new dates. Registrations, documents,
    the report and pending agenda changes are not copied; nor are cancelled items."""
    zone = event.timezone
    days = (starts_on - utc_to_local(event.starts_at, zone).date()).days
    titles = dict(event.title_i18n or {})
    if title and title.strip():
        titles[event.main_language] = title.strip()

    def moved(moment: datetime | None, name: str) -> datetime | None:
        if moment is None:
            return None
        try:
            return _shift(moment, days, zone, name)
        except RuleError as error:
            raise RuleError("starts_on", error.message) from None

    data = EventData(
        slug=slug,
        main_language=event.main_language,
        title=titles,
        summary=dict(event.summary_i18n or {}),
        kind=event.kind,
        format=event.format,
        timezone=zone,
        starts_local=moved(event.starts_at, "starts_at"),  # type: ignore[arg-type]
        ends_local=moved(event.ends_at, "ends_at"),  # type: ignore[arg-type]
        status=EventStatus.DRAFT,
        venue_name=event.venue_name,
        venue_address=event.venue_address,
        host_city=event.host_city,
        topics=list(event.topics),
        languages=list(event.languages or []),
        has_interpretation=event.has_interpretation,
        registration_opens_local=moved(event.registration_opens_at, "registration_opens_at"),
        registration_closes_local=moved(event.registration_closes_at, "registration_closes_at"),
        capacity_onsite=event.capacity_onsite,
        capacity_online=event.capacity_online,
        has_waiting_list=event.has_waiting_list,
        requires_approval=event.requires_approval,
    )
    items = list(
        session.scalars(
            select(EventSession)
            .where(EventSession.event_id == event.id, EventSession.status == SessionStatus.SCHEDULED)
            .options(selectinload(EventSession.speakers))
            .order_by(EventSession.starts_at, EventSession.id)
        )
    )
    copy = event_services.create_event(session, data)
    copy.rooms = list(event.rooms or [])
    for item in items:
        values = agenda_services.data_from_session(item)
        title_text = item.text("title", event.main_language)
        try:
            values.starts_local = _shift(item.starts_at, days, zone, "starts_at")
            values.ends_local = _shift(item.ends_at, days, zone, "ends_at")
        except RuleError as error:
            raise RuleError(
                "starts_on",
                _l("“%(title)s” cannot be moved: %(reason)s", title=title_text, reason=error.message),
            ) from None
        event_services.add_session(session, copy, values)
    organiser_ids = session.scalars(
        select(EventOrganiser.user_id).where(EventOrganiser.event_id == event.id)
    ).all()
    for user_id in organiser_ids:
        session.add(EventOrganiser(event_id=copy.id, user_id=user_id))
    if actor is not None and actor.id not in organiser_ids:
        _assign(session, copy, actor)
    session.flush()
    audit.record(
        session, actor, "event.clone", "event", copy.id, event_id=copy.id,
        summary=f"{event.slug} -> {copy.slug}",
        changes={"source": event.slug, "days": days, "sessions": len(items)},
    )
    return copy


# --- Report and archive ---------------------------------------------------------------------------


def save_report(session: Session, event: Event, report: dict[str, str], actor: User | None) -> Event:
    """Save the report texts (plain text, paragraphs separated by blank lines); refuses
    languages other than German, English and Chinese."""
    cleaned: dict[str, str] = {}
    for code, text in report.items():
        validation.check_language(code, "report")
        text = "\n\n".join(
            " ".join(line.strip() for line in block.splitlines() if line.strip())
            for block in text.replace("\r\n", "\n").split("\n\n")
            if block.strip()
        )
        if text:
            cleaned[code] = text
    before = dict(event.report_i18n or {})
    if before != cleaned:
        event.report_i18n = cleaned
        session.flush()
        audit.record(session, actor, "event.report", "event", event.id, event_id=event.id,
                     summary=event.slug, changes=audit.diff({"report": before}, {"report": cleaned}))
    return event


def set_archived(
    session: Session, event: Event, is_archived: bool, actor: User | None, now: datetime | None = None
) -> Event:
    """Mark the event archived (or not); refuses events that have not ended yet and drafts."""
    now = now or utcnow()
    if event.status == EventStatus.DRAFT:
        raise RuleError("archived_at", _l("A draft cannot be archived."))
    if is_archived and event.ends_at > now:
        raise RuleError("archived_at", _l("An event can be archived only once it has ended."))
    if (event.archived_at is not None) == is_archived:
        return event
    before = event.archived_at
    event.archived_at = now if is_archived else None
    session.flush()
    audit.record(
        session, actor, "event.archive" if is_archived else "event.unarchive", "event", event.id,
        event_id=event.id, summary=event.slug, changes=audit.diff(
            {"archived_at": before}, {"archived_at": event.archived_at}
        ),
    )
    return event
