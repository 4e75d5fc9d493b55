import csv
import io
import re

import pytest
from sqlalchemy import select

from eventapp.models import AuditEntry, SessionAttendance, UserRole, Visibility
from eventapp.registrations.services import cancel_registration
from eventapp.registrations.tokens import feed_token_for
from eventapp.virtual.services import join_token_for
from tests.factories import make_event, make_user
from tests.manage.test_routes import sign_in
from tests.registrations.support import csrf_token, sign_up
from tests.virtual.support import AFTER, BEFORE, DURING, ZOOM, virtual_event, virtual_item

# Attendance page: user, event, assignment, sessions, attendances, registrations
# (organisations and cities add one query each only when some registration names one).
QUERIES = 6


def _participant(session, **item_overrides):
    event = virtual_event(session)
    item = virtual_item(session, event, **item_overrides)
    result = sign_up(session, event)
    session.commit()
    return event, item, result


def test_join_refuses_the_feed_token(session, client, time_machine):
    _event, item, result = _participant(session)
    time_machine.move_to(DURING, tick=False)
    response = client.get(f"/join/{feed_token_for(result.token)}/{item.id}")
    assert (response.status_code, ZOOM in response.get_data(as_text=True)) == (404, False)
    assert session.scalars(select(SessionAttendance)).all() == []


def test_join_refuses_the_manage_token_and_huge_ids(session, client, time_machine):
    _event, item, result = _participant(session)
    time_machine.move_to(DURING, tick=False)
    token = join_token_for(result.registration)
    assert [client.get(path).status_code for path in (
        f"/join/{result.token}/{item.id}", f"/join/{token}/{2**31}", f"/join/{token}/99999999999999999999",
    )] == [404, 404, 404]


def test_join_before_during_and_after_the_window(session, client, time_machine):
    _event, item, result = _participant(session)
    path = f"/join/{join_token_for(result.registration)}/{item.id}"
    time_machine.move_to(BEFORE, tick=False)
    before = client.get(path)
    time_machine.move_to(DURING, tick=False)
    during = client.get(path)
    time_machine.move_to(AFTER, tick=False)
    after = client.get(path)
    before_html, after_html = before.get_data(as_text=True), after.get_data(as_text=True)
    assert (before.status_code, during.status_code, during.headers["Location"], after.status_code) == (
        403, 302, ZOOM, 403)
    assert ('data-join-refused="waiting"' in before_html, "10:45 Berlin (UTC+1)" in before_html,
            'data-join-refused="ended"' in after_html, ZOOM in before_html + after_html) == (
        True, True, True, False)
    session.expire_all()
    row = session.scalars(select(SessionAttendance)).one()
    assert (row.registration_id, row.join_count, row.first_joined_at) == (result.registration.id, 1, DURING)


def test_join_refuses_cancelled_registration_with_a_clear_page(session, client, time_machine):
    _event, item, result = _participant(session)
    cancel_registration(session, result.registration)
    session.commit()
    time_machine.move_to(DURING, tick=False)
    response = client.get(f"/join/{join_token_for(result.registration)}/{item.id}?lang=en")
    body = response.get_data(as_text=True)
    assert (response.status_code, 'data-join-refused="not_confirmed"' in body,
            "Your registration is not active." in body, ZOOM in body) == (403, True, True, False)


def test_join_channel_redirects_to_the_stored_channel_only(session, client, time_machine):
    channel = {"language": "zh", "label": "中文", "url": "https://zoom.us/j/5550001111?lang=zh"}
    _event, item, result = _participant(session, join_channels=[channel])
    time_machine.move_to(DURING, tick=False)
    token = join_token_for(result.registration)
    found = client.get(f"/join/{token}/{item.id}/zh")
    missing = client.get(f"/join/{token}/{item.id}/de")
    assert (found.status_code, found.headers["Location"], missing.status_code) == (302, channel["url"], 404)


def test_public_join_route_only_inside_the_window(session, client, time_machine):
    event = virtual_event(session, slug="offen")
    item = virtual_item(session, event, join_visibility=Visibility.PUBLIC)
    session.commit()
    path = f"/events/offen/sessions/{item.id}/join"
    statuses = []
    for moment in (BEFORE, DURING, AFTER):
        time_machine.move_to(moment, tick=False)
        response = client.get(path)
        statuses.append((response.status_code, response.headers.get("Location")))
    assert statuses == [(404, None), (302, ZOOM), (404, None)]


def _join_block(html, item_id):
    match = re.search(rf'<div class="join join-(\w+)" data-join-phase="\w+" id="join-{item_id}">(.*?)</div>', html, re.S)
    return match.group(1), match.group(2)


