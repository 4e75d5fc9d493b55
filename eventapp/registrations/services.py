"""Registration services: sign-up, seats, waiting list, changes, organiser actions, purge.

Seats are counted in `Event.taken_onsite/taken_online` and `EventSession.taken`, changed only
by atomic conditional UPDATEs (`... WHERE taken < capacity`) whose row count says whether a
seat was won, so concurrent requests never overbook on SQLite or PostgreSQL. Each such
UPDATE also raises `Event.version` in the same statement (pages and feeds cache on it).
Status transitions of a registration are conditional UPDATEs too, so that two cancels of
the same registration cannot free its seat twice.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, delete, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session, selectinload

from eventapp.database import begin_write  # noqa: F401  (callers use services.begin_write)
from eventapp.models import (
    AttendanceMode,
    City,
    Country,
    Event,
    EventFormat,
    EventSession,
    EventStatus,
    Organisation,
    OrganisationKind,
    OutboxMail,
    Registration,
    RegistrationSession,
    RegistrationStatus,
    SessionKind,
    SessionStatus,
)
from eventapp.models.base import pick_translation, utcnow
from eventapp.registrations.sealing import (
    read_sign_in_token,
    seal_token,
    sign_in_matches,
    unseal_token,
)
from eventapp.rules import validation
from eventapp.rules.errors import RuleError

TOKEN_BYTES = 32
# Sessions people sign up for one by one, even when the organiser set no limit.
CHOOSABLE_KINDS = (SessionKind.SITE_VISIT, SessionKind.B2B)
ACTIVE_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)

EVENT_FULL = _l("This event is fully booked.")
MODE_FULL = _l("There is no free place for this kind of attendance.")
NOT_ACTIVE = _l("This registration is no longer active.")
NO_SEAT = _l("There is no free place: raise the capacity first.")


@dataclass
class RegistrationData:
    first_name: str
    last_name: str
    email: str
    participant_type: OrganisationKind
    attendance_mode: AttendanceMode
    preferred_language: str = "de"
    organisation_id: int | None = None
    organisation_name: str | None = None
    city_id: int | None = None
    city_other: str | None = None
    position: str | None = None
    needs_interpretation: bool = False
    notes: str | None = None
    session_ids: list[int] = field(default_factory=list)
    consent_privacy: bool = False
    consent_listing: bool = False


@dataclass
class RegistrationResult:
    registration: Registration
    # The manage token: it travels only in the mail, the database keeps its hash and a sealed
    # copy. None for a repeated sign-up of a registration whose token cannot be unsealed.
    token: str | None
    is_new: bool


@dataclass
class Availability:
    is_open: bool
    message: str | None
    free_onsite: int | None
    free_online: int | None
    modes: list[AttendanceMode]
    is_full: bool
    has_waiting_list: bool


@dataclass
class RegistrationFilters:
    status: RegistrationStatus | None = None
    attendance_mode: AttendanceMode | None = None
    participant_type: OrganisationKind | None = None
    city_id: int | None = None
    query: str | None = None


# --- tokens ----------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derive(token: str, purpose: str) -> str:
    digest = hashlib.sha256(f"{purpose}:{token}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def feed_token_for(token: str) -> str:
    """The personal feed's secret: derived from the manage token, but grants no changes."""
    return _derive(token, "feed")


def checkin_code_for(token: str) -> str:
    """The code in the check-in QR image: derived from the manage token, grants only check-in."""
    return _derive(token, "checkin")


def _set_tokens(registration: Registration, token: str) -> None:
    registration.token_hash = hash_token(token)
    registration.feed_token_hash = hash_token(feed_token_for(token))
    registration.checkin_hash = hash_token(checkin_code_for(token))
    registration.token_sealed = seal_token(token)


def get_manage_token(registration: Registration) -> str | None:
    """The registration's current manage token from its sealed copy; None when there is none
    (rows from before sealing) or no configured key opens it or it is stale."""
    token = unseal_token(registration.token_sealed)
    if token is None or hash_token(token) != registration.token_hash:
        return None
    return token


