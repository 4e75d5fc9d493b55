"""Registration by the participant: sign-up (and signing up again), cancel, delete, change
mode or sessions. Seats and waiting lists are in `seats`, secrets in `tokens`, organiser
actions in `organiser`, the privacy purge in `purge`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from eventapp.models import (
    AttendanceMode,
    City,
    Country,
    Event,
    Organisation,
    OrganisationKind,
    OutboxMail,
    Registration,
    RegistrationSession,
    RegistrationStatus,
)
from eventapp.models.base import pick_translation, utcnow
from eventapp.registrations.seats import (
    ACTIVE_STATUSES,
    MODE_FULL,
    NOT_ACTIVE,
    StatusChanges,
    after_release,
    check_open,
    choosable_sessions,
    free_places,
    list_choosable_sessions,
    promote_session_waiting,
    promote_waiting_list,
    release_event_seat,
    release_session_seat,
    seat_sessions,
    take_event_seat,
    transition,
    unseat_sessions,
)
from eventapp.registrations.tokens import get_manage_token, new_token, set_tokens
from eventapp.rules import validation
from eventapp.rules.errors import RuleError


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


def _person_fields(data: RegistrationData, organisation_name: str | None) -> dict[str, object]:
    """What the form says about the person, as the registration stores it (new or taken up again)."""
    return {
        "first_name": data.first_name.strip(),
        "last_name": data.last_name.strip(),
        "organisation_id": data.organisation_id,
        "organisation_name": organisation_name,
        "city_id": data.city_id,
        "city_other": None if data.city_id else (data.city_other or "").strip() or None,
        "participant_type": data.participant_type,
        "position": (data.position or "").strip() or None,
        "attendance_mode": data.attendance_mode,
        "preferred_language": data.preferred_language,
        "needs_interpretation": data.needs_interpretation,
        "notes": (data.notes or "").strip() or None,
    }


def _take_place(session: Session, event: Event, registration: Registration) -> None:
    """Confirm a new (or revived) registration if a seat of its mode is free, with its
    sessions; else it stays waiting, or is refused when the event keeps no waiting list."""
    if not event.requires_approval:
        if take_event_seat(session, event.id, registration.attendance_mode):
            registration.status = RegistrationStatus.CONFIRMED
            seat_sessions(session, registration)
        elif not event.has_waiting_list:
            raise RuleError("attendance_mode", MODE_FULL)
    session.flush()


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
    check_open(event, now)
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
        email=email,
        **_person_fields(data, organisation_name),
        # Everyone starts as waiting (or pending); the seat is won below, atomically.
        status=RegistrationStatus.PENDING if event.requires_approval else RegistrationStatus.WAITING,
        consent_privacy_at=now,
        consent_listing=data.consent_listing,
        created_at=now,
        updated_at=now,
    )
    set_tokens(registration, token)
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

    _take_place(session, event, registration)
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
    if not transition(
        session, registration, (RegistrationStatus.CANCELLED,), status,
        **_person_fields(data, organisation_name),
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
    _take_place(session, event, registration)
    # The person, not an organiser, did this: no actor; no name or e-mail in the log.
    audit.record(
        session, None, "registration.register_again", "registration", registration.id,
        event_id=event.id, changes={"status": [RegistrationStatus.CANCELLED, registration.status]},
    )
    return True


def cancel_registration(session: Session, registration: Registration) -> list[Registration]:
    """Cancel a registration, free its places and promote the waiting list; refuses inactive ones.

    Returns the people promoted into the freed place.
    """
    changes = StatusChanges()
    changes.watch(registration)
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    if not transition(session, registration, ACTIVE_STATUSES, RegistrationStatus.CANCELLED):
        raise RuleError("status", NOT_ACTIVE)
    freed_mode = None
    if was_confirmed:
        release_event_seat(session, registration.event_id, registration.attendance_mode)
        freed_mode = registration.attendance_mode
    freed = unseat_sessions(session, registration, RegistrationStatus.CANCELLED)
    promoted = after_release(session, registration, freed, freed_mode, changes)
    changes.queue_mails(session)
    return promoted


def delete_registration(session: Session, registration: Registration) -> None:
    """Delete a person's registration and its mails (privacy), freeing any place it held."""
    if registration.status in ACTIVE_STATUSES:
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        if transition(session, registration, ACTIVE_STATUSES, RegistrationStatus.CANCELLED):
            freed_mode = None
            if was_confirmed:
                release_event_seat(session, registration.event_id, registration.attendance_mode)
                freed_mode = registration.attendance_mode
            freed = unseat_sessions(session, registration, RegistrationStatus.CANCELLED)
            # The person deleted hears nothing (their data is gone); those moved up do.
            changes = StatusChanges()
            after_release(session, registration, freed, freed_mode, changes)
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
        if not take_event_seat(session, event.id, mode):
            raise RuleError("attendance_mode", MODE_FULL)
        if not transition(
            session, registration, (RegistrationStatus.CONFIRMED,), RegistrationStatus.CONFIRMED,
            attendance_mode=mode,
        ):
            release_event_seat(session, event.id, mode)
            raise RuleError("status", NOT_ACTIVE)
        release_event_seat(session, event.id, old_mode)
        promote_waiting_list(session, event.id, old_mode, changes)
    elif registration.status == RegistrationStatus.WAITING:
        if take_event_seat(session, event.id, mode):
            if not transition(
                session, registration, (RegistrationStatus.WAITING,), RegistrationStatus.CONFIRMED,
                attendance_mode=mode,
            ):
                release_event_seat(session, event.id, mode)
                raise RuleError("status", NOT_ACTIVE)
            seat_sessions(session, registration)
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
            release_session_seat(session, registration.event_id, choice.session_id)
            freed.append(choice.session_id)
        registration.session_choices.remove(choice)
    present = {choice.session_id for choice in registration.session_choices}
    now = utcnow()
    # A confirmed person's new choice waits until seat_sessions wins it a seat below
    # (created as confirmed, it would be skipped there and overbook the session).
    status = RegistrationStatus.WAITING if registration.status == RegistrationStatus.CONFIRMED else registration.status
    for session_id in sorted(wanted - present):
        registration.session_choices.append(
            RegistrationSession(session_id=session_id, status=status, created_at=now)
        )
    session.flush()
    if registration.status == RegistrationStatus.CONFIRMED:
        seat_sessions(session, registration)
    for session_id in freed:
        promote_session_waiting(session, registration.event_id, session_id, changes)
    registration.updated_at = now
    session.flush()
    changes.queue_mails(session)
    return registration
