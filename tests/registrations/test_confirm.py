"""Destructive actions ask first (issue #9, item 3): a GET or a POST without `confirm=1`
shows what will happen and changes nothing; only the confirmed POST acts. Plain forms:
no JavaScript is involved."""
import re

from sqlalchemy import func, select

from eventapp.models import OutboxMail, Registration, RegistrationStatus
from tests.registrations.support import csrf_token, open_event, sign_up
from tests.registrations.test_routes import login_organiser


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _confirm_action(body: str) -> tuple[str, str] | None:
    """The confirmation form's action and its hidden confirm value."""
    match = re.search(r'<form method="post" action="([^"]+)" class="confirm-form">.*?'
                      r'name="confirm" value="(1)"', body, re.S)
    return (match.group(1), match.group(2)) if match else None


def test_participant_cancel_asks_first_then_cancels(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()
    path = f"/registrations/{result.token}/"
    token = csrf_token(client, path)

    shown = client.get(f"{path}cancel?lang=en")
    asked = client.post(f"{path}cancel?lang=en", data={"csrf_token": token})
    session.expire_all()
    status_after_asking = result.registration.status
    done = client.post(f"{path}cancel", data={"csrf_token": token, "confirm": "1"})
    session.expire_all()

    assert (shown.status_code, _confirm_action(shown.get_data(as_text=True))) == (
        200, (f"{path}cancel", "1"))
    assert (asked.status_code, "Yes, cancel my registration" in asked.get_data(as_text=True)) == (200, True)
    assert (status_after_asking, done.status_code, result.registration.status) == (
        RegistrationStatus.CONFIRMED, 302, RegistrationStatus.CANCELLED)
    assert (shown.headers["Cache-Control"], shown.headers["Referrer-Policy"]) == (
        "private, no-store", "no-referrer")


def test_participant_delete_asks_first_then_deletes(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()
    path = f"/registrations/{result.token}/"
    token = csrf_token(client, path)

    asked = client.post(f"{path}delete?lang=en", data={"csrf_token": token, "confirm": "no"})
    left = _count(session, Registration)
    done = client.post(f"{path}delete", data={"csrf_token": token, "confirm": "1"})

    assert (asked.status_code, "This cannot be undone." in asked.get_data(as_text=True), left) == (200, True, 1)
    assert (done.status_code, _count(session, Registration)) == (302, 0)


def test_participant_confirmation_still_needs_csrf(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    session.commit()

    response = client.post(f"/registrations/{result.token}/delete", data={"confirm": "1"})

    assert (response.status_code, _count(session, Registration)) == (400, 1)


def test_organiser_reject_asks_first_then_rejects(session, client):
    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    waiting = sign_up(session, event, "b@example.org").registration
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/"
    token = csrf_token(client, path)
    mails_before = _count(session, OutboxMail)

    shown = client.get(f"{path}{waiting.id}/reject?lang=en&status=waiting")
    asked = client.post(f"{path}{waiting.id}/reject?lang=en", data={"csrf_token": token})
    session.expire_all()
    after_asking = (waiting.status, _count(session, OutboxMail))
    done = client.post(f"{path}{waiting.id}/reject", data={"csrf_token": token, "confirm": "1"})
    session.expire_all()

    body = shown.get_data(as_text=True)
    assert (shown.status_code, "b@example.org" in body,
            _confirm_action(body)) == (200, True, (f"{path}{waiting.id}/reject?lang=en&amp;status=waiting", "1"))
    assert (asked.status_code, after_asking) == (200, (RegistrationStatus.WAITING, mails_before))
    assert (done.status_code, waiting.status, _count(session, OutboxMail)) == (
        302, RegistrationStatus.REJECTED, mails_before + 1)


def test_approve_acts_at_once_and_has_no_get(session, client):
    event = open_event(session, requires_approval=True)
    pending = sign_up(session, event).registration
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/"

    looked = client.get(f"{path}{pending.id}/approve")
    done = client.post(f"{path}{pending.id}/approve", data={"csrf_token": csrf_token(client, path)})
    session.expire_all()

    assert (looked.status_code, done.status_code, pending.status) == (405, 302, RegistrationStatus.CONFIRMED)


def test_message_queues_nothing_before_confirmation_and_names_the_count(session, client):
    event = open_event(session)
    for number in range(3):
        sign_up(session, event, f"p{number}@example.org")
    cancelled = sign_up(session, event, "gone@example.org")
    session.commit()
    from eventapp.registrations import services

    services.cancel_registration(session, cancelled.registration)
    session.commit()
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/message"
    fields = {"csrf_token": csrf_token(client, path), "subject": "Bus at 8:00",
              "message": "Line one\nLine two", "status": "", "attendance_mode": ""}

    def organiser_mails() -> int:
        return session.scalar(select(func.count()).select_from(OutboxMail)
                              .where(OutboxMail.kind == "organiser_message"))

    asked = client.post(f"{path}?lang=en", data=fields)
    after_asking = organiser_mails()
    edited = client.post(f"{path}?lang=en", data={**fields, "confirm": "1", "edit": "1"})
    after_editing = organiser_mails()
    done = client.post(path, data={**fields, "confirm": "1"})

    body = asked.get_data(as_text=True)
    assert (asked.status_code, after_asking, re.search(r'data-recipients="(\d+)"', body).group(1),
            "3 people will receive this message." in body) == (200, 0, "3", True)
    assert ('value="Line one\nLine two"' in body, 'name="confirm" value="1"' in body) == (True, True)
    assert (edited.status_code, 'data-confirm-page' in edited.get_data(as_text=True), after_editing) == (
        200, False, 0)
    assert (done.status_code, organiser_mails()) == (302, 3)


def test_message_with_a_bad_subject_never_reaches_confirmation(session, client):
    event = open_event(session)
    sign_up(session, event)
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/message"

    response = client.post(path, data={"csrf_token": csrf_token(client, path), "subject": "",
                                       "message": "Hello", "confirm": "1"})

    queued = session.scalar(select(func.count()).select_from(OutboxMail)
                            .where(OutboxMail.kind == "organiser_message"))
    assert (response.status_code, queued) == (422, 0)


def test_organiser_cancel_asks_first_then_cancels_and_promotes(session, client):
    event = open_event(session, capacity_onsite=1)
    confirmed = sign_up(session, event, "a@example.org").registration
    waiting = sign_up(session, event, "b@example.org").registration
    login_organiser(session, client, event)
    path = f"/manage/events/{event.slug}/registrations/"
    token = csrf_token(client, path)
    listed = client.get(f"{path}?lang=en").get_data(as_text=True)

    asked = client.post(f"{path}{confirmed.id}/cancel?lang=en", data={"csrf_token": token})
    session.expire_all()
    after_asking = (confirmed.status, waiting.status)
    done = client.post(f"{path}{confirmed.id}/cancel", data={"csrf_token": token, "confirm": "1"})
    session.expire_all()

    assert f'{path}{confirmed.id}/cancel' in listed
    assert (asked.status_code, "Yes, cancel the registration" in asked.get_data(as_text=True)) == (200, True)
    assert after_asking == (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
    assert (done.status_code, confirmed.status, waiting.status) == (
        302, RegistrationStatus.CANCELLED, RegistrationStatus.CONFIRMED)
