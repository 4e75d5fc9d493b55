"""A second check-in says when the person was checked in first, and keeps that time."""
from datetime import UTC, datetime

from eventapp.registrations import organiser, tokens
from tests.registrations.support import csrf_token, open_event, sign_up
from tests.registrations.test_routes import login_organiser


def test_second_check_in_says_when_and_keeps_the_first_time(session, client, time_machine):
    event = open_event(session)
    person = sign_up(session, event)
    session.commit()
    time_machine.move_to(datetime(2027, 1, 14, 8, 12, tzinfo=UTC), tick=False)
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/checkin"
    code = tokens.checkin_code_for(person.token)
    first = client.post(f"{path}?lang=en", data={"csrf_token": csrf_token(client, path), "code": code},
                        follow_redirects=True).get_data(as_text=True)
    time_machine.move_to(datetime(2027, 1, 14, 9, 40, tzinfo=UTC), tick=False)
    second = client.post(f"{path}?lang=en", data={"csrf_token": csrf_token(client, path), "code": code},
                         follow_redirects=True).get_data(as_text=True)
    session.expire_all()
    assert ("Checked in: Wei Li" in first, "Already checked in" in first) == (True, False)
    assert "Already checked in at 09:12 Berlin (UTC+1): Wei Li" in second
    assert person.registration.checked_in_at == datetime(2027, 1, 14, 8, 12, tzinfo=UTC)


def test_second_check_in_from_the_list_says_when(session, client, time_machine):
    event = open_event(session)
    person = sign_up(session, event)
    session.commit()
    time_machine.move_to(datetime(2027, 1, 14, 8, 12, tzinfo=UTC), tick=False)
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/"
    action = f"{path}{person.registration.id}/checkin?lang=en"
    client.post(action, data={"csrf_token": csrf_token(client, path)})
    time_machine.move_to(datetime(2027, 1, 15, 9, 0, tzinfo=UTC), tick=False)
    body = client.post(action, data={"csrf_token": csrf_token(client, path)},
                       follow_redirects=True).get_data(as_text=True)
    session.expire_all()
    assert "Already checked in at Jan 14, 2027 09:12 Berlin (UTC+1): Wei Li" in body
    assert person.registration.checked_in_at == datetime(2027, 1, 14, 8, 12, tzinfo=UTC)


def test_check_in_service_reports_a_repeat(session):
    event = open_event(session)
    person = sign_up(session, event)
    first_time = datetime(2027, 1, 14, 8, 12, tzinfo=UTC)
    first = organiser.check_in(session, person.registration, first_time)
    second = organiser.check_in(session, person.registration, datetime(2027, 1, 14, 9, 0, tzinfo=UTC))
    assert (first.is_repeat, second.is_repeat, person.registration.checked_in_at) == (False, True, first_time)
