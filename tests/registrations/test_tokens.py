"""A person's secrets survive repeated sign-ups, come back after a cancellation, never wait
in the outbox in plain text, and stay readable after a SECRET_KEY rotation."""
import re
from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import (
    AttendanceMode,
    AuditEntry,
    MailStatus,
    OutboxMail,
    Registration,
    RegistrationStatus,
)
from eventapp.models.base import utcnow
from eventapp.outbox.services import MailSettings, render, send_due
from eventapp.registrations import organiser, services, tokens
from eventapp.registrations.sealing import SIGN_IN_MAX_AGE, seal_token
from eventapp.rules.errors import RuleError
from eventapp.virtual.services import get_registration_by_join_token, join_token_for
from tests.outbox.smtp import html_body, text_body
from tests.registrations.support import csrf_token, open_event, post_registration, sign_up

MANAGE_RE = re.compile(r"https://events\.example\.org/registrations/(?!sign-in/)([A-Za-z0-9_-]+)/")
SIGN_IN_RE = re.compile(r"https://events\.example\.org/(registrations/sign-in/[A-Za-z0-9_.-]+)")
CSRF_VALUE_RE = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


def settings(smtp_server):
    return MailSettings("127.0.0.1", smtp_server.port, None, None, False, "events@example.org")


def secrets_of(token):
    return {
        "manage": token,
        "feed": tokens.feed_token_for(token),
        "checkin": tokens.checkin_code_for(token),
    }


def outbox_text(session):
    """Every column of every outbox row, as one text."""
    session.expire_all()
    columns = OutboxMail.__table__.columns
    return "\n".join(
        str(getattr(mail, column.key)) for mail in session.scalars(select(OutboxMail)) for column in columns
    )


def links_seen(client, token):
    """What the person's links answer: manage page, feed, QR code on the page."""
    manage = client.get(f"/registrations/{token}/?lang=en")
    feed = client.get(f"/calendar/{tokens.feed_token_for(token)}.ics")
    return (
        manage.status_code,
        tokens.checkin_code_for(token) in manage.get_data(as_text=True),
        feed.status_code,
        feed.headers.get("ETag"),
    )


def event_component(feed_body):
    calendar = icalendar.Calendar.from_ical(feed_body)
    return next(item for item in calendar.walk("VEVENT") if str(item["UID"]).startswith("event-"))


# --- repeated sign-up --------------------------------------------------------------------


def test_repeated_sign_up_keeps_every_link_working(session, client):
    event = open_event(session)
    session.commit()
    first = post_registration(client, event, email="anna@example.org")
    registration = session.scalar(select(Registration))
    token = tokens.get_manage_token(registration)
    join_before = join_token_for(registration)
    before = links_seen(client, token)
    second = post_registration(client, event, email="Anna@Example.org", first_name="Mallory")
    session.expire_all()
    registration = session.scalar(select(Registration))
    assert (first.status_code, second.status_code, second.headers["Location"]) == (
        302, 302, first.headers["Location"])
    assert before == (200, True, 200, before[3])
    assert links_seen(client, token) == before
    assert (join_token_for(registration), get_registration_by_join_token(session, join_before)) == (
        join_before, registration)
    assert (registration.first_name, session.scalar(select(func.count()).select_from(Registration))) == ("Anna", 1)


def test_repeated_sign_up_mails_the_same_link(session, client, smtp_server):
    event = open_event(session)
    session.commit()
    post_registration(client, event, email="anna@example.org", preferred_language="en")
    post_registration(client, event, email="anna@example.org", preferred_language="en")
    # Each request hands its mail to its own background sender: arrival order may vary.
    bodies = sorted((text_body(m) for m in smtp_server.inbox.wait_for(2)), key=lambda b: "same as before" in b)
    first_links, second_links = (MANAGE_RE.findall(body) for body in bodies)
    assert (len(first_links), second_links) == (1, first_links)
    assert ["it is the same as before" in body for body in bodies] == [False, True]
    assert tokens.get_registration_by_token(session, second_links[0]) is not None


