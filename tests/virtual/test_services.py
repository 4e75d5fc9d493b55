from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from eventapp.models import (
    OutboxMail,
    RegistrationStatus,
    SessionAttendance,
    SessionReminder,
    Visibility,
)
from eventapp.outbox.services import render
from eventapp.registrations.services import cancel_registration
from eventapp.registrations.tokens import feed_token_for
from eventapp.virtual import services
from eventapp.virtual.reminders import queue_due_reminders
from eventapp.virtual.services import ENDED, OPEN, WAITING
from tests.registrations.support import sign_up
from tests.virtual.support import AFTER, BEFORE, DURING, OPENS, ZOOM, virtual_event, virtual_item


@pytest.mark.parametrize(("now", "phase"), [(BEFORE, WAITING), (OPENS, OPEN), (DURING, OPEN), (AFTER, ENDED)])
def test_join_phase_follows_reveal_and_end(session, now, phase):
    item = virtual_item(session, virtual_event(session))
    assert services.join_phase(item.starts_at, item.ends_at, item.join_reveal_minutes, now) == phase


def test_join_link_for_falls_back_to_event_default(session):
    event = virtual_event(session, default_join_url="https://meeting.tencent.com/dm/isa",
                          default_join_visibility=Visibility.PUBLIC, default_join_reveal_minutes=10)
    item = virtual_item(session, event, join_url=None)
    link = services.join_link_for(item)
    assert (link.url, link.platform.value, link.visibility, link.reveal_minutes, link.is_default) == (
        "https://meeting.tencent.com/dm/isa", "tencent_meeting", Visibility.PUBLIC, 10, True)


