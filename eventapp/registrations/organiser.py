"""What organisers do with registrations: approve, reject, promote, check in, list and count.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from eventapp.models import (
    AttendanceMode,
    City,
    Event,
    OrganisationKind,
    Registration,
    RegistrationSession,
    RegistrationStatus,
)
from eventapp.models.base import utcnow
from eventapp.registrations.seats import (
    ACTIVE_STATUSES,
    NO_SEAT,
    NOT_ACTIVE,
    StatusChanges,
    allowed_modes,
    release_event_seat,
    run,
    seat_sessions,
    take_event_seat,
    transition,
    unseat_sessions,
)
from eventapp.rules.errors import RuleError


def mode_switch(event: Event, registration: Registration) -> AttendanceMode | None:
    """The attendance mode an organiser can move this person to: the other one of a hybrid
    event, while the registration is active and the person has not checked in (someone
    already in the room is not moved online). None when there is no such move."""
    if registration.status not in ACTIVE_STATUSES or registration.checked_in_at is not None:
        return None
    others = [mode for mode in allowed_modes(event) if mode != registration.attendance_mode]
    return others[0] if len(others) == 1 else None


@dataclass
class RegistrationFilters:
    status: RegistrationStatus | None = None
    attendance_mode: AttendanceMode | None = None
    participant_type: OrganisationKind | None = None
    city_id: int | None = None
    query: str | None = None


def approve_registration(session: Session, registration: Registration) -> Registration:
    """Approve a pending registration: confirmed when a place is free, else waiting."""
    event = registration.event
    if registration.status != RegistrationStatus.PENDING:
        raise RuleError("status", _l("Only registrations awaiting approval can be approved."))
    changes = StatusChanges()
    changes.watch(registration)
    if take_event_seat(session, event.id, registration.attendance_mode):
        if not transition(session, registration, (RegistrationStatus.PENDING,), RegistrationStatus.CONFIRMED):
            release_event_seat(session, event.id, registration.attendance_mode)
            raise RuleError("status", NOT_ACTIVE)
        seat_sessions(session, registration)
    elif event.has_waiting_list:
        if not transition(session, registration, (RegistrationStatus.PENDING,), RegistrationStatus.WAITING):
            raise RuleError("status", NOT_ACTIVE)
        for choice in registration.session_choices:
            choice.status = RegistrationStatus.WAITING
    else:
        raise RuleError("status", NO_SEAT)
    session.flush()
    changes.queue_mails(session)
    return registration


def reject_registration(session: Session, registration: Registration) -> Registration:
    """Reject a pending or waiting registration; refuses confirmed or inactive ones."""
    changes = StatusChanges()
    changes.watch(registration)
    if not transition(
        session, registration,
        (RegistrationStatus.PENDING, RegistrationStatus.WAITING), RegistrationStatus.REJECTED,
    ):
        raise RuleError("status", _l("Only pending or waiting registrations can be rejected."))
    unseat_sessions(session, registration, RegistrationStatus.REJECTED)
    changes.queue_mails(session)
    return registration


def promote_registration(session: Session, registration: Registration) -> Registration:
    """Move a waiting person up now; refuses when no place is free."""
    if registration.status != RegistrationStatus.WAITING:
        raise RuleError("status", _l("Only people on the waiting list can be moved up."))
    changes = StatusChanges()
    changes.watch(registration)
    if not take_event_seat(session, registration.event_id, registration.attendance_mode):
        raise RuleError("status", NO_SEAT)
    if not transition(session, registration, (RegistrationStatus.WAITING,), RegistrationStatus.CONFIRMED):
        release_event_seat(session, registration.event_id, registration.attendance_mode)
        raise RuleError("status", NOT_ACTIVE)
    seat_sessions(session, registration)
    changes.queue_mails(session)
    return registration


@dataclass(frozen=True)
class CheckIn:
    registration: Registration
    # True when the person had been checked in before: the first time is kept.
    is_repeat: bool


def check_in(session: Session, registration: Registration, now: datetime | None = None) -> CheckIn:
    """Record arrival; refuses registrations that are not confirmed. Checking in twice keeps the first time."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise RuleError("status", _l("Only confirmed participants can be checked in."))
    # Conditional, so that two desks scanning the same code at once record one arrival.
    first = run(
        session,
        update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=now or utcnow()),
    )
    session.refresh(registration, ["checked_in_at"])
    return CheckIn(registration, is_repeat=first == 0)


def get_event_registration(session: Session, event: Event, registration_id: int) -> Registration | None:
    registration = session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id or registration.purged_at is not None:
        return None
    return registration


def list_registrations(
    session: Session, event: Event, filters: RegistrationFilters | None = None
) -> list[Registration]:
    """An event's registrations in order of arrival, filtered, with what the list shows."""
    filters = filters or RegistrationFilters()
    query = (
        select(Registration)
        .where(Registration.event_id == event.id, Registration.purged_at.is_(None))
        .options(
            selectinload(Registration.city),
            selectinload(Registration.organisation),
            selectinload(Registration.session_choices).selectinload(RegistrationSession.session),
        )
        .order_by(Registration.created_at, Registration.id)
    )
    if filters.status is not None:
        query = query.where(Registration.status == filters.status)
    if filters.attendance_mode is not None:
        query = query.where(Registration.attendance_mode == filters.attendance_mode)
    if filters.participant_type is not None:
        query = query.where(Registration.participant_type == filters.participant_type)
    if filters.city_id is not None:
        query = query.where(Registration.city_id == filters.city_id)
    if filters.query:
        pattern = f"%{filters.query.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Registration.first_name).like(pattern),
                func.lower(Registration.last_name).like(pattern),
                func.lower(func.coalesce(Registration.first_name, "") + " "
                           + func.coalesce(Registration.last_name, "")).like(pattern),
                Registration.email.like(pattern),
                func.lower(func.coalesce(Registration.organisation_name, "")).like(pattern),
            )
        )
    return list(session.scalars(query))


@dataclass
class RegistrationCounts:
    total: int
    by_status: dict[str, int]
    by_mode: dict[str, int]
    by_type: dict[str, int]
    by_city: list[tuple[str, int]]
    checked_in: int


def count_registrations(session: Session, event: Event, language: str) -> RegistrationCounts:
    """Counts by status, mode, participant type and city (purged rows included: the archive keeps them)."""
    groups = (
        Registration.status,
        Registration.attendance_mode,
        Registration.participant_type,
        Registration.city_id,
        Registration.city_other,
        Registration.checked_in_at.is_not(None),
    )
    rows = session.execute(
        select(*groups, func.count()).where(Registration.event_id == event.id).group_by(*groups)
    ).all()
    city_names = {
        city.id: city.text("name", language)
        for city in session.scalars(select(City).where(City.id.in_({r[3] for r in rows if r[3]})))
    }
    by_status: Counter = Counter()
    by_mode: Counter = Counter()
    by_type: Counter = Counter()
    by_city: Counter = Counter()
    checked_in = 0
    active = {status.value for status in ACTIVE_STATUSES}
    for status, mode, kind, city_id, city_other, is_checked_in, number in rows:
        by_status[status.value] += number
        if status.value not in active:
            continue
        by_mode[mode.value] += number
        by_type[kind.value] += number
        by_city[city_names.get(city_id) or city_other or "—"] += number
        checked_in += number if is_checked_in else 0
    return RegistrationCounts(
        total=sum(by_status.values()),
        by_status=dict(by_status),
        by_mode=dict(by_mode),
        by_type=dict(by_type),
        by_city=sorted(by_city.items(), key=lambda item: (-item[1], item[0])),
        checked_in=checked_in,
    )
