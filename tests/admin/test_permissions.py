"""Every back-office route, present and future, checks who is asking.

The test walks app.url_map: every rule under /manage, every method, path arguments filled
from real objects. A new route with a path argument this table does not know fails the
test until the argument is added here, so no route escapes the check.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import product
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from eventapp.agenda.services import data_from_session, release_agenda, save_session
from eventapp.extensions import db
from eventapp.models import Document, DocumentKind, Speaker, UserRole, Visibility
from tests.admin.support import csrf_token, sign_in
from tests.factories import make_city, make_event, make_session, make_user
from tests.registrations.support import open_event, sign_up

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SIGN_IN = "/auth/login"


@dataclass
class Objects:
    """Ids of one real object of each kind, all belonging to the event under test."""

    event_id: int
    slug: str
    session_id: int
    registration_id: int
    document_id: int
    speaker_id: int
    city_id: int
    city_slug: str
    user_id: int
    release_id: int
    release_number: int
    draft_id: int


# Path argument name -> its value. Add new argument names here (with a real object).
ARGUMENTS: dict[str, Callable[[Objects], Any]] = {
    "slug": lambda objects: objects.slug,
    "event_id": lambda objects: objects.event_id,
    "key": lambda objects: f"s{objects.session_id}",
    "session_id": lambda objects: objects.session_id,
    "registration_id": lambda objects: objects.registration_id,
    "document_id": lambda objects: objects.document_id,
    "speaker_id": lambda objects: objects.speaker_id,
    "city_id": lambda objects: objects.city_id,
    "city_slug": lambda objects: objects.city_slug,
    "user_id": lambda objects: objects.user_id,
    "release_id": lambda objects: objects.release_id,
    "number": lambda objects: objects.release_number,
    "release_number": lambda objects: objects.release_number,
    "draft_id": lambda objects: objects.draft_id,
}


def back_office_rules(app: Flask) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/manage")),
        key=lambda rule: rule.rule,
    )


def is_event_scoped(rule: Rule) -> bool:
    return rule.rule.startswith("/manage/events/<") or rule.rule.startswith("/manage/admin")


def paths(rule: Rule, objects: Objects) -> Iterator[str]:
    """Every URL of the rule: one per choice of each <any(...)> argument."""
    choices: dict[str, list[Any]] = {}
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            choices[name] = sorted(converter.items)
        elif name in ARGUMENTS:
            choices[name] = [ARGUMENTS[name](objects)]
        else:
            pytest.fail(
                f"{rule.rule}: unknown path argument <{name}>; add it to ARGUMENTS in "
                f"{__name__} with a real object, so that its permission check is tested"
            )
    for combination in product(*choices.values()):
        built = rule.build(dict(zip(choices, combination, strict=True)), append_unknown=False)
        assert built is not None, f"cannot build {rule.rule}"
        yield built[1]


def route_for(app: Flask, path: str, method: str) -> str | None:
    """The endpoint serving path+method, None for 405; NotFound means another rule's URL."""
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _values = adapter.match(path, method=method)
    except MethodNotAllowed:
        return None
    return endpoint


def make_objects(app: Flask) -> Objects:
    with app.app_context():
        session = db.session
        event = open_event(session, slug="permission-forum")
        item = make_session(session, event)
        registration = sign_up(session, event).registration
        document = Document(event=event, kind=DocumentKind.REPORT, url="https://example.org/r.pdf",
                            title_i18n={"de": "Bericht"}, visibility=Visibility.PUBLIC)
        speaker = Speaker(name="Li Wei", main_language="de")
        session.add_all([document, speaker])
        city = make_city(session)
        session.flush()
        # A released change, then a pending new item: release 1 and one draft "d<id>".
        changed = replace(data_from_session(item), title={"de": "Geänderter Vortrag"})
        save_session(session, event, changed, None, key=f"s{item.id}")
        release = release_agenda(session, event, None)
        added = replace(changed, title={"de": "Neuer Vortrag"},
                        starts_local=datetime(2027, 1, 14, 11), ends_local=datetime(2027, 1, 14, 12))
        draft_key = save_session(session, event, added, None)
        make_user(session, email="admin@example.org", role=UserRole.ADMIN)
        # Manages another event, never this one.
        make_user(session, email="other@example.org", manages=[make_event(session)])
        target = make_user(session, email="target@example.org", manages=[event])
        session.commit()
        objects = Objects(
            event_id=event.id, slug=event.slug, session_id=item.id,
            registration_id=registration.id, document_id=document.id, speaker_id=speaker.id,
            city_id=city.id, city_slug=city.slug, user_id=target.id, release_id=release.id,
            release_number=release.number, draft_id=int(draft_key[1:]),
        )
        db.session.remove()
    return objects


def request(client: FlaskClient, method: str, path: str, token: str) -> Any:
    data = {"csrf_token": token} if method != "GET" else None
    return client.open(path, method=method, data=data)


def is_sign_in_redirect(response: Any) -> bool:
    return response.status_code == 302 and response.headers["Location"].split("?")[0] == SIGN_IN


@pytest.mark.parametrize("role", ["anonymous", "organiser", "admin"])
def test_every_back_office_route_checks_permission(app, role):
    # No app context is held here: every request loads its user afresh, as in production.
    objects = make_objects(app)
    client = app.test_client()
    if role == "organiser":
        sign_in(client, "other@example.org")
    elif role == "admin":
        sign_in(client, "admin@example.org")
    token = csrf_token(client, "/manage/" if role != "anonymous" else SIGN_IN)
    rules = back_office_rules(app)
    assert len(rules) >= 8  # the walk must find the existing back office
    problems = []
    checked = 0
    for rule in rules:
        for path in paths(rule, objects):
            for method in METHODS:
                try:
                    endpoint = route_for(app, path, method)
                except NotFound:
                    continue
                if endpoint is not None and endpoint != rule.endpoint:
                    continue  # served by another rule, checked there
                if role == "admin" and method != "GET":
                    continue  # admins pass: only reading requests, so nothing changes
                if role == "organiser" and method != "GET" and not is_event_scoped(rule):
                    continue
                response = request(client, method, path, token)
                checked += 1
                status = response.status_code
                if endpoint is None:
                    if status != 405:
                        problems.append(f"{role} {method} {path}: {status}, expected 405")
                elif role == "anonymous":
                    if not is_sign_in_redirect(response):
                        problems.append(f"{role} {method} {path}: {status}, expected sign-in")
                elif role == "organiser" and is_event_scoped(rule):
                    if status != 403:
                        problems.append(f"{role} {method} {path}: {status}, expected 403")
                elif status == 403 or status >= 500 or is_sign_in_redirect(response):
                    problems.append(f"{role} {method} {path}: {status}")
    assert checked >= 8
    assert problems == []
