"""Every change of what a participant holds reaches them as exactly one mail, in their
language, saying what changed; delivered through the real outbox to a real SMTP server."""
from dataclasses import replace
from datetime import datetime

from icalendar import Calendar
from sqlalchemy import select

from eventapp.models import AttendanceMode, Registration, RegistrationStatus, SessionKind
from eventapp.registrations import organiser, seats, services
from tests.factories import make_session
from tests.outbox.smtp import attachments, html_body
from tests.registrations.mail_support import deliver, last_id, queued, text_body
from tests.registrations.support import csrf_token, open_event, sign_up
from tests.registrations.test_routes import login_organiser

# 14 January 2027, 10:00-12:00 Berlin: 17:00-19:00 Beijing.
VISIT_TIMES = ("14.01.2027, 10:00–12:00 Berlin (UTC+1)", "14.01.2027, 17:00–19:00 Peking (UTC+8)")


def visit(session, event, title, capacity=1, hour=10):
    return make_session(
        session, event, kind=SessionKind.SITE_VISIT, capacity=capacity,
        title={"de": title, "en": title, "zh": title},
        starts_local=datetime(2027, 1, 14, hour), ends_local=datetime(2027, 1, 14, hour + 2),
    )


def by_recipient(messages):
    return {message["To"]: message for message in messages}


def test_mode_change_by_participant_mails_old_and_new_mode_in_german(session, smtp_server):
    event = open_event(session, capacity_onsite=5, capacity_online=5)
    person = sign_up(session, event, "a@example.org", preferred_language="de")
    before = last_id(session)
    services.change_attendance_mode(session, person.registration, AttendanceMode.ONLINE)
    assert queued(session, before) == [("a@example.org", "registration_changed")]
    [message] = deliver(session, smtp_server, before)
    text = text_body(message)
    assert message["Subject"] == f"{event.title_i18n['de']}: Ihre Anmeldung wurde geändert"
    assert "Teilnahme: Vor Ort → Online\n" in text
    assert "Ihre Anmeldung wurde geändert." in text
    assert "data-change=\"mode\"" in html_body(message)
    # The calendar does not depend on the mode: nothing to attach.
    assert attachments(message) == {}


def test_mode_change_of_waiting_person_who_wins_a_place_mails_once(session, smtp_server):
    event = open_event(session, capacity_onsite=1, capacity_online=1)
    sign_up(session, event, "a@example.org")
    waiting = sign_up(session, event, "b@example.org", preferred_language="zh")
    before = last_id(session)
    services.change_attendance_mode(session, waiting.registration, AttendanceMode.ONLINE)
    assert queued(session, before) == [("b@example.org", "status_confirmed")]
    [message] = deliver(session, smtp_server, before)
    text = text_body(message)
    assert ("参加方式：现场参加 → 线上参加" in text, "状态：已确认" in text) == (True, True)
    assert list(attachments(message)) == [f"{event.slug}.ics"]


def test_mode_change_frees_a_place_and_promotes_the_next_person(session, smtp_server):
    event = open_event(session, capacity_onsite=1, capacity_online=5)
    first = sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org", preferred_language="de")
    before = last_id(session)
    services.change_attendance_mode(session, first.registration, AttendanceMode.ONLINE)
    assert queued(session, before) == [
        ("a@example.org", "registration_changed"), ("b@example.org", "status_confirmed")]
    messages = by_recipient(deliver(session, smtp_server, before))
    promoted = text_body(messages["b@example.org"])
    assert "Ein Platz ist frei geworden: Sie sind von der Warteliste nachgerückt." in promoted
    assert list(attachments(messages["b@example.org"])) == [f"{event.slug}.ics"]


def test_session_change_mails_the_leaver_and_the_person_moved_up(session, smtp_server):
    event = open_event(session)
    excursion = visit(session, event, "Hafenbesichtigung")
    leaver = sign_up(session, event, "a@example.org", preferred_language="en", session_ids=[excursion.id])
    sign_up(session, event, "b@example.org", preferred_language="de", session_ids=[excursion.id])
    before = last_id(session)
    services.change_sessions(session, leaver.registration, [])
    assert queued(session, before) == [
        ("a@example.org", "registration_changed"), ("b@example.org", "registration_changed")]
    messages = by_recipient(deliver(session, smtp_server, before))
    left, won = text_body(messages["a@example.org"]), text_body(messages["b@example.org"])
    assert "* Hafenbesichtigung: You no longer have a place.\n" in left
    assert ("* Hafenbesichtigung: Ein Platz ist frei geworden: Sie sind von der Warteliste nachgerückt.\n"
            f"    {VISIT_TIMES[0]}\n    {VISIT_TIMES[1]}\n") in won
    # Both calendars change: the visit leaves one and enters the other.
    for message in messages.values():
        assert list(attachments(message)) == [f"{event.slug}.ics"]
    calendar = Calendar.from_ical(attachments(messages["b@example.org"])[f"{event.slug}.ics"])
    summaries = [str(item["SUMMARY"]) for item in calendar.walk("VEVENT")]
    assert "Hafenbesichtigung" in summaries


