from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from eventapp.database import begin_write
from eventapp.models import (
    AttendanceMode,
    Event,
    EventFormat,
    OutboxMail,
    Registration,
    RegistrationStatus,
    SessionKind,
)
from eventapp.registrations import organiser, purge, services, tokens
from eventapp.rules.errors import RuleError
from tests.factories import make_session
from tests.registrations.support import open_event, sign_up


def statuses(session, event):
    rows = session.execute(
        select(Registration.email, Registration.status)
        .where(Registration.event_id == event.id)
        .order_by(Registration.id)
    ).all()
    return [(email, status.value) for email, status in rows]


def test_register_confirms_while_places_are_free(session):
    event = open_event(session, capacity_onsite=1)
    result = sign_up(session, event, "a@example.org")
    session.commit()
    assert (result.registration.status, result.is_new, event.taken_onsite) == (
        RegistrationStatus.CONFIRMED, True, 1)


def test_register_puts_people_on_waiting_list_when_full(session):
    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    second = sign_up(session, event, "b@example.org")
    session.commit()
    assert (second.registration.status, event.taken_onsite) == (RegistrationStatus.WAITING, 1)


def test_register_refuses_when_full_without_waiting_list(session):
    event = open_event(session, capacity_onsite=1, has_waiting_list=False)
    sign_up(session, event, "a@example.org")
    with pytest.raises(RuleError) as caught:
        sign_up(session, event, "b@example.org")
    assert caught.value.field == "attendance_mode"


def test_register_waits_for_approval_when_moderated(session):
    event = open_event(session, requires_approval=True)
    result = sign_up(session, event)
    assert (result.registration.status, event.taken_onsite) == (RegistrationStatus.PENDING, 0)


def test_register_raises_event_version(session):
    event = open_event(session)
    session.commit()
    before = event.version
    sign_up(session, event)
    session.commit()
    assert event.version == before + 1


def test_register_refuses_onsite_at_virtual_event(session):
    event = open_event(session, format=EventFormat.VIRTUAL)
    with pytest.raises(RuleError) as caught:
        sign_up(session, event, attendance_mode=AttendanceMode.ONSITE)
    assert caught.value.field == "attendance_mode"


def test_register_refuses_past_event(session):
    event = open_event(session, starts_local=datetime(2020, 1, 14, 9), ends_local=datetime(2020, 1, 14, 17))
    with pytest.raises(RuleError) as caught:
        sign_up(session, event)
    with force_locale("en"):
        assert str(caught.value) == "This event is over; registration is closed."


def test_register_refuses_without_privacy_consent(session):
    event = open_event(session)
    with pytest.raises(RuleError) as caught:
        sign_up(session, event, consent_privacy=False)
    assert caught.value.field == "consent_privacy"


def test_register_stores_only_token_hash(session):
    event = open_event(session)
    result = sign_up(session, event)
    assert (len(result.token) >= 43, result.registration.token_hash) == (
        True, tokens.hash_token(result.token))
    assert tokens.get_registration_by_token(session, result.token) is result.registration


def test_duplicate_email_creates_nothing_and_keeps_link(session):
    event = open_event(session)
    first = sign_up(session, event, "Li.Wei@Example.org")
    hashes = (first.registration.token_hash, first.registration.feed_token_hash, first.registration.checkin_hash)
    second = sign_up(session, event, "li.wei@example.org", first_name="Other")
    session.commit()
    count = session.scalar(select(func.count()).select_from(Registration))
    kinds = list(session.scalars(select(OutboxMail.kind).order_by(OutboxMail.id)))
    assert (count, second.is_new, second.registration.id, second.registration.first_name) == (
        1, False, first.registration.id, "Wei")
    assert kinds == ["registration", "registration_reminder"]
    assert (second.token, tokens.get_registration_by_token(session, first.token)) == (
        first.token, first.registration)
    assert (second.registration.token_hash, second.registration.feed_token_hash,
            second.registration.checkin_hash) == hashes
    assert event.taken_onsite == 1


def test_cancel_promotes_waiting_list_in_order_of_arrival(session):
    event = open_event(session, capacity_onsite=1)
    first = sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org")
    sign_up(session, event, "c@example.org")
    promoted = services.cancel_registration(session, first.registration)
    session.commit()
    assert [r.email for r in promoted] == ["b@example.org"]
    assert statuses(session, event) == [
        ("a@example.org", "cancelled"), ("b@example.org", "confirmed"), ("c@example.org", "waiting")]
    assert event.taken_onsite == 1


