"""Places: availability, the atomic seat counters, waiting lists and promotion.

Seats are counted in `Event.taken_onsite/taken_online` and `EventSession.taken`, changed only
by atomic conditional UPDATEs (`... WHERE taken < capacity`) whose row count says whether a
seat was won, so concurrent requests never overbook on SQLite or PostgreSQL. Each such
UPDATE also raises `Event.version` in the same statement (pages and feeds cache on it).
Status transitions of a registration are conditional UPDATEs too, so that two cancels of
the same registration cannot free its seat twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, true, update
from sqlalchemy.orm import Session

from eventapp.models import (
    AttendanceMode,
    Event,
    EventFormat,
    EventSession,
    EventStatus,
    Registration,
    RegistrationSession,
    RegistrationStatus,
    SessionKind,
    SessionStatus,
)
from eventapp.models.base import utcnow
from eventapp.rules import validation
from eventapp.rules.errors import RuleError

# Sessions people sign up for one by one, even when the organiser set no limit.
CHOOSABLE_KINDS = (SessionKind.SITE_VISIT, SessionKind.B2B)
ACTIVE_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)

EVENT_FULL = _l("This event is fully booked.")
MODE_FULL = _l("There is no free place for this kind of attendance.")
NOT_ACTIVE = _l("This registration is no longer active.")
NO_SEAT = _l("There is no free place: raise the capacity first.")


@dataclass
class Availability:
    is_open: bool
    message: str | None
    free_onsite: int | None
    free_online: int | None
    modes: list[AttendanceMode]
    is_full: bool
    has_waiting_list: bool


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def allowed_modes(event: Event) -> list[AttendanceMode]:
    if event.format == EventFormat.IN_PERSON:
        return [AttendanceMode.ONSITE]
    if event.format == EventFormat.VIRTUAL:
        return [AttendanceMode.ONLINE]
    return [AttendanceMode.ONSITE, AttendanceMode.ONLINE]


def _free(capacity: int | None, taken: int) -> int | None:
    return None if capacity is None else max(capacity - taken, 0)


def free_places(event: Event, mode: AttendanceMode) -> int | None:
    """Free places for a mode (None: unlimited)."""
    if mode == AttendanceMode.ONSITE:
        return _free(event.capacity_onsite, event.taken_onsite)
    return _free(event.capacity_online, event.taken_online)


def get_availability(event: Event, now: datetime | None = None) -> Availability:
    """Whether the form takes registrations now, and how many places are left per mode."""
    now = now or utcnow()
    message = None
    try:
        check_open(event, now)
    except RuleError as error:
        message = str(error.message)
    modes = allowed_modes(event)
    is_full = all(free_places(event, mode) == 0 for mode in modes) and not event.requires_approval
    if message is None and is_full and not event.has_waiting_list:
        message = str(EVENT_FULL)
    return Availability(
        is_open=message is None,
        message=message,
        free_onsite=free_places(event, AttendanceMode.ONSITE),
        free_online=free_places(event, AttendanceMode.ONLINE),
        modes=modes,
        is_full=is_full,
        has_waiting_list=event.has_waiting_list,
    )


def check_open(event: Event, now: datetime) -> None:
    validation.check_registration_open(
        now,
        event.status == EventStatus.PUBLISHED,
        event.registration_opens_at,
        event.registration_closes_at,
        event.starts_at,
        event.ends_at,
    )


def choosable_sessions(event: Event) -> list[EventSession]:
    """Sessions with their own limit or sign-up (site visits, B2B slots), not cancelled."""
    return [
        item
        for item in event.sessions
        if item.status != SessionStatus.CANCELLED
        and (item.capacity is not None or item.kind in CHOOSABLE_KINDS)
    ]


def list_choosable_sessions(session: Session, event: Event) -> list[EventSession]:
    """choosable_sessions() by query, without loading the whole programme (300 sessions)."""
    return list(
        session.scalars(
            select(EventSession)
            .where(
                EventSession.event_id == event.id,
                EventSession.status != SessionStatus.CANCELLED,
                or_(EventSession.capacity.is_not(None), EventSession.kind.in_(CHOOSABLE_KINDS)),
            )
            .order_by(EventSession.starts_at, EventSession.room, EventSession.id)
        )
    )


def _seat_columns(mode: AttendanceMode) -> tuple:
    if mode == AttendanceMode.ONSITE:
        return Event.taken_onsite, Event.capacity_onsite
    return Event.taken_online, Event.capacity_online


def run(session: Session, statement) -> int:  # noqa: ANN001
    return session.execute(statement, execution_options={"synchronize_session": False}).rowcount


def _in_session(session: Session, model: type, key: int) -> object | None:
    """The object if the session already holds it (no query)."""
    return session.identity_map.get(session.identity_key(model, key))


def _expire_counters(session: Session, event_id: int) -> None:
    event = _in_session(session, Event, event_id)
    if event is not None:
        session.expire(event, ["taken_onsite", "taken_online", "version"])


def take_event_seat(session: Session, event_id: int, mode: AttendanceMode) -> bool:
    taken, capacity = _seat_columns(mode)
    won = run(
        session,
        update(Event)
        .where(Event.id == event_id, or_(capacity.is_(None), taken < capacity))
        .values({taken: taken + 1, Event.version: Event.version + 1}),
    )
    _expire_counters(session, event_id)
    return won == 1


def release_event_seat(session: Session, event_id: int, mode: AttendanceMode) -> None:
    taken, _capacity = _seat_columns(mode)
    run(
        session,
        update(Event)
        .where(Event.id == event_id, taken > 0)
        .values({taken: taken - 1, Event.version: Event.version + 1}),
    )
    _expire_counters(session, event_id)


def _bump_event_version(session: Session, event_id: int) -> None:
    run(session, update(Event).where(Event.id == event_id).values(version=Event.version + 1))
    _expire_counters(session, event_id)


def take_session_seat(session: Session, event_id: int, session_id: int) -> bool:
    won = run(
        session,
        update(EventSession)
        .where(
            EventSession.id == session_id,
            or_(EventSession.capacity.is_(None), EventSession.taken < EventSession.capacity),
        )
        .values(taken=EventSession.taken + 1),
    )
    if won == 1:
        _bump_event_version(session, event_id)
        _expire_session(session, session_id)
    return won == 1


def release_session_seat(session: Session, event_id: int, session_id: int) -> None:
    run(
        session,
        update(EventSession)
        .where(EventSession.id == session_id, EventSession.taken > 0)
        .values(taken=EventSession.taken - 1),
    )
    _bump_event_version(session, event_id)
    _expire_session(session, session_id)


def _expire_session(session: Session, session_id: int) -> None:
    item = _in_session(session, EventSession, session_id)
    if item is not None:
        session.expire(item, ["taken"])


def transition(
    session: Session,
    registration: Registration,
    from_statuses: tuple[RegistrationStatus, ...],
    to_status: RegistrationStatus,
    **values: object,
) -> bool:
    """Move a registration to `to_status` only if it still has one of `from_statuses`."""
    changed = run(
        session,
        update(Registration)
        .where(Registration.id == registration.id, Registration.status.in_(from_statuses))
        .values(status=to_status, updated_at=utcnow(), **values),
    )
    session.refresh(registration)
    return changed == 1


def seat_sessions(session: Session, registration: Registration) -> None:
    """Give a confirmed registration places in its chosen sessions, or the sessions' waiting list."""
    for choice in registration.session_choices:
        if choice.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED):
            continue
        if take_session_seat(session, registration.event_id, choice.session_id):
            choice.status = RegistrationStatus.CONFIRMED
        else:
            choice.status = RegistrationStatus.WAITING
    session.flush()