def test_join_token_is_not_the_feed_token_and_finds_its_registration(session):
    event = virtual_event(session)
    result = sign_up(session, event)
    token = services.join_token_for(result.registration)
    assert token != feed_token_for(result.token)
    assert services.get_registration_by_join_token(session, token) is result.registration
    assert services.get_registration_by_join_token(session, feed_token_for(result.token)) is None
    assert services.get_registration_by_join_token(session, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert services.get_registration_by_join_token(session, "99999999999.x") is None


def test_join_token_survives_a_key_rotation_through_the_fallbacks(app, session):
    event = virtual_event(session)
    result = sign_up(session, event)
    token = services.join_token_for(result.registration)
    old_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-new-and-equally-long-secret-key-0123456789"
    try:
        assert services.get_registration_by_join_token(session, token) is None
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert services.get_registration_by_join_token(session, token) is result.registration
    finally:
        app.config["SECRET_KEY"] = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []


@pytest.mark.parametrize("token", ["².x", "٣.x", "1².x", "-1.x", "0.x", "2147483648.x"])
def test_join_token_with_a_number_that_names_no_row_finds_nothing(session, token):
    assert services.get_registration_by_join_token(session, token) is None


@pytest.mark.parametrize(
    ("status", "reason"),
    [("confirmed", ""), ("waiting", "not_confirmed"), ("cancelled", "not_confirmed")],
)
def test_decide_join_by_registration_status(session, status, reason):
    event = virtual_event(session, capacity_onsite=0 if status == "waiting" else 10)
    item = virtual_item(session, event)
    result = sign_up(session, event)
    if status == "cancelled":
        cancel_registration(session, result.registration)
    decision = services.decide_join(session, result.registration, item.id, DURING)
    assert (result.registration.status.value, decision.url, decision.reason) == (
        status, ZOOM if status == "confirmed" else None, reason)


def test_decide_join_refuses_before_reveal_and_after_end(session):
    event = virtual_event(session)
    item = virtual_item(session, event)
    registration = sign_up(session, event).registration
    before = services.decide_join(session, registration, item.id, BEFORE)
    after = services.decide_join(session, registration, item.id, AFTER)
    assert [(before.url, before.reason, before.opens_at), (after.url, after.reason)] == [
        (None, "waiting", OPENS), (None, "ended")]
    assert session.scalar(select(func.count()).select_from(SessionAttendance)) == 0


def test_decide_join_records_first_and_latest_join(session):
    event = virtual_event(session)
    item = virtual_item(session, event)
    registration = sign_up(session, event).registration
    later = datetime(2027, 1, 14, 10, 50, tzinfo=UTC)
    services.decide_join(session, registration, item.id, DURING)
    services.decide_join(session, registration, item.id, later)
    row = session.scalars(select(SessionAttendance)).one()
    assert (row.first_joined_at, row.last_joined_at, row.join_count) == (DURING, later, 2)


def test_decide_join_unknown_or_organisers_only_is_none(session):
    event = virtual_event(session)
    hidden = virtual_item(session, event, join_visibility=Visibility.ORGANISERS)
    registration = sign_up(session, event).registration
    assert services.decide_join(session, registration, hidden.id, DURING) is None
    assert services.decide_join(session, registration, 2**31 - 1, DURING) is None


def test_participant_join_views_show_countdown_then_button(session):
    event = virtual_event(session)
    item = virtual_item(session, event, join_passcode="4711")
    registration = sign_up(session, event).registration
    token = services.join_token_for(registration)
    with force_locale("en"):
        before = services.participant_join_views(registration, token, "en", BEFORE)[0]
        during = services.participant_join_views(registration, token, "en", DURING)[0]
    assert (before.phase, before.href, before.details, before.opens_label) == (
        WAITING, None, None, "10:45 Berlin (UTC+1) / 17:45 Beijing (UTC+8)")
    assert (during.phase, during.href, during.details.passcode) == (OPEN, f"/join/{token}/{item.id}", "4711")


def test_queue_due_reminders_queues_once_per_registration_and_session(session):
    event = virtual_event(session)
    item = virtual_item(session, event)
    sign_up(session, event, email="a@example.org")
    sign_up(session, event, email="b@example.org")
    sign_up(session, virtual_event(session, slug="other"), email="c@example.org")
    first = queue_due_reminders(session, BEFORE, 60)
    second = queue_due_reminders(session, BEFORE, 60)
    assert (first, second) == (2, 0)
    assert session.scalar(select(func.count()).select_from(SessionReminder)) == 2
    assert session.scalar(select(func.count()).where(OutboxMail.kind == "session_reminder")) == 2
    assert {r.session_id for r in session.scalars(select(SessionReminder))} == {item.id}


def test_queue_due_reminders_waits_until_the_reminder_time(session):
    event = virtual_event(session)
    virtual_item(session, event)
    sign_up(session, event)
    assert queue_due_reminders(session, datetime(2027, 1, 14, 8, 59, tzinfo=UTC), 60) == 0
    assert queue_due_reminders(session, datetime(2027, 1, 14, 9, 0, tzinfo=UTC), 60) == 1


def test_queue_due_reminders_skips_waiting_people(session):
    event = virtual_event(session, capacity_onsite=0)
    virtual_item(session, event)
    result = sign_up(session, event)
    assert (result.registration.status, queue_due_reminders(session, BEFORE, 60)) == (RegistrationStatus.WAITING, 0)


def test_reminder_is_rendered_in_participant_language_with_link_and_both_zones(session, time_machine):
    event = virtual_event(session)
    item = virtual_item(session, event)
    registration = sign_up(session, event, preferred_language="en").registration
    queue_due_reminders(session, BEFORE, 60)
    mail = session.scalars(select(OutboxMail).where(OutboxMail.kind == "session_reminder")).one()
    time_machine.move_to(BEFORE, tick=False)
    content = render(session, mail)
    link = f"https://events.example.org/join/{services.join_token_for(registration)}/{item.id}"
    assert content.subject == "Starting soon: Online panel"
    assert ("11:00 Berlin (UTC+1) / 18:00 Beijing (UTC+8)" in content.body_text,
            f"Join online: {link}" in content.body_text,
            "10:45 Berlin (UTC+1) / 17:45 Beijing (UTC+8)" in content.body_text,
            ZOOM in content.body_text) == (True, True, True, False)


def test_list_attendance_counts_by_organisation_city_and_country(session):
    event = virtual_event(session)
    item = virtual_item(session, event)
    for email, organisation in (("a@example.org", "Stadt Solingen"), ("b@example.org", "Stadt Solingen"),
                                ("c@example.org", "Foshan Investment")):
        registration = sign_up(session, event, email=email, organisation_name=organisation).registration
        services.decide_join(session, registration, item.id, DURING)
    report = services.list_attendance(session, event, "en")[0]
    assert (report.count, report.by_organisation, report.by_city) == (
        3, [("Stadt Solingen", 2), ("Foshan Investment", 1)], [("Foshan", 3)])


def test_update_session_video_refuses_http_and_records_audit_without_passcode(session):
    from eventapp.models import AuditEntry

    event = virtual_event(session)
    item = virtual_item(session, event)
    with pytest.raises(Exception) as caught:
        services.update_session_video(session, None, item, services.VideoData(url="http://zoom.us/j/1"))
    assert caught.value.field == "url"
    services.update_session_video(session, None, item, services.VideoData(
        url="https://vc.feishu.cn/j/42", visibility=Visibility.PUBLIC, passcode="geheim",
        channels=[{"language": "zh", "label": "中文", "url": "https://vc.feishu.cn/j/43"}]))
    entry = session.scalars(select(AuditEntry)).one()
    assert (item.join_platform.value, item.join_channels[0]["url"], entry.action,
            entry.changes["join_passcode"], "geheim" in str(entry.changes)) == (
        "feishu", "https://vc.feishu.cn/j/43", "session.video", ["…", "…"], False)
