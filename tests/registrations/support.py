"""Helpers for registration tests: events that take registrations, form posts with CSRF."""
from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from eventapp.models import AttendanceMode, Event, OrganisationKind
from eventapp.registrations.services import RegistrationData, RegistrationResult, register
from tests.factories import make_event

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    body = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(body)
    assert match is not None, f"no CSRF token on {path}"
    return match.group(1)


def open_event(session: Session, **overrides: Any) -> Event:
    values: dict[str, Any] = {"capacity_onsite": 10, "capacity_online": 100}
    values.update(overrides)
    return make_event(session, **values)


def data(email: str = "li.wei@example.org", **overrides: Any) -> RegistrationData:
    values: dict[str, Any] = {
        "first_name": "Wei",
        "last_name": "Li",
        "email": email,
        "participant_type": OrganisationKind.AGENCY,
        "attendance_mode": AttendanceMode.ONSITE,
        "preferred_language": "en",
        "city_other": "Foshan",
        "consent_privacy": True,
    }
    values.update(overrides)
    return RegistrationData(**values)


def sign_up(session: Session, event: Event, email: str = "li.wei@example.org", **overrides: Any) -> RegistrationResult:
    return register(session, event, data(email, **overrides))


def form_fields(email: str = "anna.schmidt@example.org", **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "first_name": "Anna",
        "last_name": "Schmidt",
        "email": email,
        "organisation_id": "",
        "organisation_name": "Wirtschaftsförderung Solingen",
        "city_id": "other",
        "city_other": "Solingen",
        "participant_type": "economic_development_agency",
        "position": "Project lead",
        "attendance_mode": "onsite",
        "preferred_language": "de",
        "notes": "",
        "consent_privacy": "y",
        "website": "",
    }
    values.update(overrides)
    return values


def post_registration(client: FlaskClient, event: Event, **overrides: Any):  # noqa: ANN201
    path = f"/events/{event.slug}/register"
    fields = form_fields(**overrides)
    if "csrf_token" not in fields:
        fields["csrf_token"] = csrf_token(client, path)
    return client.post(path, data=fields)