def unseat_sessions(session: Session, registration: Registration, status: RegistrationStatus) -> list[int]:
    """Free the session places a registration holds; returns the sessions that got a free place."""
    freed = []
    for choice in registration.session_choices:
        if choice.status == RegistrationStatus.CONFIRMED:
            release_session_seat(session, registration.event_id, choice.session_id)
            freed.append(choice.session_id)
        choice.status = status
    session.flush()
    return freed


@dataclass(frozen=True)
class HeldPlaces:
    """What a registration holds at one moment: status, mode and each chosen session's status."""

    status: RegistrationStatus
    mode: AttendanceMode
    sessions: dict[int, RegistrationStatus]


def held_places(registration: Registration) -> HeldPlaces:
    return HeldPlaces(
        registration.status,
        registration.attendance_mode,
        {choice.session_id: choice.status for choice in registration.session_choices},
    )


class StatusChanges:
    """The people one action touched, with what they held before it.

    One action can move a person several times (a place in the event, then in two of its
    sessions); comparing before and after once at the end gives each person exactly one
    mail that lists all of it, queued in the action's own transaction.
    """

    def __init__(self) -> None:
        self._before: dict[int, tuple[Registration, HeldPlaces]] = {}

    def watch(self, registration: Registration) -> None:
        """Remember what the person holds; call before this action first changes them."""
        if registration.id not in self._before:
            self._before[registration.id] = (registration, held_places(registration))

    def queue_mails(self, session: Session) -> None:
        """One mail to each watched person whose status, mode or sessions changed."""
        from eventapp.registrations import mails

        session.flush()
        for registration, before in self._before.values():
            mails.queue_change_mail(session, registration, before, held_places(registration))
        self._before.clear()