def test_cancel_of_waiting_person_frees_no_place(session):
    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    waiting = sign_up(session, event, "b@example.org")
    assert services.cancel_registration(session, waiting.registration) == []
    assert event.taken_onsite == 1


def test_cancel_twice_is_refused(session):
    event = open_event(session)
    result = sign_up(session, event)
    services.cancel_registration(session, result.registration)
    with pytest.raises(RuleError):
        services.cancel_registration(session, result.registration)
    assert event.taken_onsite == 0


def test_cancel_queues_mail_to_promoted_person(session):
    event = open_event(session, capacity_onsite=1)
    first = sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org")
    services.cancel_registration(session, first.registration)
    rows = session.execute(select(OutboxMail.recipient, OutboxMail.kind).order_by(OutboxMail.id)).all()
    assert [tuple(row) for row in rows][2:] == [
        ("a@example.org", "status_cancelled"), ("b@example.org", "status_confirmed")]


def test_change_mode_moves_the_place(session):
    event = open_event(session, capacity_onsite=1, capacity_online=5)
    first = sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org")
    services.change_attendance_mode(session, first.registration, AttendanceMode.ONLINE)
    session.commit()
    assert (event.taken_onsite, event.taken_online) == (1, 1)
    assert statuses(session, event) == [("a@example.org", "confirmed"), ("b@example.org", "confirmed")]


def test_change_mode_refused_when_target_full(session):
    event = open_event(session, capacity_onsite=5, capacity_online=0, has_waiting_list=False)
    first = sign_up(session, event, "a@example.org")
    with pytest.raises(RuleError):
        services.change_attendance_mode(session, first.registration, AttendanceMode.ONLINE)
    assert (first.registration.attendance_mode, event.taken_onsite, event.taken_online) == (
        AttendanceMode.ONSITE, 1, 0)


def test_session_limit_puts_second_person_on_session_waiting_list(session):
    event = open_event(session)
    visit = make_session(session, event, kind=SessionKind.SITE_VISIT, capacity=1)
    first = sign_up(session, event, "a@example.org", session_ids=[visit.id])
    second = sign_up(session, event, "b@example.org", session_ids=[visit.id])
    assert [c.status.value for c in first.registration.session_choices] == ["confirmed"]
    assert [c.status.value for c in second.registration.session_choices] == ["waiting"]
    services.change_sessions(session, first.registration, [])
    session.commit()
    session.refresh(second.registration)
    assert ([c.status.value for c in second.registration.session_choices], visit.taken) == (["confirmed"], 1)


def test_confirmed_person_adding_a_full_session_waits_for_it(session):
    event = open_event(session)
    visit = make_session(session, event, kind=SessionKind.SITE_VISIT, capacity=1)
    sign_up(session, event, "a@example.org", session_ids=[visit.id])
    second = sign_up(session, event, "b@example.org")
    services.change_sessions(session, second.registration, [visit.id])
    session.refresh(visit)
    assert ([c.status.value for c in second.registration.session_choices], visit.taken) == (["waiting"], 1)


def test_session_choice_outside_event_is_refused(session):
    event = open_event(session)
    other = open_event(session)
    visit = make_session(session, other, kind=SessionKind.SITE_VISIT, capacity=3)
    with pytest.raises(RuleError) as caught:
        sign_up(session, event, session_ids=[visit.id])
    assert caught.value.field == "session_ids"


def test_approve_confirms_or_waits(session):
    event = open_event(session, capacity_onsite=1, requires_approval=True)
    first = sign_up(session, event, "a@example.org")
    second = sign_up(session, event, "b@example.org")
    organiser.approve_registration(session, first.registration)
    organiser.approve_registration(session, second.registration)
    assert statuses(session, event) == [("a@example.org", "confirmed"), ("b@example.org", "waiting")]


def test_promote_refused_without_free_place(session):
    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    waiting = sign_up(session, event, "b@example.org")
    with pytest.raises(RuleError):
        organiser.promote_registration(session, waiting.registration)
    event.capacity_onsite = 2
    session.flush()
    organiser.promote_registration(session, waiting.registration)
    assert (waiting.registration.status, event.taken_onsite) == (RegistrationStatus.CONFIRMED, 2)