def test_event_page_cache_changes_at_reveal_and_end(session, client, time_machine):
    event = virtual_event(session, slug="live")
    public = virtual_item(session, event, join_visibility=Visibility.PUBLIC, title={"de": "Offen", "en": "Public"},
                          recording_url="https://video.example.org/rec/1", recording_visibility=Visibility.PUBLIC)
    members = virtual_item(session, event, title={"de": "Intern", "en": "Members"})
    session.commit()
    pages = {}
    for name, moment in (("before", BEFORE), ("during", DURING), ("after", AFTER)):
        time_machine.move_to(moment, tick=False)
        first = client.get("/events/live/?lang=en")
        again = client.get("/events/live/?lang=en", headers={"If-None-Match": first.headers["ETag"]})
        html = first.get_data(as_text=True)
        pages[name] = (first.headers["ETag"], again.status_code, _join_block(html, public.id)[0],
                       _join_block(html, members.id)[0], f'href="/events/live/sessions/{public.id}/join"' in html,
                       "https://video.example.org/rec/1" in html, ZOOM in html)
    assert len({etag for etag, *_rest in pages.values()}) == 3
    assert [values[1:] for values in pages.values()] == [
        (304, "waiting", "waiting", False, False, False),
        (304, "open", "open", True, False, False),
        (304, "ended", "ended", False, True, False),
    ]


def test_session_page_shows_countdown_in_both_zones(session, client, time_machine):
    event = virtual_event(session, slug="zeiten")
    item = virtual_item(session, event)
    session.commit()
    time_machine.move_to(BEFORE, tick=False)
    html = client.get(f"/events/zeiten/sessions/{item.id}/?lang=en").get_data(as_text=True)
    assert ("Join link opens at 10:45 Berlin (UTC+1) / 17:45 Beijing (UTC+8)" in html,
            'data-countdown-to="2027-01-14T09:45:00+00:00"' in html, ZOOM in html) == (True, True, False)


def test_manage_page_shows_countdown_then_button_and_webcal(session, client, time_machine):
    _event, item, result = _participant(session, join_passcode="4711")
    path = f"/registrations/{result.token}/?lang=en"
    time_machine.move_to(BEFORE, tick=False)
    before = client.get(path).get_data(as_text=True)
    time_machine.move_to(DURING, tick=False)
    during = client.get(path).get_data(as_text=True)
    join_href = f'href="/join/{join_token_for(result.registration)}/{item.id}"'
    assert (_join_block(before, item.id)[0], join_href in before, "4711" in before) == ("waiting", False, False)
    assert (_join_block(during, item.id)[0], join_href in during, "4711" in during, ZOOM in during) == (
        "open", True, True, False)
    assert f'href="webcal://events.example.org/calendar/{feed_token_for(result.token)}.ics"' in during


def test_personal_feed_shows_link_once_revealed_and_changes_etag(session, client, time_machine):
    _event, item, result = _participant(session)
    path = f"/calendar/{feed_token_for(result.token)}.ics"
    time_machine.move_to(BEFORE, tick=False)
    before = client.get(path)
    time_machine.move_to(DURING, tick=False)
    stale = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    during = client.get(path)
    link = f"https://events.example.org/join/{join_token_for(result.registration)}/{item.id}"
    before_body = before.get_data(as_text=True).replace("\r\n ", "")
    during_body = during.get_data(as_text=True).replace("\r\n ", "")
    assert (link in before_body, "CONFERENCE" in before_body, stale.status_code) == (False, False, 200)
    assert "CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=" in during_body
    assert (re.search(r"CONFERENCE;[^:]*:(\S+)", during_body).group(1), ZOOM in during_body,
            f"/join/{feed_token_for(result.token)}/" in during_body) == (link, False, False)


def _organiser_setup(session, assigned=True):
    event, item, result = _participant(session)
    user = make_user(session, email="office@example.org", role=UserRole.ORGANISER,
                     manages=[event] if assigned else [])
    session.commit()
    return event, item, result, user


def test_attendance_page_requires_sign_in_and_assignment(session, client):
    event, item, _result, _user = _organiser_setup(session, assigned=False)
    anonymous = client.get(f"/manage/events/{event.slug}/attendance")
    sign_in(client, "office@example.org")
    paths = (f"/manage/events/{event.slug}/attendance", f"/manage/events/{event.slug}/attendance.csv",
             f"/manage/events/{event.slug}/video", f"/manage/events/{event.slug}/sessions/{item.id}/video")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/auth/login")
    assert [client.get(path).status_code for path in paths] == [403, 403, 403, 403]


def test_attendance_page_and_csv_show_who_joined(session, client, time_machine):
    event, item, result, _user = _organiser_setup(session)
    other = sign_up(session, event, email="x@example.org", organisation_name="=cmd|calc").registration
    session.commit()
    time_machine.move_to(DURING, tick=False)
    client.get(f"/join/{join_token_for(result.registration)}/{item.id}")
    client.get(f"/join/{join_token_for(other)}/{item.id}")
    client.get(f"/join/{join_token_for(other)}/{item.id}")
    sign_in(client, "office@example.org")
    html = client.get(f"/manage/events/{event.slug}/attendance?lang=en").get_data(as_text=True)
    response = client.get(f"/manage/events/{event.slug}/attendance.csv?lang=en")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert re.search(rf'id="attendance-{item.id}" data-count="(\d+)"', html).group(1) == "2"
    assert "2 people joined" in html
    assert [(row[1], row[3], row[5], row[8]) for row in rows[1:]] == [
        ("Wei Li", "unknown", "unknown", "1"), ("Wei Li", "'=cmd|calc", "unknown", "2")]
    assert rows[0][0] == "Session"