def test_no_outbox_row_holds_a_secret_before_or_after_sending(session, smtp_server):
    event = open_event(session, capacity_onsite=1)
    first = sign_up(session, event, "a@example.org")
    waiting = sign_up(session, event, "b@example.org")
    sign_up(session, event, "a@example.org")  # the link again
    services.cancel_registration(session, waiting.registration)
    sign_up(session, event, "b@example.org")  # registered again
    tokens.renew_manage_token(session, first.registration)
    session.commit()
    renewed = tokens.get_manage_token(first.registration)
    # Rendered at send time: every mail to a@ carries the renewed link, none the first.
    secrets = [*secrets_of(first.token).values(), *secrets_of(renewed).values(),
               *secrets_of(waiting.token).values()]
    before = outbox_text(session)
    sent, failed = send_due(session, settings(smtp_server), "worker")
    messages = smtp_server.inbox.wait_for(sent)
    after = outbox_text(session)
    delivered = "\n".join(text_body(m) + html_body(m) for m in messages)
    # b@'s cancellation is not sent: b@ registered again before the outbox ran.
    assert (sent, failed) == (5, 1)
    assert [secret for secret in secrets if secret in before or secret in after] == []
    assert (first.token in delivered, delivered.count(renewed), waiting.token in delivered) == (False, 6, True)


# --- registering again after a cancellation ------------------------------------------------


def test_cancelled_person_registers_again_with_the_same_links(session, client):
    event = open_event(session)
    result = sign_up(session, event, "a@example.org", first_name="Wei")
    session.commit()
    feed = f"/calendar/{tokens.feed_token_for(result.token)}.ics"
    confirmed = event_component(client.get(feed).get_data())
    services.cancel_registration(session, result.registration)
    session.commit()
    cancelled = event_component(client.get(feed).get_data())
    again = sign_up(session, event, "a@example.org", first_name="Wei2", attendance_mode=AttendanceMode.ONLINE)
    session.commit()
    revived = event_component(client.get(feed).get_data())
    registration = again.registration
    assert (again.is_new, again.token, registration.id, registration.status, registration.first_name) == (
        False, result.token, result.registration.id, RegistrationStatus.CONFIRMED, "Wei2")
    assert (str(confirmed["STATUS"]), str(cancelled["STATUS"]), str(revived["STATUS"])) == (
        "CONFIRMED", "CANCELLED", "CONFIRMED")
    assert int(revived["SEQUENCE"]) > int(cancelled["SEQUENCE"]) > int(confirmed["SEQUENCE"])
    assert (event.taken_onsite, event.taken_online) == (0, 1)
    assert client.get(f"/registrations/{result.token}/").status_code == 200


def test_own_cancellation_and_return_raise_dtstamp_with_sequence(session, client, time_machine):
    event = open_event(session)
    result = sign_up(session, event, "a@example.org")
    session.commit()
    feed = f"/calendar/{tokens.feed_token_for(result.token)}.ics"

    def stamps():
        calendar = icalendar.Calendar.from_ical(client.get(feed).get_data())
        return {(str(item["UID"]).split("-")[0], int(item["SEQUENCE"]), item["DTSTAMP"].dt,
                 item["LAST-MODIFIED"].dt) for item in calendar.walk("VEVENT")}

    confirmed = stamps()
    time_machine.move_to(utcnow() + timedelta(hours=2))
    services.cancel_registration(session, result.registration)
    session.commit()
    cancelled_at = result.registration.updated_at.replace(microsecond=0)
    cancelled = stamps()
    time_machine.move_to(utcnow() + timedelta(hours=2))
    sign_up(session, event, "a@example.org")
    session.commit()
    back_at = result.registration.updated_at.replace(microsecond=0)
    returned = stamps()

    assert all(stamp < cancelled_at for _kind, _sequence, stamp, _modified in confirmed)
    for before, after, moment in ((confirmed, cancelled, cancelled_at), (cancelled, returned, back_at)):
        # Every item of the event: stamped at the person's change, with a higher SEQUENCE.
        assert {(stamp, modified) for _kind, _sequence, stamp, modified in after} == {(moment, moment)}
        assert min(sequence for kind, sequence, *_ in after if kind == "event") > max(
            sequence for kind, sequence, *_ in before if kind == "event")