def promote_waiting_list(
    session: Session, event_id: int, mode: AttendanceMode, changes: StatusChanges | None = None
) -> list[Registration]:
    """Confirm waiting people of `mode` in order of arrival while places are free.

    Each promoted person is mailed: with `changes`, by the caller once its action is done.
    """
    own = changes is None
    changes = changes if changes is not None else StatusChanges()
    promoted: list[Registration] = []
    skipped: set[int] = set()
    while True:
        query = (
            select(Registration.id)
            .where(
                Registration.event_id == event_id,
                Registration.attendance_mode == mode,
                Registration.status == RegistrationStatus.WAITING,
                Registration.id.not_in(skipped) if skipped else true(),
            )
            .order_by(Registration.created_at, Registration.id)
            .limit(1)
        )
        if is_postgresql(session):
            query = query.with_for_update(skip_locked=True)
        candidate_id = session.scalar(query)
        if candidate_id is None or not take_event_seat(session, event_id, mode):
            if own:
                changes.queue_mails(session)
            return promoted
        candidate = session.get(Registration, candidate_id)
        if candidate is not None:
            changes.watch(candidate)
        if candidate is None or not transition(
            session, candidate, (RegistrationStatus.WAITING,), RegistrationStatus.CONFIRMED
        ):
            release_event_seat(session, event_id, mode)
            skipped.add(candidate_id)
            continue
        seat_sessions(session, candidate)
        promoted.append(candidate)


def promote_session_waiting(session: Session, event_id: int, session_id: int, changes: StatusChanges) -> None:
    while True:
        choice = session.scalar(
            select(RegistrationSession)
            .join(Registration)
            .where(
                RegistrationSession.session_id == session_id,
                RegistrationSession.status == RegistrationStatus.WAITING,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(RegistrationSession.created_at, RegistrationSession.registration_id)
            .limit(1)
        )
        if choice is None or not take_session_seat(session, event_id, session_id):
            return
        changes.watch(choice.registration)
        choice.status = RegistrationStatus.CONFIRMED
        session.flush()


def after_release(session: Session, registration: Registration, freed_sessions: list[int],
                   freed_mode: AttendanceMode | None, changes: StatusChanges) -> list[Registration]:
    promoted = []
    if freed_mode is not None:
        promoted = promote_waiting_list(session, registration.event_id, freed_mode, changes)
    for session_id in freed_sessions:
        promote_session_waiting(session, registration.event_id, session_id, changes)
    return promoted


def fill_event_places(session: Session, event: Event) -> list[Registration]:
    """Promote the event's waiting lists into its free places (after its capacity was
    raised); each person moved up gets one mail. Returns those confirmed."""
    changes = StatusChanges()
    promoted = []
    for mode in allowed_modes(event):
        promoted += promote_waiting_list(session, event.id, mode, changes)
    changes.queue_mails(session)
    return promoted


def fill_session_places(session: Session, event: Event, session_ids: list[int]) -> None:
    """Promote these sessions' waiting lists into their free places (after their capacity
    was raised); each person moved up gets one mail, however many sessions they won."""
    changes = StatusChanges()
    for session_id in sorted(set(session_ids)):
        promote_session_waiting(session, event.id, session_id, changes)
    changes.queue_mails(session)
