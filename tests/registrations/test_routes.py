import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from eventapp.models import (
    AttendanceMode,
    AuditEntry,
    EventFormat,
    OutboxMail,
    Registration,
    RegistrationStatus,
    SessionKind,
)
from eventapp.registrations import organiser, services, tokens
from eventapp.virtual.services import join_token_for
from tests.factories import make_user
from tests.registrations.support import csrf_token, open_event, post_registration, sign_up

SCRIPT = '<script>alert("x")</script><b>bold</b>'


def login_organiser(session, client, event):
    make_user(session, email="office@example.org", password="correct horse battery", manages=[event])
    session.commit()
    token = csrf_token(client, "/auth/login")
    response = client.post(
        "/auth/login",
        data={"email": "office@example.org", "password": "correct horse battery", "csrf_token": token},
    )
    assert response.status_code == 302


def test_form_shows_in_interface_language(session, client):
    event = open_event(session)
    session.commit()
    body = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert ("First name" in body, 'name="website"' in body) == (True, True)


def test_post_registers_and_queues_mail(session, client):
    event = open_event(session)
    session.commit()
    response = post_registration(client, event)
    registration = session.scalar(select(Registration))
    mail = session.scalar(select(OutboxMail))
    assert (response.status_code, response.headers["Location"]) == (302, f"/events/{event.slug}/register/sent")
    assert (registration.status, registration.organisation_name, mail.recipient) == (
        RegistrationStatus.CONFIRMED, "Wirtschaftsförderung Solingen", "anna.schmidt@example.org")


def test_post_without_csrf_is_400(session, client):
    event = open_event(session)
    session.commit()
    response = post_registration(client, event, csrf_token="")
    assert (response.status_code, session.scalar(select(func.count()).select_from(Registration))) == (400, 0)


def test_duplicate_answers_the_same_and_creates_nothing(session, client):
    event = open_event(session)
    session.commit()
    first = post_registration(client, event)
    second = post_registration(client, event, first_name="Someone", email="Anna.Schmidt@example.org")
    count = session.scalar(select(func.count()).select_from(Registration))
    mails = session.scalar(select(func.count()).select_from(OutboxMail))
    assert (first.status_code, first.headers["Location"]) == (second.status_code, second.headers["Location"])
    assert (count, mails) == (1, 2)


def test_honeypot_takes_nothing_but_answers_like_success(session, client):
    event = open_event(session)
    session.commit()
    response = post_registration(client, event, website="http://spam.example")
    assert (response.status_code, session.scalar(select(func.count()).select_from(Registration))) == (302, 0)


def test_invalid_email_rerenders_with_message(session, client):
    event = open_event(session)
    session.commit()
    response = post_registration(client, event, email="not-an-address")
    body = response.get_data(as_text=True)
    assert (response.status_code, 'id="email-error"' in body, 'aria-invalid="true"' in body) == (422, True, True)


def test_missing_consent_rerenders_422(session, client):
    event = open_event(session)
    session.commit()
    response = post_registration(client, event, consent_privacy="")
    assert (response.status_code, session.scalar(select(func.count()).select_from(Registration))) == (422, 0)


def test_past_event_says_closed_and_takes_nothing(session, client):
    from datetime import datetime

    event = open_event(session, starts_local=datetime(2020, 1, 14, 9), ends_local=datetime(2020, 1, 14, 17))
    session.commit()
    page = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    response = post_registration(client, event, csrf_token="ignored")
    assert 'data-registration="closed"' in page
    assert "This event is over; registration is closed." in page
    assert session.scalar(select(func.count()).select_from(Registration)) == 0
    assert response.status_code in (400, 409)


def test_full_event_without_waiting_list_says_so(session, client):
    event = open_event(session, capacity_onsite=0, capacity_online=0, has_waiting_list=False)
    session.commit()
    page = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "This event is fully booked." in page