def test_cancelled_persons_page_offers_to_register_again_while_the_form_is_open(session, client):
    event = open_event(session)
    result = sign_up(session, event, "a@example.org")
    session.commit()
    register_link = f'href="/events/{event.slug}/register"'
    active_page = client.get(f"/registrations/{result.token}/?lang=en").get_data(as_text=True)
    services.cancel_registration(session, result.registration)
    session.commit()
    cancelled_page = client.get(f"/registrations/{result.token}/?lang=en").get_data(as_text=True)
    event.registration_closes_at = utcnow() - timedelta(minutes=1)
    session.commit()
    closed_page = client.get(f"/registrations/{result.token}/?lang=en").get_data(as_text=True)
    assert (register_link in active_page, register_link in cancelled_page, register_link in closed_page) == (
        False, True, False)
    assert "Register again" in cancelled_page


def test_registering_again_mails_and_audits(session, smtp_server):
    event = open_event(session)
    result = sign_up(session, event, "a@example.org")
    services.cancel_registration(session, result.registration)
    sign_up(session, event, "a@example.org")
    session.commit()
    kinds = list(session.scalars(select(OutboxMail.kind).order_by(OutboxMail.id)))
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.register_again"))
    send_due(session, settings(smtp_server), "worker")
    delivered = smtp_server.inbox.wait_for(2)
    body = text_body(delivered[-1])
    assert kinds == ["registration", "status_cancelled", "registration_again"]
    # The cancellation, still waiting when the person came back, is old news: not sent.
    assert len(smtp_server.inbox.messages) == 2
    assert (entry.object_id, entry.user_id, entry.changes) == (
        result.registration.id, None, {"status": ["cancelled", "confirmed"]})
    assert ("You have registered again" in body, "already registered" in body, result.token in body) == (
        True, False, True)


def test_registering_again_joins_the_end_of_the_waiting_list(session):
    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    early = sign_up(session, event, "b@example.org")
    services.cancel_registration(session, early.registration)
    later = sign_up(session, event, "c@example.org")
    again = sign_up(session, event, "b@example.org")
    session.commit()
    order = list(session.scalars(
        select(Registration.email).where(Registration.status == RegistrationStatus.WAITING)
        .order_by(Registration.created_at, Registration.id)))
    assert (again.registration.status, later.registration.status, order) == (
        RegistrationStatus.WAITING, RegistrationStatus.WAITING, ["c@example.org", "b@example.org"])


def test_rejected_registration_stays_rejected(session):
    event = open_event(session, requires_approval=True)
    result = sign_up(session, event, "a@example.org")
    organiser.reject_registration(session, result.registration)
    again = sign_up(session, event, "a@example.org")
    session.commit()
    assert (again.registration.status, again.token, event.taken_onsite) == (
        RegistrationStatus.REJECTED, result.token, 0)


# --- the answer tells nothing --------------------------------------------------------------


def _answer(response, email):
    body = CSRF_VALUE_RE.sub("csrf", response.get_data(as_text=True)).replace(email, "EMAIL")
    return response.status_code, response.headers.get("Location"), body