def test_adding_a_full_session_says_waiting_list_in_chinese(session, smtp_server):
    event = open_event(session)
    excursion = visit(session, event, "港口参观")
    sign_up(session, event, "a@example.org", session_ids=[excursion.id])
    person = sign_up(session, event, "b@example.org", preferred_language="zh")
    before = last_id(session)
    services.change_sessions(session, person.registration, [excursion.id])
    session.refresh(excursion)
    assert ([c.status.value for c in person.registration.session_choices], excursion.taken) == (["waiting"], 1)
    [message] = deliver(session, smtp_server, before)
    text = text_body(message)
    assert "* 港口参观：名额已满：您在候补名单上。\n" in text
    assert ("柏林" in text, "北京" in text) == (True, True)
    assert attachments(message) == {}


def test_event_and_two_sessions_won_by_one_cancel_come_in_one_mail(session, smtp_server):
    event = open_event(session, capacity_onsite=1)
    morning, afternoon = visit(session, event, "Werk A"), visit(session, event, "Werk B", hour=14)
    leaver = sign_up(session, event, "a@example.org", session_ids=[morning.id, afternoon.id])
    sign_up(session, event, "b@example.org", preferred_language="en", session_ids=[morning.id, afternoon.id])
    before = last_id(session)
    promoted = services.cancel_registration(session, leaver.registration)
    assert [r.email for r in promoted] == ["b@example.org"]
    assert queued(session, before) == [("a@example.org", "status_cancelled"), ("b@example.org", "status_confirmed")]
    message = by_recipient(deliver(session, smtp_server, before))["b@example.org"]
    text = text_body(message)
    assert "A place has become free: you have moved up from the waiting list." in text
    assert "* Werk A: You have a place.\n" in text and "* Werk B: You have a place.\n" in text


def test_two_session_places_won_by_one_cancel_come_in_one_mail(session, smtp_server):
    event = open_event(session, capacity_onsite=5)
    morning, afternoon = visit(session, event, "Werk A"), visit(session, event, "Werk B", hour=14)
    leaver = sign_up(session, event, "a@example.org", session_ids=[morning.id, afternoon.id])
    sign_up(session, event, "b@example.org", preferred_language="en", session_ids=[morning.id, afternoon.id])
    before = last_id(session)
    services.cancel_registration(session, leaver.registration)
    assert queued(session, before) == [("a@example.org", "status_cancelled"),
                                       ("b@example.org", "registration_changed")]
    message = by_recipient(deliver(session, smtp_server, before))["b@example.org"]
    text = text_body(message)
    assert text.count("A place has become free: you have moved up from the waiting list.") == 2
    assert ("* Werk A:" in text, "* Werk B:" in text) == (True, True)


def test_capacity_raised_by_three_promotes_three_people_with_one_mail_each(session, smtp_server):
    event = open_event(session, capacity_onsite=1)
    for number in range(5):
        sign_up(session, event, f"p{number}@example.org", preferred_language=("de", "en", "zh")[number % 3])
    event.capacity_onsite = 4
    session.flush()
    before = last_id(session)
    promoted = seats.fill_event_places(session, event)
    assert [r.email for r in promoted] == ["p1@example.org", "p2@example.org", "p3@example.org"]
    assert queued(session, before) == [
        ("p1@example.org", "status_confirmed"), ("p2@example.org", "status_confirmed"),
        ("p3@example.org", "status_confirmed")]
    subjects = [message["Subject"] for message in deliver(session, smtp_server, before)]
    title = event.title_i18n
    assert subjects == [f"{title['en']}: Confirmed", f"{title['de']}：已确认", f"{title['de']}: Bestätigt"]
    assert seats.fill_event_places(session, event) == []
    assert queued(session, before)[3:] == []


def test_session_capacity_raised_in_a_release_mails_each_person_moved_up(session, smtp_server):
    from eventapp.agenda import services as agenda_services

    event = open_event(session)
    excursion = visit(session, event, "Werk A")
    for number in range(5):
        sign_up(session, event, f"p{number}@example.org", session_ids=[excursion.id])
    data = replace(agenda_services.data_from_session(excursion), capacity=4)
    agenda_services.save_session(session, event, data, None, key=f"s{excursion.id}")
    before = last_id(session)
    agenda_services.release_agenda(session, event, None, language="en")
    assert queued(session, before) == [(f"p{number}@example.org", "registration_changed") for number in (1, 2, 3)]
    statuses = [choice.status for number in range(5)
                for choice in session.scalars(select(Registration).where(
                    Registration.email == f"p{number}@example.org")).one().session_choices]
    assert statuses == [RegistrationStatus.CONFIRMED] * 4 + [RegistrationStatus.WAITING]