def test_session_video_page_saves_at_once_with_audit(session, client):
    event, item, _result, _user = _organiser_setup(session)
    sign_in(client, "office@example.org")
    path = f"/manage/events/{event.slug}/sessions/{item.id}/video"
    token = csrf_token(client, path)
    bad = client.post(path, data={"csrf_token": token, "url": "http://zoom.us/j/1", "visibility": "participants",
                                  "recording_visibility": "participants"})
    good = client.post(path, data={
        "csrf_token": token, "url": "https://meeting.dingtalk.com/j/77", "visibility": "public",
        "reveal_minutes": "30", "passcode": "9911", "channel_de_url": "https://meeting.dingtalk.com/j/78",
        "channel_de_label": "Deutsch", "recording_url": "https://video.example.org/r",
        "recording_visibility": "public"})
    session.expire_all()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "session.video")).one()
    assert (bad.status_code, good.status_code) == (422, 302)
    assert (item.join_url, item.join_platform.value, item.join_visibility, item.join_reveal_minutes,
            item.join_channels, item.recording_url) == (
        "https://meeting.dingtalk.com/j/77", "dingtalk", Visibility.PUBLIC, 30,
        [{"language": "de", "label": "Deutsch", "url": "https://meeting.dingtalk.com/j/78"}],
        "https://video.example.org/r")
    assert (entry.object_id, "9911" in str(entry.changes)) == (item.id, False)


def test_event_video_page_sets_the_default_link(session, client):
    event, _item, _result, _user = _organiser_setup(session)
    sign_in(client, "office@example.org")
    path = f"/manage/events/{event.slug}/video"
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       "url": "https://voovmeeting.com/dm/1", "visibility": "participants",
                                       "reveal_minutes": "10"})
    session.expire_all()
    assert (response.status_code, event.default_join_url, event.default_join_platform.value,
            event.default_join_reveal_minutes) == (302, "https://voovmeeting.com/dm/1", "tencent_meeting", 10)


def test_video_page_of_another_events_session_is_404(session, client):
    event, _item, _result, _user = _organiser_setup(session)
    stranger = virtual_item(session, make_event(session, slug="fremd"))
    session.commit()
    sign_in(client, "office@example.org")
    assert client.get(f"/manage/events/{event.slug}/sessions/{stranger.id}/video").status_code == 404


def test_archive_shows_public_recordings_only(session, client, time_machine):
    event = virtual_event(session, slug="vorbei")
    virtual_item(session, event, title={"de": "Offen", "en": "Open talk"}, recording_url="https://video.example.org/open",
                 slides_url="https://video.example.org/open.pdf", recording_visibility=Visibility.PUBLIC)
    virtual_item(session, event, title={"de": "Zu", "en": "Closed talk"}, recording_url="https://video.example.org/closed",
                 recording_visibility=Visibility.PARTICIPANTS)
    session.commit()
    time_machine.move_to("2027-01-20T12:00:00+00:00", tick=False)
    html = client.get("/events/vorbei/?lang=en").get_data(as_text=True)
    section = html[html.index('class="archive-section"'):]
    assert ("https://video.example.org/open" in section, "https://video.example.org/open.pdf" in section,
            "https://video.example.org/closed" in html) == (True, True, False)


def test_public_session_routes_answer_404_for_ids_beyond_integer_range(session, client):
    virtual_event(session, slug="gross")
    session.commit()
    paths = ("/events/gross/sessions/99999999999/", "/events/gross/sessions/99999999999.ics",
             "/events/gross/sessions/99999999999/join", "/events/gross/sessions/2147483648/")
    assert [client.get(path).status_code for path in paths] == [404, 404, 404, 404]


@pytest.mark.parametrize("people", [1, 3])
def test_attendance_page_query_count_is_fixed(session, client, count_queries, time_machine, people):
    event, item, result, _user = _organiser_setup(session)
    registrations = [result.registration] + [
        sign_up(session, event, email=f"p{number}@example.org", organisation_name=f"Org {number}").registration
        for number in range(people - 1)
    ]
    session.commit()
    time_machine.move_to(DURING, tick=False)
    for registration in registrations:
        client.get(f"/join/{join_token_for(registration)}/{item.id}")
    sign_in(client, "office@example.org")
    count_queries.statements.clear()
    response = client.get(f"/manage/events/{event.slug}/attendance")
    assert (response.status_code, count_queries.count) == (200, QUERIES)


def test_join_wait_page_shows_the_session_in_both_zones(session, client, time_machine):
    _event, item, result = _participant(session)
    time_machine.move_to(BEFORE, tick=False)

    body = client.get(f"/join/{join_token_for(result.registration)}/{item.id}?lang=en").get_data(as_text=True)

    times = re.search(r'<p class="join-session-times">(.*?)</p>', body, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", times).split()) == (
        "Jan 14, 2027, 11:00–12:00 Berlin (UTC+1) / 18:00–19:00 Beijing (UTC+8)")
    assert "10:45 Berlin (UTC+1) / 17:45 Beijing (UTC+8)" in body