def renew_manage_token(session: Session, registration: Registration) -> str:
    """Give a registration a new manage token (the person asked for it, confirmed); the old
    link, feed, check-in code and join links stop working. Mails the new link."""
    from eventapp.registrations import mails

    token = new_token()
    _set_tokens(registration, token)
    registration.updated_at = utcnow()
    session.flush()
    mails.queue_confirmation(session, registration, variant=mails.RENEWED)
    return token


def _lookup(session: Session, column: ColumnElement, token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    return session.scalar(
        select(Registration)
        .where(column == hash_token(token), Registration.purged_at.is_(None))
        .options(
            selectinload(Registration.event).selectinload(Event.sessions),
            selectinload(Registration.session_choices),
            selectinload(Registration.city),
            selectinload(Registration.organisation),
        )
    )


def get_registration_by_token(session: Session, token: str) -> Registration | None:
    return _lookup(session, Registration.token_hash, token)


def get_registration_by_feed_token(session: Session, token: str) -> Registration | None:
    return _lookup(session, Registration.feed_token_hash, token)


def get_registration_by_checkin_code(session: Session, event: Event, code: str) -> Registration | None:
    registration = _lookup(session, Registration.checkin_hash, code.strip())
    return registration if registration is not None and registration.event_id == event.id else None


def get_registration_by_sign_in_token(session: Session, token: str) -> Registration | None:
    """The registration of a valid, unexpired sign-in token whose manage token is unchanged."""
    value = read_sign_in_token(token)
    if value is None or not 0 < value[0] < 2**31:
        return None
    registration = session.get(Registration, value[0])
    if registration is None or registration.purged_at is not None:
        return None
    return registration if sign_in_matches(value[1], registration.token_hash) else None


# --- transactions ------------------------------------------------------------------------


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- availability ------------------------------------------------------------------------


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
        _check_open(event, now)
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


def _check_open(event: Event, now: datetime) -> None:
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


def organisation_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every organisation, by name: columns only, no objects to build."""
    return [tuple(row) for row in session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.name))]


def city_choices(session: Session, language: str) -> list[tuple[int, str]]:
    """(id, name in `language`) of the member cities, in slug order."""
    rows = session.execute(
        select(City.id, City.name_i18n, City.country).where(City.is_member.is_(True)).order_by(City.slug)
    )
    return [
        (city_id, pick_translation(names, language, "zh" if country == Country.CN else "de"))
        for city_id, names, country in rows
    ]


# --- atomic seat counters ----------------------------------------------------------------


def _seat_columns(mode: AttendanceMode) -> tuple:
    if mode == AttendanceMode.ONSITE:
        return Event.taken_onsite, Event.capacity_onsite
    return Event.taken_online, Event.capacity_online


def _run(session: Session, statement) -> int:  # noqa: ANN001
    return session.execute(statement, execution_options={"synchronize_session": False}).rowcount


def _in_session(session: Session, model: type, key: int) -> object | None:
    """The object if the session already holds it (no query)."""
    return session.identity_map.get(session.identity_key(model, key))


def _expire_counters(session: Session, event_id: int) -> None:
    event = _in_session(session, Event, event_id)
    if event is not None:
        session.expire(event, ["taken_onsite", "taken_online", "version"])


def _take_event_seat(session: Session, event_id: int, mode: AttendanceMode) -> bool:
    taken, capacity = _seat_columns(mode)
    won = _run(
        session,
        update(Event)
        .where(Event.id == event_id, or_(capacity.is_(None), taken < capacity))
        .values({taken: taken + 1, Event.version: Event.version + 1}),
    )
    _expire_counters(session, event_id)
    return won == 1


def _release_event_seat(session: Session, event_id: int, mode: AttendanceMode) -> None:
    taken, _capacity = _seat_columns(mode)
    _run(
        session,
        update(Event)
        .where(Event.id == event_id, taken > 0)
        .values({taken: taken - 1, Event.version: Event.version + 1}),
    )
    _expire_counters(session, event_id)


def _bump_event_version(session: Session, event_id: int) -> None:
    _run(session, update(Event).where(Event.id == event_id).values(version=Event.version + 1))
    _expire_counters(session, event_id)


def _take_session_seat(session: Session, event_id: int, session_id: int) -> bool:
    won = _run(
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


def _release_session_seat(session: Session, event_id: int, session_id: int) -> None:
    _run(
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


def _transition(
    session: Session,
    registration: Registration,
    from_statuses: tuple[RegistrationStatus, ...],
    to_status: RegistrationStatus,
    **values: object,
) -> bool:
    """Move a registration to `to_status` only if it still has one of `from_statuses`."""
    changed = _run(
        session,
        update(Registration)
        .where(Registration.id == registration.id, Registration.status.in_(from_statuses))
        .values(status=to_status, updated_at=utcnow(), **values),
    )
    session.refresh(registration)
    return changed == 1


# --- sign-up -----------------------------------------------------------------------------


def _check_data(event: Event, data: RegistrationData) -> str:
    for name in ("first_name", "last_name"):
        if not (getattr(data, name) or "").strip():
            raise RuleError(name, _l("This field is required."))
    email = validation.check_email_address(data.email)
    validation.check_attendance_mode(event.format.value, data.attendance_mode.value)
    validation.check_language(data.preferred_language, "preferred_language")
    validation.check_privacy_consent(data.consent_privacy)
    if data.session_ids:
        session = object_session(event)
        allowed = {item.id for item in list_choosable_sessions(session, event)} if session else set()
        if not set(data.session_ids) <= allowed:
            raise RuleError("session_ids", _l("Please choose among the sessions listed."))
    return email


def _organisation_name(session: Session, data: RegistrationData) -> str | None:
    if data.organisation_id is not None:
        organisation = session.get(Organisation, data.organisation_id)
        if organisation is None:
            raise RuleError("organisation_id", _l("Please choose an organisation from the list."))
        return organisation.name
    return (data.organisation_name or "").strip() or None


def register(
    session: Session, event: Event, data: RegistrationData, now: datetime | None = None
) -> RegistrationResult:
    """Register a person; refuses closed, past or full events and broken input.

    A second registration with the same e-mail creates nothing and changes no secret: the
    person's existing link is mailed again. A cancelled registration is taken up again
    (same row and links, a new place by the usual rules). The checks run in the same order
    whether or not the address is known, so the answer does not tell.
    Call begin_write() first on SQLite.
    """
    from eventapp.registrations import mails

    now = now or utcnow()
    _check_open(event, now)
    email = _check_data(event, data)
    organisation_name = _organisation_name(session, data)
    if (
        not event.requires_approval
        and not event.has_waiting_list
        and free_places(event, data.attendance_mode) == 0
    ):
        raise RuleError("attendance_mode", MODE_FULL)
    existing = session.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.email == email)
    )
    if existing is not None:
        return _register_again(session, event, existing, data, organisation_name, now)

    token = new_token()
    registration = Registration(
        event_id=event.id,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        email=email,
        organisation_id=data.organisation_id,
        organisation_name=organisation_name,
        city_id=data.city_id,
        city_other=None if data.city_id else (data.city_other or "").strip() or None,
        participant_type=data.participant_type,
        position=(data.position or "").strip() or None,
        attendance_mode=data.attendance_mode,
        preferred_language=data.preferred_language,
        needs_interpretation=data.needs_interpretation,
        notes=(data.notes or "").strip() or None,
        # Everyone starts as waiting (or pending); the seat is won below, atomically.
        status=RegistrationStatus.PENDING if event.requires_approval else RegistrationStatus.WAITING,
        consent_privacy_at=now,
        consent_listing=data.consent_listing,
        created_at=now,
        updated_at=now,
    )
    _set_tokens(registration, token)
    registration.session_choices = [
        RegistrationSession(session_id=session_id, status=registration.status, created_at=now)
        for session_id in sorted(set(data.session_ids))
    ]
    try:
        with session.begin_nested():
            session.add(registration)
            session.flush()
    except IntegrityError:
        # The same e-mail was registered by a concurrent request a moment ago.
        existing = session.scalar(
            select(Registration).where(Registration.event_id == event.id, Registration.email == email)
        )
        if existing is None:
            raise
        return _register_again(session, event, existing, data, organisation_name, now)

    if not event.requires_approval:
        if _take_event_seat(session, event.id, data.attendance_mode):
            registration.status = RegistrationStatus.CONFIRMED
            _seat_sessions(session, registration)
        elif not event.has_waiting_list:
            raise RuleError("attendance_mode", MODE_FULL)
    session.flush()
    mails.queue_confirmation(session, registration)
    return RegistrationResult(registration=registration, token=token, is_new=True)


def _register_again(
    session: Session, event: Event, registration: Registration, data: RegistrationData,
    organisation_name: str | None, now: datetime,
) -> RegistrationResult:
    """The same e-mail again: a cancelled registration comes back, any other (rejected ones
    stay rejected: the organisers decided) gets its unchanged link by mail."""
    from eventapp.registrations import mails

    if registration.status == RegistrationStatus.CANCELLED and _revive(
        session, event, registration, data, organisation_name, now
    ):
        variant = mails.REGISTERED_AGAIN
    else:
        variant = mails.LINK_AGAIN
    mails.queue_confirmation(session, registration, variant=variant)
    return RegistrationResult(registration=registration, token=get_manage_token(registration), is_new=False)


def _revive(
    session: Session, event: Event, registration: Registration, data: RegistrationData,
    organisation_name: str | None, now: datetime,
) -> bool:
    """Take a cancelled registration up again with the new form's data, keeping its id and
    secrets; False when a concurrent request did so first."""
    from eventapp import audit

    status = RegistrationStatus.PENDING if event.requires_approval else RegistrationStatus.WAITING
    if not _transition(
        session, registration, (RegistrationStatus.CANCELLED,), status,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        organisation_id=data.organisation_id,
        organisation_name=organisation_name,
        city_id=data.city_id,
        city_other=None if data.city_id else (data.city_other or "").strip() or None,
        participant_type=data.participant_type,
        position=(data.position or "").strip() or None,
        attendance_mode=data.attendance_mode,
        preferred_language=data.preferred_language,
        needs_interpretation=data.needs_interpretation,
        notes=(data.notes or "").strip() or None,
        consent_privacy_at=now,
        consent_listing=data.consent_listing,
        # At the end of the waiting list, like anyone who registers now.
        created_at=now,
        feed_sequence=Registration.feed_sequence + 2,
    ):
        return False
    registration.session_choices.clear()
    session.flush()
    registration.session_choices.extend(
        RegistrationSession(session_id=session_id, status=status, created_at=now)
        for session_id in sorted(set(data.session_ids))
    )
    session.flush()
    if not event.requires_approval:
        if _take_event_seat(session, event.id, data.attendance_mode):
            registration.status = RegistrationStatus.CONFIRMED
            _seat_sessions(session, registration)
        elif not event.has_waiting_list:
            raise RuleError("attendance_mode", MODE_FULL)
    session.flush()
    # The person, not an organiser, did this: no actor; no name or e-mail in the log.
    audit.record(
        session, None, "registration.register_again", "registration", registration.id,
        event_id=event.id, changes={"status": [RegistrationStatus.CANCELLED, registration.status]},
    )
    return True


def _seat_sessions(session: Session, registration: Registration) -> None:
    """Give a confirmed registration places in its chosen sessions, or the sessions' waiting list."""
    for choice in registration.session_choices:
        if choice.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED):
            continue
        if _take_session_seat(session, registration.event_id, choice.session_id):
            choice.status = RegistrationStatus.CONFIRMED
        else:
            choice.status = RegistrationStatus.WAITING
    session.flush()


