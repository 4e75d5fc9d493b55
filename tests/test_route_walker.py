"""Every route, present and future, survives hostile input.

The walk takes app.url_map as it is: every rule, every method it serves. Each path argument
in turn gets hostile values of its converter's kind while the others name real objects;
every GET page is also asked with hostile query strings; every POST gets hostile form
bodies (with a valid CSRF token) built from the field names of every form the walk saw.
It asks as an anonymous visitor, as a participant (real tokens in the path), as an
organiser of the event and as an admin.

It asserts: never a 5xx; no body or redirect that leads off the site (`href="/\\`,
`//evil.example`); no 404 page that echoes the hostile value. Path arguments it does not
know by name still get values by converter kind, so a new route is walked without edits.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter, PathConverter
from werkzeug.test import TestResponse

from eventapp.archive.documents import SUBFOLDER
from eventapp.extensions import db, limiter
from eventapp.models import AttendanceMode, Document, DocumentKind, Speaker, UserRole, Visibility
from eventapp.registrations.tokens import feed_token_for
from eventapp.virtual.services import join_token_for
from tests.admin.support import csrf_token, sign_in
from tests.factories import make_city, make_user
from tests.registrations.support import open_event, sign_up
from tests.virtual.support import virtual_item


@dataclass(frozen=True)
class Hostile:
    """A value as it travels in the URL, and what a 404 page must not show of it."""

    raw: str
    echo: str | None = None


LONG = "x" * 5000
# Values for a numeric path argument. Everything but plain ASCII digits within 32 bits must
# end in a 404 before the database sees it.
INT_VALUES = [
    Hostile("99999999999999999999999", "99999999999999999999999"),
    Hostile("2147483648", "2147483648"),
    Hostile("-1"),
    Hostile("0"),
    Hostile("%C2%B2", "²"),
    Hostile("%D9%A3", "٣"),
    Hostile("1%00"),
]
# Values for a text path argument (slugs, tokens, keys): shapes of the app's own ids with
# numbers out of range, NUL, invalid UTF-8, traversal, backslashes, other scripts.
TEXT_VALUES = [
    *INT_VALUES,
    Hostile("a%00b"),
    Hostile(LONG, LONG[:64]),
    Hostile("..%2F..%2Fetc%2Fpasswd", "etc/passwd"),
    Hostile("%5Cevil.example", "evil.example"),
    Hostile("%2F%2Fevil.example", "evil.example"),
    Hostile("%E4%BD%9B%E5%B1%B1-m%C3%BCnchen", "佛山-münchen"),
    Hostile("%FF%FE", "\ufffd"),
    Hostile("s99999999999999999999999", "99999999999999999999999"),
    Hostile("d2147483648", "2147483648"),
    Hostile("s%C2%B2", "s²"),
    Hostile("99999999999999999999999.x", "99999999999999999999999"),
    Hostile("%C2%B2.x", "².x"),
]
PATH_VALUES = [*TEXT_VALUES, Hostile("..%2F..%2F..%2Fconfig.py", "config.py"), Hostile("a/../../b")]
QUERIES = [
    "page=%C2%B2",
    "page=99999999999999999999",
    "year=%C2%B2",
    "city=%C2%B2",
    "city=99999999999999999999",
    "q=%00",
    "q=" + "y" * 5000,
    "topic=%00&format=%00&lang=%00",
    "status=%C2%B2&mode=%00&day=%C2%B2&room=%00",
    "next=%5Cevil.example",
    "q=%FF%FE&city=%FF&page=%FF",  # not UTF-8
]
FORM_VALUES = ["a\x00b", "z" * 10_000, "Anna\r\nBcc: victim@example.org", "²", "99999999999999999999"]
# Requests that end the visitor's standing (sign-out, a participant's own cancellation or
# deletion, cancelling the event) come last, so that the rest are walked with it intact.
LAST = ("registrations.cancel", "registrations.delete", "manage.cancel_event", "manage.delete_event",
        "auth.logout")
FIELD_RE = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.IGNORECASE)
NAME_RE = re.compile(r'\bname="([^"]+)"')
TYPE_RE = re.compile(r'\btype="([^"]+)"')
ARGUMENT_RE = re.compile(r"<(?:[^<>:]+:)?(\w+)>")


@dataclass
class World:
    """Real objects behind the path arguments, and the participant's secrets."""

    values: dict[str, str]
    city_slug: str
    manage_token: str
    feed_token: str
    join_token: str


@dataclass
class Walk:
    problems: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    reached: set[str] = field(default_factory=set)  # rules whose real URL answered below 400
    fields: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)


