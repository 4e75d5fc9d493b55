"""Signing in and reading CSRF tokens for the back-office tests."""
from __future__ import annotations

import re
from itertools import count

from eventapp.models import AttendanceMode, OrganisationKind, Registration

PASSWORD = "correct horse battery"
_numbers = count(1)


def csrf_token(client, path="/auth/login"):
    body = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)


def sign_in(client, email):
    return client.post("/auth/login", data={"email": email, "password": PASSWORD,
                                            "csrf_token": csrf_token(client)})


def add_registration(session, event, status, language="de", email=None):
    """A registration row as the registration service leaves it (no mail queued)."""
    number = next(_numbers)
    registration = Registration(
        event_id=event.id, token_hash=f"hash-{number}", first_name="Anna", last_name="Schmidt",
        email=email or f"person{number}@example.org", participant_type=OrganisationKind.COMPANY,
        attendance_mode=AttendanceMode.ONSITE, preferred_language=language, status=status,
    )
    session.add(registration)
    session.flush()
    return registration