def test_unknown_event_is_404(client):
    assert client.get("/events/no-such-event/register").status_code == 404


def test_rate_limit_applies_to_posts(app, session, client, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_RATE_LIMIT", "2 per minute")
    event = open_event(session)
    session.commit()
    codes = [post_registration(client, event, email=f"p{n}@example.org").status_code for n in range(3)]
    assert codes == [302, 302, 429]


def test_manage_page_shows_status_privately(session, client):
    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    waiting = sign_up(session, event, "b@example.org")
    session.commit()
    response = client.get(f"/registrations/{waiting.token}/?lang=en")
    body = response.get_data(as_text=True)
    assert (response.status_code, response.headers["Cache-Control"]) == (200, "private, no-store")
    assert re.search(r'<main[^>]*data-status="waiting"', body) is not None


def test_manage_page_unknown_token_is_404(client):
    response = client.get("/registrations/" + "x" * 43 + "/")
    assert response.status_code == 404


def test_manage_page_has_qr_code_for_confirmed(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()
    body = client.get(f"/registrations/{result.token}/").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in body
    assert tokens.checkin_code_for(result.token) in body


def test_cancel_frees_place_and_promotes(session, client):
    event = open_event(session, capacity_onsite=1)
    first = sign_up(session, event, "a@example.org")
    second = sign_up(session, event, "b@example.org")
    session.commit()
    path = f"/registrations/{first.token}/"
    token = csrf_token(client, path)
    response = client.post(f"{path}cancel", data={"csrf_token": token, "confirm": "1"})
    session.expire_all()
    assert response.status_code == 302
    assert (first.registration.status, second.registration.status) == (
        RegistrationStatus.CANCELLED, RegistrationStatus.CONFIRMED)
    body = client.get(path).get_data(as_text=True)
    assert re.search(r'<main[^>]*data-status="cancelled"', body) is not None


def test_cancel_without_csrf_is_400(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()
    response = client.post(f"/registrations/{result.token}/cancel")
    assert response.status_code == 400


def test_change_mode_through_page(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()
    path = f"/registrations/{result.token}/"
    response = client.post(f"{path}mode", data={"csrf_token": csrf_token(client, path), "attendance_mode": "online"})
    session.expire_all()
    assert (response.status_code, result.registration.attendance_mode.value, event.taken_online) == (
        302, "online", 1)


def test_delete_removes_registration(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()
    path = f"/registrations/{result.token}/"
    response = client.post(f"{path}delete", data={"csrf_token": csrf_token(client, path), "confirm": "1"})
    assert (response.status_code, session.scalar(select(func.count()).select_from(Registration))) == (302, 0)


def test_personal_feed_is_private_and_cancelled_after_cancel(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()
    feed = f"/calendar/{tokens.feed_token_for(result.token)}.ics"
    before = client.get(feed)
    services.cancel_registration(session, result.registration)
    session.commit()
    after = client.get(feed).get_data(as_text=True)
    assert (before.status_code, before.headers["Cache-Control"].startswith("private")) == (200, True)
    assert ("STATUS:CONFIRMED" in before.get_data(as_text=True), "STATUS:CANCELLED" in after) == (True, True)


def test_personal_feed_unknown_token_is_404(client):
    assert client.get("/calendar/" + "y" * 43 + ".ics").status_code == 404


def test_manage_token_is_not_a_feed_token(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()
    assert client.get(f"/calendar/{result.token}.ics").status_code == 404


def test_organiser_list_needs_sign_in(session, client):
    event = open_event(session)
    session.commit()
    response = client.get(f"/manage/events/{event.slug}/registrations/")
    assert response.status_code == 302


def test_organiser_list_escapes_what_people_typed(session, client):
    event = open_event(session)
    sign_up(session, event, first_name=SCRIPT, last_name=SCRIPT, position=SCRIPT, notes=SCRIPT,
            organisation_name=SCRIPT, city_other=SCRIPT)
    session.commit()
    login_organiser(session, client, event)
    body = client.get(f"/manage/events/{event.slug}/registrations/?lang=en").get_data(as_text=True)
    assert ("<script>alert" in body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body) == (False, True)


def test_organiser_list_counts_and_filters(session, client):
    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org")
    session.commit()
    login_organiser(session, client, event)
    body = client.get(f"/manage/events/{event.slug}/registrations/?status=waiting&lang=en").get_data(as_text=True)
    assert (body.count('data-registration="'), 'data-status="waiting"' in body) == (1, True)


def test_organiser_approves_pending(session, client):
    event = open_event(session, requires_approval=True)
    result = sign_up(session, event)
    session.commit()
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/"
    token = csrf_token(client, path)
    response = client.post(f"{path}{result.registration.id}/approve", data={"csrf_token": token})
    session.expire_all()
    assert (response.status_code, result.registration.status) == (302, RegistrationStatus.CONFIRMED)


def test_organiser_moves_a_participant_online_and_the_next_person_waiting_moves_up(session, client):
    event = open_event(session, capacity_onsite=1, capacity_online=5)
    first = sign_up(session, event, "a@example.org")
    second = sign_up(session, event, "b@example.org")
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/"
    before = session.scalar(select(func.max(OutboxMail.id))) or 0
    body = client.get(f"{path}?lang=en").get_data(as_text=True)
    assert body.count('data-action="online"') == 2  # both hold or wait for an on-site place

    response = client.post(f"{path}{first.registration.id}/online?lang=en",
                           data={"csrf_token": csrf_token(client, path)})

    session.expire_all()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert response.status_code == 302
    assert "Wei Li is now registered to take part online." in page
    assert (first.registration.status, first.registration.attendance_mode.value) == (
        RegistrationStatus.CONFIRMED, "online")
    assert second.registration.status == RegistrationStatus.CONFIRMED
    assert (event.taken_onsite, event.taken_online) == (1, 1)
    mails = session.execute(select(OutboxMail.recipient, OutboxMail.kind)
                            .where(OutboxMail.id > before).order_by(OutboxMail.id)).all()
    assert [tuple(row) for row in mails] == [
        ("a@example.org", "registration_changed"), ("b@example.org", "status_confirmed")]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "registration.mode")).one()
    assert (entry.object_id, entry.changes) == (first.registration.id,
                                                {"attendance_mode": ["onsite", "online"]})


def test_organiser_cannot_move_a_participant_into_a_full_mode(session, client):
    event = open_event(session, capacity_onsite=5, capacity_online=1)
    person = sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org", attendance_mode=AttendanceMode.ONLINE)
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/"

    response = client.post(f"{path}{person.registration.id}/online?lang=en",
                           data={"csrf_token": csrf_token(client, path)})

    session.expire_all()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<p class="flash flash-error">There is no free place for this kind of attendance.</p>' in page
    assert (person.registration.attendance_mode.value, event.taken_onsite, event.taken_online) == (
        "onsite", 1, 1)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.mode")) is None


def test_mode_switch_is_offered_only_for_hybrid_events_and_needs_a_post(session, client):
    event = open_event(session, format=EventFormat.IN_PERSON, capacity_online=None)
    person = sign_up(session, event, "a@example.org")
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/"

    body = client.get(f"{path}?lang=en").get_data(as_text=True)
    asked = client.get(f"{path}{person.registration.id}/online")
    refused = client.post(f"{path}{person.registration.id}/online", data={"csrf_token": csrf_token(client, path)})

    session.expire_all()
    assert ('data-action="online"' in body, 'data-action="onsite"' in body) == (False, False)
    assert (asked.status_code, refused.status_code) == (405, 302)
    assert (person.registration.attendance_mode.value, event.taken_onsite) == ("onsite", 1)



def test_organiser_cannot_move_someone_checked_in_nor_to_the_mode_they_have(session, client):
    event = open_event(session, capacity_onsite=5, capacity_online=5)
    inside = sign_up(session, event, "a@example.org")
    online = sign_up(session, event, "b@example.org", attendance_mode=AttendanceMode.ONLINE)
    organiser.check_in(session, inside.registration)
    session.commit()
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/"

    body = client.get(f"{path}?lang=en").get_data(as_text=True)
    moved_in = client.post(f"{path}{inside.registration.id}/online?lang=en",
                           data={"csrf_token": csrf_token(client, path)})
    same = client.post(f"{path}{online.registration.id}/online?lang=en",
                       data={"csrf_token": csrf_token(client, path)})

    session.expire_all()
    page = client.get(same.headers["Location"]).get_data(as_text=True)
    # Only the online participant may move, and only on site.
    assert (body.count('data-action="online"'), body.count('data-action="onsite"')) == (0, 1)
    assert (moved_in.status_code, same.status_code) == (302, 302)
    assert "cannot be moved to this kind of attendance." in page
    assert (inside.registration.attendance_mode.value, online.registration.attendance_mode.value) == (
        "onsite", "online")
    assert (event.taken_onsite, event.taken_online) == (1, 1)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.mode")) is None

def test_organiser_checks_in_by_qr_code(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/checkin"
    code = tokens.checkin_code_for(result.token)
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "code": code})
    session.expire_all()
    assert (response.status_code, result.registration.checked_in_at is not None) == (302, True)


def test_csv_export_has_bom_and_neutralised_cells(session, client):
    event = open_event(session)
    sign_up(session, event, first_name="=HYPERLINK(\"http://x\")", last_name="+1", position="-2", notes="@SUM(A1)")
    session.commit()
    login_organiser(session, client, event)
    response = client.get(f"/manage/events/{event.slug}/registrations/export.csv?lang=en")
    raw = response.get_data()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert (raw[:3], response.headers["Content-Type"]) == (b"\xef\xbb\xbf", "text/csv; charset=utf-8")
    assert rows[1][2:4] == ["'=HYPERLINK(\"http://x\")", "'+1"]
    assert (rows[1][8], rows[1][12]) == ("'-2", "'@SUM(A1)")


def test_xlsx_export_opens_as_spreadsheet(session, client):
    event = open_event(session)
    sign_up(session, event, first_name="=1+1", last_name="李")
    session.commit()
    login_organiser(session, client, event)
    response = client.get(f"/manage/events/{event.slug}/registrations/export.xlsx?lang=en")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert (sheet["C2"].value, sheet["D2"].value, sheet["E2"].value) == ("'=1+1", "李", "li.wei@example.org")


def test_message_to_filtered_group_goes_through_outbox(session, client):
    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org")
    session.commit()
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/message"
    response = client.post(path, data={
        "csrf_token": csrf_token(client, path), "subject": "Bus at 8:00", "message": SCRIPT,
        "status": "waiting", "attendance_mode": "", "confirm": "1",
    })
    mails = session.scalars(select(OutboxMail).where(OutboxMail.kind == "organiser_message")).all()
    assert (response.status_code, [m.recipient for m in mails]) == (302, ["b@example.org"])
    assert ("<script>" in mails[0].body_html, "&lt;script&gt;" in mails[0].body_html) == (False, True)


def test_confirmation_mail_escapes_html_and_has_ics(session, smtp_server):
    from eventapp.outbox.services import MailSettings, send_due
    from tests.outbox.smtp import attachments, html_body

    event = open_event(session)
    sign_up(session, event, first_name=SCRIPT, last_name=SCRIPT, organisation_name=SCRIPT)
    session.commit()
    send_due(session, MailSettings("127.0.0.1", smtp_server.port, None, None, False, "x@example.org"), "w")
    message = smtp_server.inbox.wait_for(1)[0]
    html = html_body(message)
    assert ("<script>" in html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html) == (False, True)
    assert list(attachments(message)) == [f"{event.slug}.ics"]


def _virtual_session(session, event, **overrides):
    from datetime import datetime

    from eventapp.models import Visibility

    values = dict(is_virtual=True, join_url="https://meet.jit.si/isa-forum-2027",
                  join_visibility=Visibility.PARTICIPANTS,
                  starts_local=datetime(2027, 1, 14, 11), ends_local=datetime(2027, 1, 14, 12))
    values.update(overrides)
    from tests.factories import make_session

    return make_session(session, event, **values)


def test_join_link_redirects_confirmed_participant_and_records_it(session, client):
    event = open_event(session)
    item = _virtual_session(session, event)
    result = sign_up(session, event)
    session.commit()
    response = client.get(f"/join/{join_token_for(result.registration)}/{item.id}")
    session.expire_all()
    assert (response.status_code, response.headers["Location"]) == (302, "https://meet.jit.si/isa-forum-2027")
    assert (response.headers["Cache-Control"], result.registration.joined_online_at is not None) == (
        "private, no-store", True)


def test_join_link_refused_to_waiting_person_with_a_clear_page(session, client):
    event = open_event(session, capacity_onsite=0)
    item = _virtual_session(session, event)
    result = sign_up(session, event)
    session.commit()
    response = client.get(f"/join/{join_token_for(result.registration)}/{item.id}")
    assert (response.status_code, response.get_data(as_text=True).count('data-join-refused="not_confirmed"')) == (403, 1)


def test_join_link_waits_for_reveal_time(session, client):
    event = open_event(session)
    item = _virtual_session(session, event, join_reveal_minutes=15)
    result = sign_up(session, event)
    session.commit()
    response = client.get(f"/join/{join_token_for(result.registration)}/{item.id}")
    assert (response.status_code, response.get_data(as_text=True).count('data-join-refused="waiting"')) == (403, 1)


def test_personal_feed_carries_participant_join_link(session, client):
    event = open_event(session)
    item = _virtual_session(session, event)
    result = sign_up(session, event)
    session.commit()
    feed_token = tokens.feed_token_for(result.token)
    body = client.get(f"/calendar/{feed_token}.ics").get_data(as_text=True).replace("\r\n ", "")
    assert f"https://events.example.org/join/{join_token_for(result.registration)}/{item.id}" in body
    assert f"/join/{feed_token}/" not in body
    assert "meet.jit.si" not in body


@pytest.mark.parametrize("people", [1, 3])
def test_organiser_list_query_count_is_fixed(session, client, count_queries, people):
    from tests.factories import make_session

    event = open_event(session)
    visit = make_session(session, event, kind=SessionKind.SITE_VISIT, capacity=10)
    for number in range(people):
        sign_up(session, event, f"p{number}@example.org", session_ids=[visit.id])
    session.commit()
    login_organiser(session, client, event)
    count_queries.statements.clear()
    response = client.get(f"/manage/events/{event.slug}/registrations/")
    assert (response.status_code, count_queries.count) == (200, 9)  # 9th: the assignment check


def test_post_with_existing_organisation_and_member_city(session, client):
    from eventapp.models import Organisation, OrganisationKind
    from tests.factories import make_city

    city = make_city(session, name_i18n={"de": "Solingen", "en": "Solingen", "zh": "索林根"})
    organisation = Organisation(name="Wirtschaftsförderung Solingen", kind=OrganisationKind.AGENCY)
    session.add(organisation)
    event = open_event(session)
    session.commit()
    page = client.get(f"/events/{event.slug}/register?lang=zh").get_data(as_text=True)
    response = post_registration(client, event, organisation_id=str(organisation.id), organisation_name="",
                                 city_id=str(city.id), city_other="")
    registration = session.scalar(select(Registration))
    assert ("索林根" in page, response.status_code) == (True, 302)
    assert (registration.organisation_id, registration.city_id, registration.city_other) == (
        organisation.id, city.id, None)