def _unseat_sessions(session: Session, registration: Registration, status: RegistrationStatus) -> list[int]:
    """Free the session places a registration holds; returns the sessions that got a free place."""
    freed = []
    for choice in registration.session_choices:
        if choice.status == RegistrationStatus.CONFIRMED:
            _release_session_seat(session, registration.event_id, choice.session_id)
            freed.append(choice.session_id)
        choice.status = status
    session.flush()
    return freed


# --- what an action changed for each person ------------------------------------------


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


# --- promotion ---------------------------------------------------------------------------


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
        if _is_postgresql(session):
            query = query.with_for_update(skip_locked=True)
        candidate_id = session.scalar(query)
        if candidate_id is None or not _take_event_seat(session, event_id, mode):
            if own:
                changes.queue_mails(session)
            return promoted
        candidate = session.get(Registration, candidate_id)
        if candidate is not None:
            changes.watch(candidate)
        if candidate is None or not _transition(
            session, candidate, (RegistrationStatus.WAITING,), RegistrationStatus.CONFIRMED
        ):
            _release_event_seat(session, event_id, mode)
            skipped.add(candidate_id)
            continue
        _seat_sessions(session, candidate)
        promoted.append(candidate)


def _promote_session_waiting(session: Session, event_id: int, session_id: int, changes: StatusChanges) -> None:
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
        if choice is None or not _take_session_seat(session, event_id, session_id):
            return
        changes.watch(choice.registration)
        choice.status = RegistrationStatus.CONFIRMED
        session.flush()


