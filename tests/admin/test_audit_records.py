"""Organisers' existing actions on registrations and archive documents leave audit entries."""
from __future__ import annotations

from sqlalchemy import select

from eventapp.models import AuditEntry, Document, RegistrationStatus, UserRole
from eventapp.registrations.tokens import checkin_code_for
from tests.admin.support import csrf_token, sign_in
from tests.factories import make_user
from tests.registrations.support import open_event, sign_up


def organiser(session, event):
    user = make_user(session, email="office@example.org", role=UserRole.ORGANISER, manages=[event])
    session.commit()
    return user


def entries(session):
    session.expire_all()
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


def test_approve_records_status_change(session, client):
    event = open_event(session, requires_approval=True)
    result = sign_up(session, event)
    user = organiser(session, event)
    sign_in(client, "office@example.org")
    path = f"/manage/events/{event.slug}/registrations/"

    client.post(f"{path}{result.registration.id}/approve", data={"csrf_token": csrf_token(client, path)})

    [entry] = entries(session)
    assert (entry.action, entry.user_id, entry.user_email, entry.object_type, entry.object_id,
            entry.event_id, entry.summary, entry.changes) == (
        "registration.approve", user.id, "office@example.org", "registration", result.registration.id,
        event.id, "", {"status": ["pending", "confirmed"]})


def test_refused_action_records_nothing(session, client):
    event = open_event(session)
    result = sign_up(session, event)
    organiser(session, event)
    sign_in(client, "office@example.org")
    path = f"/manage/events/{event.slug}/registrations/"

    client.post(f"{path}{result.registration.id}/promote", data={"csrf_token": csrf_token(client, path)})

    assert (entries(session), result.registration.status) == ([], RegistrationStatus.CONFIRMED)


def test_reject_records_status_change(session, client):
    event = open_event(session, capacity_onsite=1)
    sign_up(session, event, "a@example.org")
    waiting = sign_up(session, event, "b@example.org").registration
    organiser(session, event)
    sign_in(client, "office@example.org")
    path = f"/manage/events/{event.slug}/registrations/"

    client.post(f"{path}{waiting.id}/reject", data={"csrf_token": csrf_token(client, path), "confirm": "1"})

    assert [(entry.action, entry.changes) for entry in entries(session)] == [
        ("registration.reject", {"status": ["waiting", "rejected"]})]


def test_checkin_by_button_and_by_code_are_recorded(session, client):
    event = open_event(session)
    first = sign_up(session, event, "a@example.org")
    second = sign_up(session, event, "b@example.org")
    organiser(session, event)
    sign_in(client, "office@example.org")
    path = f"/manage/events/{event.slug}/registrations/"
    checkin = f"{path}checkin"

    client.post(f"{path}{first.registration.id}/checkin", data={"csrf_token": csrf_token(client, path)})
    client.post(checkin, data={"csrf_token": csrf_token(client, checkin),
                               "code": checkin_code_for(second.token)})

    recorded = entries(session)
    assert [(entry.action, entry.object_id) for entry in recorded] == [
        ("registration.checkin", first.registration.id), ("registration.checkin", second.registration.id)]
    assert sorted(recorded[0].changes) == ["checked_in_at"]


def test_message_and_exports_are_recorded(session, client):
    event = open_event(session)
    sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org")
    organiser(session, event)
    sign_in(client, "office@example.org")
    message = f"/manage/events/{event.slug}/registrations/message"

    client.post(message, data={"csrf_token": csrf_token(client, message), "subject": "Bus at 8:00",
                               "message": "See you", "status": "", "attendance_mode": "",
                               "confirm": "1"})
    client.get(f"/manage/events/{event.slug}/registrations/export.csv?status=confirmed&q=Li")
    client.get(f"/manage/events/{event.slug}/registrations/export.xlsx")

    assert [(entry.action, entry.object_type, entry.object_id, entry.summary, entry.changes)
            for entry in entries(session)] == [
        ("registration.message", "event", event.id, "Bus at 8:00",
         {"recipients": 2, "status": None, "attendance_mode": None}),
        ("registration.export_csv", "event", event.id, f"{event.slug}-registrations.csv",
         {"rows": 2, "filters": {"status": "confirmed", "query": "Li"}}),
        ("registration.export_xlsx", "event", event.id, f"{event.slug}-registrations.xlsx",
         {"rows": 2, "filters": {}}),
    ]


def test_document_add_and_remove_are_recorded(session, client):
    event = open_event(session)
    organiser(session, event)
    sign_in(client, "office@example.org")
    path = f"/manage/events/{event.slug}/documents"

    client.post(path, data={"csrf_token": csrf_token(client, path), "kind": "report",
                            "title_de": "Bericht", "title_en": "", "title_zh": "",
                            "visibility": "public", "url": "https://example.org/bericht.pdf"})
    document = session.scalar(select(Document))
    client.post(f"{path}/{document.id}/delete", data={"csrf_token": csrf_token(client, path), "confirm": "1"})

    assert [(entry.action, entry.object_id, entry.summary) for entry in entries(session)] == [
        ("document.add", document.id, "https://example.org/bericht.pdf"),
        ("document.remove", document.id, "https://example.org/bericht.pdf"),
    ]
    assert entries(session)[0].changes == {"kind": "report", "visibility": "public", "title": {"de": "Bericht"}}