def test_event_capacity_raised_in_the_edit_form_promotes(session, client):
    from tests.manage.test_event_routes import form_data, post

    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org")
    sign_up(session, event, "c@example.org")
    login_organiser(session, client, event)
    before = last_id(session)
    response = post(client, f"/manage/events/{event.slug}/edit", form_data(
        slug=event.slug, starts_local="2027-01-14T09:00", ends_local="2027-01-14T17:00",
        registration_opens_local="", registration_closes_local="", capacity_onsite="2"))
    assert (response.status_code, queued(session, before)) == (302, [("b@example.org", "status_confirmed")])


def test_approve_reject_and_promote_each_mail_once_in_the_persons_language(session, smtp_server):
    event = open_event(session, capacity_onsite=1, requires_approval=True)
    first = sign_up(session, event, "a@example.org", preferred_language="zh")
    second = sign_up(session, event, "b@example.org", preferred_language="de")
    third = sign_up(session, event, "c@example.org", preferred_language="en")
    before = last_id(session)
    organiser.approve_registration(session, first.registration)
    organiser.approve_registration(session, second.registration)
    organiser.reject_registration(session, third.registration)
    assert queued(session, before) == [("a@example.org", "status_confirmed"), ("b@example.org", "status_waiting"),
                                       ("c@example.org", "status_rejected")]
    event.capacity_onsite = 2
    session.flush()
    organiser.promote_registration(session, second.registration)
    assert queued(session, before)[3:] == [("b@example.org", "status_confirmed")]
    subjects = [message["Subject"] for message in deliver(session, smtp_server, before)]
    title = event.title_i18n
    assert subjects == [f"{title['de']}：已确认", f"{title['de']}: Warteliste", f"{title['en']}: Rejected",
                        f"{title['de']}: Bestätigt"]


def test_rejection_of_waiting_person_attaches_the_calendar_that_cancels(session, smtp_server):
    event = open_event(session, capacity_onsite=0)
    waiting = sign_up(session, event, "a@example.org", preferred_language="en")
    before = last_id(session)
    organiser.reject_registration(session, waiting.registration)
    [message] = deliver(session, smtp_server, before)
    calendar = Calendar.from_ical(attachments(message)[f"{event.slug}.ics"])
    assert {str(item["STATUS"]) for item in calendar.walk("VEVENT")} == {"CANCELLED"}


def test_nothing_changed_queues_nothing(session):
    event = open_event(session)
    excursion = visit(session, event, "Werk A", capacity=5)
    person = sign_up(session, event, "a@example.org", session_ids=[excursion.id])
    before = last_id(session)
    services.change_attendance_mode(session, person.registration, AttendanceMode.ONSITE)
    services.change_sessions(session, person.registration, [excursion.id])
    assert seats.fill_event_places(session, event) == []
    assert queued(session, before) == []


def test_mail_is_part_of_the_change_and_rolls_back_with_it(session):
    event = open_event(session, capacity_onsite=5, capacity_online=5)
    person = sign_up(session, event, "a@example.org")
    session.commit()
    before = last_id(session)
    services.change_attendance_mode(session, person.registration, AttendanceMode.ONLINE)
    session.rollback()
    assert (queued(session, before), person.registration.attendance_mode) == ([], AttendanceMode.ONSITE)


def test_change_page_delivers_the_mail_right_away(session, client, smtp_server):
    event = open_event(session)
    excursion = visit(session, event, "Werk A", capacity=5)
    person = sign_up(session, event, "a@example.org", preferred_language="en")
    session.commit()
    before = len(smtp_server.inbox.messages)
    path = f"/registrations/{person.token}/"
    response = client.post(f"{path}sessions", data={
        "csrf_token": csrf_token(client, path), "session_ids": [str(excursion.id)]})
    assert response.status_code == 302
    messages = smtp_server.inbox.wait_for(before + 1)
    assert "* Werk A: You have a place.\n" in text_body(messages[-1])


def test_status_mail_queued_before_changes_were_recorded_still_renders(session):
    from eventapp.outbox.services import queue_rendered_later, render

    event = open_event(session)
    person = sign_up(session, event, "a@example.org", preferred_language="en")
    mail = queue_rendered_later(
        session, kind="status_confirmed", recipient="a@example.org", language="en",
        renderer_name="status", context={"status": "confirmed"}, registration_id=person.registration.id)
    rendered = render(session, mail)
    assert (rendered.subject, rendered.attachment.filename) == (f"{event.title_i18n['en']}: Confirmed",
                                                                f"{event.slug}.ics")
    assert "Your registration has changed." not in rendered.body_text