def test_full_mode_answers_known_and_new_address_alike(session, client):
    event = open_event(session, capacity_onsite=1, has_waiting_list=False)
    session.commit()
    post_registration(client, event, email="known@example.org")
    known = post_registration(client, event, email="known@example.org")
    new = post_registration(client, event, email="new@example.org")
    assert _answer(known, "known@example.org") == _answer(new, "new@example.org")
    assert known.status_code == 422
    assert session.scalar(select(func.count()).select_from(Registration)) == 1


def test_moderated_event_answers_known_and_new_address_alike(session, client):
    event = open_event(session, requires_approval=True)
    session.commit()
    post_registration(client, event, email="known@example.org")
    known = post_registration(client, event, email="known@example.org")
    new = post_registration(client, event, email="new@example.org")
    known_page = client.get(known.headers["Location"])
    new_page = client.get(new.headers["Location"])
    assert _answer(known, "known@example.org") == _answer(new, "new@example.org")
    assert (known.status_code, known_page.get_data(), known_page.status_code) == (
        302, new_page.get_data(), 200)


def test_unknown_organisation_is_refused_for_known_and_new_address_alike(session):
    event = open_event(session)
    sign_up(session, event, "known@example.org")
    fields = []
    for email in ("known@example.org", "new@example.org"):
        with pytest.raises(RuleError) as caught:
            sign_up(session, event, email, organisation_id=999999)
        fields.append(caught.value.field)
    assert fields == ["organisation_id", "organisation_id"]


# --- rows without a sealed token: a sign-in link -------------------------------------------


def _legacy(session, event, email="a@example.org"):
    """A registration as stored before tokens were sealed."""
    result = sign_up(session, event, email)
    result.registration.token_sealed = None
    session.commit()
    return result


def test_unsealable_token_gets_a_sign_in_link_that_changes_nothing(session, client, smtp_server):
    event = open_event(session)
    old = _legacy(session, event)
    before = links_seen(client, old.token)
    again = sign_up(session, event, "a@example.org")
    session.commit()
    send_due(session, settings(smtp_server), "worker")
    body = text_body(smtp_server.inbox.wait_for(2)[-1])
    path = "/" + SIGN_IN_RE.search(body).group(1)
    page = client.get(path + "?lang=en")
    assert (again.token, MANAGE_RE.search(body), old.token in outbox_text(session)) == (None, None, False)
    assert (page.status_code, page.headers["Cache-Control"], "Send me a new personal link" in page.get_data(as_text=True)) == (
        200, "private, no-store", True)
    assert links_seen(client, old.token) == before


def test_sign_in_page_gives_a_new_link_only_when_confirmed(session, client):
    event = open_event(session)
    old = _legacy(session, event)
    from eventapp.registrations.mails import sign_in_url

    path = sign_in_url(old.registration).removeprefix("https://events.example.org")
    refused = client.post(path)
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token})
    session.expire_all()
    registration = session.get(Registration, old.registration.id)
    new = tokens.get_manage_token(registration)
    kinds = list(session.scalars(select(OutboxMail.kind).order_by(OutboxMail.id)))
    assert (refused.status_code, response.status_code, response.headers["Location"]) == (
        400, 302, f"/registrations/{new}/")
    assert (client.get(f"/registrations/{old.token}/").status_code,
            client.get(f"/registrations/{new}/").status_code, client.get(path).status_code) == (404, 200, 404)
    assert kinds == ["registration", "registration_renewed"]


def test_sign_in_link_expires_after_a_day(session, client, time_machine):
    event = open_event(session)
    old = _legacy(session, event)
    from eventapp.registrations.mails import sign_in_url

    path = sign_in_url(old.registration).removeprefix("https://events.example.org")
    time_machine.move_to(utcnow() + timedelta(seconds=SIGN_IN_MAX_AGE - 60))
    inside = client.get(path).status_code
    time_machine.move_to(utcnow() + timedelta(seconds=120))
    assert (inside, client.get(path).status_code, client.get(path.replace("sign-in/", "sign-in/x")).status_code) == (
        200, 404, 404)