def _after_release(session: Session, registration: Registration, freed_sessions: list[int],
                   freed_mode: AttendanceMode | None, changes: StatusChanges) -> list[Registration]:
    promoted = []
    if freed_mode is not None:
        promoted = promote_waiting_list(session, registration.event_id, freed_mode, changes)
    for session_id in freed_sessions:
        _promote_session_waiting(session, registration.event_id, session_id, changes)
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
        _promote_session_waiting(session, event.id, session_id, changes)
    changes.queue_mails(session)


# --- participant actions -----------------------------------------------------------------


def cancel_registration(session: Session, registration: Registration) -> list[Registration]:
    """Cancel a registration, free its places and promote the waiting list; refuses inactive ones.

    Returns the people promoted into the freed place.
    """
    changes = StatusChanges()
    changes.watch(registration)
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    if not _transition(session, registration, ACTIVE_STATUSES, RegistrationStatus.CANCELLED):
        raise RuleError("status", NOT_ACTIVE)
    freed_mode = None
    if was_confirmed:
        _release_event_seat(session, registration.event_id, registration.attendance_mode)
        freed_mode = registration.attendance_mode
    freed = _unseat_sessions(session, registration, RegistrationStatus.CANCELLED)
    promoted = _after_release(session, registration, freed, freed_mode, changes)
    changes.queue_mails(session)
    return promoted