def make_world(app: Flask) -> World:
    with app.app_context():
        session = db.session
        event = open_event(session, slug="walker-forum", capacity_onsite=10, capacity_online=10)
        item = virtual_item(session, event)
        result = sign_up(session, event, attendance_mode=AttendanceMode.ONLINE)
        # A stored file (not a link), so that the download route reads its name and sends it.
        folder = Path(app.config["UPLOAD_FOLDER"]) / SUBFOLDER
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "walker-report.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
        document = Document(event=event, kind=DocumentKind.REPORT, stored_name="walker-report.pdf",
                            original_filename="Bericht 2027.pdf", content_type="application/pdf",
                            size_bytes=14, title_i18n={"de": "Bericht"}, visibility=Visibility.PUBLIC)
        speaker = Speaker(name="Li Wei", main_language="de")
        session.add_all([document, speaker])
        city = make_city(session)
        make_user(session, email="admin@example.org", role=UserRole.ADMIN)
        make_user(session, email="office@example.org", manages=[event])
        target = make_user(session, email="target@example.org", manages=[event])
        session.flush()
        values = {
            "slug": event.slug,
            "event_id": str(event.id),
            "key": f"s{item.id}",
            "session_id": str(item.id),
            "registration_id": str(result.registration.id),
            "document_id": str(document.id),
            "name": "Bericht 2027.pdf",
            "speaker_id": str(speaker.id),
            "city_id": str(city.id),
            "city_slug": city.slug,
            "user_id": str(target.id),
            "number": "1",
            "release_number": "1",
            "filename": "css/app.css",
            "token": "unknown-token",
        }
        world = World(values=values, city_slug=city.slug, manage_token=result.token,
                      feed_token=feed_token_for(result.token), join_token=join_token_for(result.registration))
        session.commit()
        db.session.remove()
    return world


def valid_values(rule: Rule, world: World, role: str) -> dict[str, str]:
    """A real value for each argument: by name, else the first choice or a plain one."""
    values: dict[str, str] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif name in world.values:
            values[name] = world.values[name]
        else:
            values[name] = "1" if isinstance(converter, IntegerConverter) else "walker"
    if rule.rule.startswith("/cities/"):
        values["slug"] = world.city_slug
    if role == "participant" and "token" in values:
        if rule.rule.startswith("/calendar/"):
            values["token"] = world.feed_token
        elif rule.rule.startswith("/join/"):
            values["token"] = world.join_token
        else:
            values["token"] = world.manage_token
    return values


def hostile_values(converter: Any) -> list[Hostile]:
    if isinstance(converter, AnyConverter):
        return [Hostile("%00"), Hostile("%C2%B2", "²")]
    if isinstance(converter, IntegerConverter):
        return INT_VALUES
    if isinstance(converter, PathConverter):
        return PATH_VALUES
    return TEXT_VALUES


def build(rule: Rule, values: dict[str, str]) -> str:
    return ARGUMENT_RE.sub(lambda match: values[match.group(1)], rule.rule)


def quoted(values: dict[str, str]) -> dict[str, str]:
    return {name: quote(value, safe="/") for name, value in values.items()}


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def rules_for(app: Flask, role: str) -> list[Rule]:
    def order(rule: Rule) -> tuple[int, str]:
        return (LAST.index(rule.endpoint) + 1 if rule.endpoint in LAST else 0, rule.rule)

    rules = sorted(app.url_map.iter_rules(), key=order)
    if role == "participant":
        return [rule for rule in rules if "token" in rule.arguments]
    return rules


def send(client: FlaskClient, walk: Walk, label: str, method: str, path: str,
         hostile: Hostile | None = None, data: dict[str, Any] | None = None) -> TestResponse | None:
    """The response, checked; an exception the app let out (testing propagates it) counts
    as the 500 it would be in production."""
    if method == "POST":
        limiter.reset()  # sign-in and registration are rate-limited: every post must reach its form
    try:
        response = client.open(path, method=method, data=data)
    except Exception as error:  # noqa: BLE001 (every escaping error is a finding)
        walk.problems.append(f"{label}: 500 {type(error).__name__}: {str(error).splitlines()[0][:100]}")
        return None
    check(walk, label, response, hostile)
    return response


def check(walk: Walk, label: str, response: TestResponse, hostile: Hostile | None = None) -> None:
    body = response.get_data().decode("utf-8", "replace")  # exports may be binary (xlsx)
    location = response.headers.get("Location", "")
    if response.status_code >= 500:
        walk.problems.append(f"{label}: {response.status_code}")
    if 'href="/\\' in body or "//evil.example" in body:
        walk.problems.append(f"{label}: a link that leaves the site")
    if location.startswith("//") or "\\" in location or "evil.example" in urlsplit(location).netloc:
        walk.problems.append(f"{label}: redirects off the site to {location[:80]}")
    if response.status_code == 404 and hostile is not None and hostile.echo and hostile.echo in body:
        walk.problems.append(f"{label}: the 404 page echoes {hostile.echo[:20]!r}")