# --- SECRET_KEY rotation -------------------------------------------------------------------


def test_fallback_key_still_unseals_after_rotation(app, session, monkeypatch):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-new-secret-key-of-enough-length-0123456789")
    without = tokens.get_manage_token(result.registration)
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", ["testing-only-secret"])
    with_fallback = tokens.get_manage_token(result.registration)
    assert (without, with_fallback) == (None, result.token)


def test_reseal_lets_the_old_key_go_after_a_rotation(app, session, runner, monkeypatch):
    event = open_event(session)
    first = sign_up(session, event, "a@example.org")
    second = sign_up(session, event, "b@example.org")
    lost = sign_up(session, event, "c@example.org")
    with app.test_request_context():
        monkeypatch.setitem(app.config, "SECRET_KEY", "a-key-nobody-keeps-0123456789abcdefXYZ")
        lost.registration.token_sealed = seal_token(lost.token)
    session.commit()
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-new-secret-key-of-enough-length-0123456789")
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", ["testing-only-secret"])
    hashes = dict(session.execute(select(Registration.id, Registration.token_hash)).all())

    result = runner.invoke(args=["registrations", "reseal"])
    again = runner.invoke(args=["registrations", "reseal"])
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])
    session.expire_all()

    assert (result.exit_code, result.output) == (
        0, "resealed 2, already current 0, unreadable 1 (these get sign-in links)\n")
    assert again.output == "resealed 0, already current 2, unreadable 1 (these get sign-in links)\n"
    assert [tokens.get_manage_token(item.registration) for item in (first, second, lost)] == [
        first.token, second.token, None]
    assert dict(session.execute(select(Registration.id, Registration.token_hash)).all()) == hashes


def test_mail_without_usable_key_sends_a_sign_in_link(app, session, monkeypatch):
    event = open_event(session)
    sign_up(session, event)
    session.commit()
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-new-secret-key-of-enough-length-0123456789")
    content = render(session, session.scalar(select(OutboxMail)))
    assert (SIGN_IN_RE.search(content.body_text) is not None, MANAGE_RE.search(content.body_text),
            content.attachment) == (True, None, None)


# --- migration -----------------------------------------------------------------------------


def test_migration_moves_tokens_out_of_waiting_mails(app, session):
    from flask_migrate import downgrade, upgrade

    event = open_event(session)
    kept = sign_up(session, event, "a@example.org")
    stale = sign_up(session, event, "b@example.org")
    sent = session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    sent[0].context = {"token": kept.token, "is_reminder": False}
    sent[1].context = {"token": "an-old-rotated-token", "is_reminder": True}
    sent[1].status = MailStatus.FAILED
    session.commit()
    kept_id, stale_id = kept.registration.id, stale.registration.id
    db.session.remove()
    downgrade(revision="0009")
    upgrade(revision="heads")
    contexts = list(session.scalars(select(OutboxMail.context).order_by(OutboxMail.id)))
    kept_row = session.get(Registration, kept_id)
    stale_row = session.get(Registration, stale_id)
    assert contexts == [{"is_reminder": False}, {"is_reminder": True}]
    assert (tokens.get_manage_token(kept_row), stale_row.token_sealed, stale_row.feed_sequence) == (
        kept.token, None, 0)
    assert seal_token(kept.token) != kept_row.token_sealed  # a fresh IV each time


def test_unsealable_registration_registering_again_is_told_so(session, smtp_server):
    event = open_event(session)
    old = _legacy(session, event)
    services.cancel_registration(session, old.registration)
    sign_up(session, event, "a@example.org")
    session.commit()
    send_due(session, settings(smtp_server), "worker")
    body = text_body(smtp_server.inbox.wait_for(3)[-1])
    assert (old.registration.status, "You have registered again" in body, "nothing has changed" in body,
            SIGN_IN_RE.search(body) is not None) == (RegistrationStatus.CONFIRMED, True, False, True)