def delete_registration(session: Session, registration: Registration) -> None:
    """Delete a person's registration and its mails (privacy), freeing any place it held."""
    if registration.status in ACTIVE_STATUSES:
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        if _transition(session, registration, ACTIVE_STATUSES, RegistrationStatus.CANCELLED):
            freed_mode = None
            if was_confirmed:
                _release_event_seat(session, registration.event_id, registration.attendance_mode)
                freed_mode = registration.attendance_mode
            freed = _unseat_sessions(session, registration, RegistrationStatus.CANCELLED)
            # The person deleted hears nothing (their data is gone); those moved up do.
            changes = StatusChanges()
            _after_release(session, registration, freed, freed_mode, changes)
            changes.queue_mails(session)
    session.execute(delete(OutboxMail).where(OutboxMail.registration_id == registration.id))
    session.delete(registration)
    session.flush()


def change_attendance_mode(
    session: Session, registration: Registration, mode: AttendanceMode
) -> Registration:
    """Switch between on-site and online; refuses modes the event lacks or that are full."""
    event = registration.event
    validation.check_attendance_mode(event.format.value, mode.value)
    old_mode = registration.attendance_mode
    if mode == old_mode:
        return registration
    changes = StatusChanges()
    changes.watch(registration)
    if registration.status == RegistrationStatus.CONFIRMED:
        if not _take_event_seat(session, event.id, mode):
            raise RuleError("attendance_mode", MODE_FULL)
        if not _transition(
            session, registration, (RegistrationStatus.CONFIRMED,), RegistrationStatus.CONFIRMED,
            attendance_mode=mode,
        ):
            _release_event_seat(session, event.id, mode)
            raise RuleError("status", NOT_ACTIVE)
        _release_event_seat(session, event.id, old_mode)
        promote_waiting_list(session, event.id, old_mode, changes)
    elif registration.status == RegistrationStatus.WAITING:
        if _take_event_seat(session, event.id, mode):
            if not _transition(
                session, registration, (RegistrationStatus.WAITING,), RegistrationStatus.CONFIRMED,
                attendance_mode=mode,
            ):
                _release_event_seat(session, event.id, mode)
                raise RuleError("status", NOT_ACTIVE)
            _seat_sessions(session, registration)
        else:
            registration.attendance_mode = mode
    elif registration.status == RegistrationStatus.PENDING:
        registration.attendance_mode = mode
    else:
        raise RuleError("status", NOT_ACTIVE)
    registration.updated_at = utcnow()
    session.flush()
    changes.queue_mails(session)
    return registration