def test_reject_waiting_person(session):
    event = open_event(session, capacity_onsite=0)
    waiting = sign_up(session, event)
    organiser.reject_registration(session, waiting.registration)
    assert waiting.registration.status == RegistrationStatus.REJECTED


def test_check_in_only_confirmed(session):
    event = open_event(session, capacity_onsite=1)
    confirmed = sign_up(session, event, "a@example.org")
    waiting = sign_up(session, event, "b@example.org")
    moment = datetime(2027, 1, 14, 8, 30, tzinfo=UTC)
    organiser.check_in(session, confirmed.registration, moment)
    with pytest.raises(RuleError):
        organiser.check_in(session, waiting.registration, moment)
    assert confirmed.registration.checked_in_at == moment


def test_checkin_code_finds_registration_of_same_event_only(session):
    event = open_event(session)
    other = open_event(session)
    result = sign_up(session, event)
    code = tokens.checkin_code_for(result.token)
    assert tokens.get_registration_by_checkin_code(session, event, code) is result.registration
    assert tokens.get_registration_by_checkin_code(session, other, code) is None


def test_delete_registration_frees_place_and_removes_row(session):
    event = open_event(session, capacity_onsite=1)
    first = sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org")
    services.delete_registration(session, first.registration)
    session.commit()
    assert statuses(session, event) == [("b@example.org", "confirmed")]
    assert session.scalar(
        select(func.count()).select_from(OutboxMail).where(OutboxMail.recipient == "a@example.org")) == 0


def test_purge_removes_personal_data_and_keeps_counts(session):
    old = open_event(session, starts_local=datetime(2027, 1, 14, 9), ends_local=datetime(2027, 1, 14, 17))
    sign_up(session, old, "a@example.org", notes="vegetarian")
    sign_up(session, old, "b@example.org", attendance_mode=AttendanceMode.ONLINE)
    newer = open_event(session, starts_local=datetime(2027, 3, 1, 9), ends_local=datetime(2027, 3, 1, 17))
    kept = sign_up(session, newer, "c@example.org")
    session.commit()
    purged = purge.purge_registrations(session, datetime(2027, 2, 1, tzinfo=UTC))
    session.commit()
    rows = session.execute(
        select(Registration.first_name, Registration.email, Registration.notes, Registration.attendance_mode)
        .where(Registration.event_id == old.id).order_by(Registration.id)
    ).all()
    counts = organiser.count_registrations(session, old, "en")
    assert purged == 2
    assert [(r[0], r[1].startswith("purged-"), r[2], r[3].value) for r in rows] == [
        ("", True, None, "onsite"), ("", True, None, "online")]
    assert (counts.total, counts.by_mode) == (2, {"onsite": 1, "online": 1})
    assert kept.registration.email == "c@example.org"


def test_counts_by_status_mode_type_and_city(session):
    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org", city_other="Guiyang")
    counts = organiser.count_registrations(session, event, "en")
    assert (counts.by_status, counts.by_mode, counts.by_type, counts.by_city) == (
        {"confirmed": 1, "waiting": 1}, {"onsite": 2}, {"economic_development_agency": 2},
        [("Foshan", 1), ("Guiyang", 1)])


def test_version_not_lowered_by_orm_after_raw_update(session):
    event = open_event(session)
    session.commit()
    sign_up(session, event)
    event.venue_name = "Rathaus"
    session.commit()
    assert session.scalar(select(Event.version).where(Event.id == event.id)) == event.version


def test_write_lock_is_released_when_a_request_aborts(app, session):
    import threading

    from eventapp.extensions import db

    begin_write(session)
    session.remove()  # what Flask-SQLAlchemy does when a request ends with abort(400)
    done = threading.Event()

    def other_writer() -> None:
        with app.app_context():
            begin_write(db.session)
            db.session.rollback()
            db.session.remove()
            done.set()

    thread = threading.Thread(target=other_writer, daemon=True)
    thread.start()
    assert done.wait(timeout=10) is True


def test_person_name_puts_chinese_family_name_first():
    from eventapp.registrations.mails import person_name

    assert (person_name("伟", "李"), person_name("Anna", "Schmidt")) == ("李伟", "Anna Schmidt")