def collect_fields(walk: Walk, response: TestResponse) -> None:
    if response.status_code != 200 or response.mimetype != "text/html":
        return
    for _tag, attributes in FIELD_RE.findall(response.get_data(as_text=True)):
        name = NAME_RE.search(attributes)
        if name is None or name.group(1) == "csrf_token":
            continue
        kind = TYPE_RE.search(attributes)
        if kind is not None and kind.group(1) == "file":
            walk.files.add(name.group(1))
        else:
            walk.fields.add(name.group(1))


def form_bodies(walk: Walk, token: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for value in FORM_VALUES:
        data: dict[str, Any] = {name: value for name in sorted(walk.fields)}
        for name in walk.files:
            data[name] = (io.BytesIO(b"%PDF-1.4\n" + value.encode()), f"{value[:40]}.pdf")
        data["csrf_token"] = token
        yield repr(value[:12]), data


def walk_gets(client: FlaskClient, walk: Walk, rules: list[Rule], world: World, role: str) -> None:
    for rule in rules:
        if "GET" not in methods(rule):
            continue
        walk.visited.add(f"GET {rule.rule}")
        valid = quoted(valid_values(rule, world, role))
        path = build(rule, valid)
        # Every choice of an <any(...)> argument: some actions answer GET (a confirmation
        # page), others only POST (405).
        choices = [path] + [
            build(rule, {**valid, name: item})
            for name, converter in rule._converters.items() if isinstance(converter, AnyConverter)
            for item in sorted(converter.items) if item != valid[name]
        ]
        for choice in choices:
            response = send(client, walk, f"{role} GET {choice}", "GET", choice)
            if response is not None:
                collect_fields(walk, response)
                if response.status_code < 400:
                    walk.reached.add(rule.rule)
        for query in QUERIES:
            send(client, walk, f"{role} GET {path}?{query[:60]}", "GET", f"{path}?{query}")
        for name, converter in rule._converters.items():
            for hostile in hostile_values(converter):
                hostile_path = build(rule, {**valid, name: hostile.raw})
                send(client, walk, f"{role} GET {hostile_path[:120]}", "GET", hostile_path, hostile)


def walk_posts(client: FlaskClient, walk: Walk, rules: list[Rule], world: World, role: str, token: str) -> None:
    for rule in rules:
        if "POST" not in methods(rule):
            continue
        walk.visited.add(f"POST {rule.rule}")
        valid = quoted(valid_values(rule, world, role))
        path = build(rule, valid)
        for name, converter in rule._converters.items():
            for hostile in hostile_values(converter):
                hostile_path = build(rule, {**valid, name: hostile.raw})
                send(client, walk, f"{role} POST {hostile_path[:120]}", "POST", hostile_path, hostile,
                     {"csrf_token": token})
        for kind, data in form_bodies(walk, token):
            send(client, walk, f"{role} POST {path} fields {kind}", "POST", path, data=data)


@pytest.mark.parametrize("role", ["anonymous", "participant", "organiser", "admin"])
def test_every_route_survives_hostile_input(app, role):
    # No app context is held here: every request loads its user afresh, as in production.
    world = make_world(app)
    client = app.test_client()
    client.get("/?lang=en")
    if role == "organiser":
        sign_in(client, "office@example.org")
    elif role == "admin":
        sign_in(client, "admin@example.org")
    token = csrf_token(client, "/manage/" if role in ("organiser", "admin") else "/auth/login")
    rules = rules_for(app, role)
    walk = Walk()
    walk_gets(client, walk, rules, world, role)
    walk_posts(client, walk, rules, world, role, token)

    expected = {f"{method} {rule.rule}" for rule in rules for method in methods(rule) if method in ("GET", "POST")}
    # The walk went deep: its real URLs open the pages this role may see.
    deep = {"participant": "/registrations/<token>/", "organiser": "/manage/events/<slug>/",
            "admin": "/manage/"}.get(role)
    must_open = {
        rule.rule for rule in rules if "GET" in methods(rule)
        and (rule.rule.startswith(deep) if deep else not rule.arguments)
    }
    assert (walk.visited == expected, len(rules) >= (4 if role == "participant" else 60),
            sorted(must_open - walk.reached)) == (True, True, [])
    assert walk.problems == [], "\n".join(walk.problems)