def change_sessions(session: Session, registration: Registration, session_ids: list[int]) -> Registration:
    """Replace the session choices; a full session puts the person on its waiting list."""
    if registration.status not in ACTIVE_STATUSES:
        raise RuleError("status", NOT_ACTIVE)
    allowed = {item.id for item in choosable_sessions(registration.event)}
    wanted = set(session_ids)
    if not wanted <= allowed:
        raise RuleError("session_ids", _l("Please choose among the sessions listed."))
    changes = StatusChanges()
    changes.watch(registration)
    freed = []
    for choice in list(registration.session_choices):
        if choice.session_id in wanted:
            continue
        if choice.status == RegistrationStatus.CONFIRMED:
            _release_session_seat(session, registration.event_id, choice.session_id)
            freed.append(choice.session_id)
        registration.session_choices.remove(choice)
    present = {choice.session_id for choice in registration.session_choices}
    now = utcnow()
    # A confirmed person's new choice waits until _seat_sessions wins it a seat below
    # (created as confirmed, it would be skipped there and overbook the session).
    status = RegistrationStatus.WAITING if registration.status == RegistrationStatus.CONFIRMED else registration.status
    for session_id in sorted(wanted - present):
        registration.session_choices.append(
            RegistrationSession(session_id=session_id, status=status, created_at=now)
        )
    session.flush()
    if registration.status == RegistrationStatus.CONFIRMED:
        _seat_sessions(session, registration)
    for session_id in freed:
        _promote_session_waiting(session, registration.event_id, session_id, changes)
    registration.updated_at = now
    session.flush()
    changes.queue_mails(session)
    return registration


# --- organiser actions -------------------------------------------------------------------


def approve_registration(session: Session, registration: Registration) -> Registration:
    """Approve a pending registration: confirmed when a place is free, else waiting."""
    event = registration.event
    if registration.status != RegistrationStatus.PENDING:
        raise RuleError("status", _l("Only registrations awaiting approval can be approved."))
    changes = StatusChanges()
    changes.watch(registration)
    if _take_event_seat(session, event.id, registration.attendance_mode):
        if not _transition(session, registration, (RegistrationStatus.PENDING,), RegistrationStatus.CONFIRMED):
            _release_event_seat(session, event.id, registration.attendance_mode)
            raise RuleError("status", NOT_ACTIVE)
        _seat_sessions(session, registration)
    elif event.has_waiting_list:
        if not _transition(session, registration, (RegistrationStatus.PENDING,), RegistrationStatus.WAITING):
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
    if not _transition(
        session, registration,
        (RegistrationStatus.PENDING, RegistrationStatus.WAITING), RegistrationStatus.REJECTED,
    ):
        raise RuleError("status", _l("Only pending or waiting registrations can be rejected."))
    _unseat_sessions(session, registration, RegistrationStatus.REJECTED)
    changes.queue_mails(session)
    return registration


def promote_registration(session: Session, registration: Registration) -> Registration:
    """Move a waiting person up now; refuses when no place is free."""
    if registration.status != RegistrationStatus.WAITING:
        raise RuleError("status", _l("Only people on the waiting list can be moved up."))
    changes = StatusChanges()
    changes.watch(registration)
    if not _take_event_seat(session, registration.event_id, registration.attendance_mode):
        raise RuleError("status", NO_SEAT)
    if not _transition(session, registration, (RegistrationStatus.WAITING,), RegistrationStatus.CONFIRMED):
        _release_event_seat(session, registration.event_id, registration.attendance_mode)
        raise RuleError("status", NOT_ACTIVE)
    _seat_sessions(session, registration)
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
    first = _run(
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
    rows = session.execute(
        select(
            Registration.status,
            Registration.attendance_mode,
            Registration.participant_type,
            Registration.city_id,
            Registration.city_other,
            Registration.checked_in_at.is_not(None),
            func.count(),
        )
        .where(Registration.event_id == event.id)
        .group_by(
            Registration.status,
            Registration.attendance_mode,
            Registration.participant_type,
            Registration.city_id,
            Registration.city_other,
            Registration.checked_in_at.is_not(None),
        )
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


# --- privacy -----------------------------------------------------------------------------


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
        _run(
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
