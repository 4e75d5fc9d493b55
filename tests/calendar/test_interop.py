"""Four independent parsers read our feeds and agree with the database and each other:
icalendar and vobject (Python), ical.js (Thunderbird's parser, via node) and libical
(with its RFC 5546 restriction check, via the system Python)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.calendar.services import FeedScope, build_feed, event_uid, session_uid
from eventapp.events.services import cancel_session, move_session
from eventapp.models import City, Event, EventSession, Organisation
from tests.calendar.conftest import make_feed_event
from tests.calendar.parsers import (
    Item,
    read_components,
    read_icalendar,
    read_icaljs,
    read_libical,
    read_vobject,
)


def database_instants(session: Session, event: Event) -> dict[str, tuple]:
    items = session.scalars(select(EventSession).where(EventSession.event_id == event.id)).all()
    instants = {event_uid(event): (event.starts_at, event.ends_at)}
    instants.update({session_uid(item): (item.starts_at, item.ends_at) for item in items})
    return instants


def read_all(body: bytes, write: Callable[[bytes], Path]) -> dict[str, dict[str, Item]]:
    """What each parser read; libical must also report no restriction errors."""
    path = write(body)
    _calendar, icaljs = read_icaljs(path)
    errors, libical = read_libical(path)
    assert errors == []
    return {
        "icalendar": read_icalendar(body),
        "vobject": read_vobject(body),
        "ical.js": icaljs,
        "libical": libical,
    }


def instants(items: dict[str, Item]) -> dict[str, tuple]:
    return {uid: (item.starts_at, item.ends_at) for uid, item in items.items()}


@pytest.mark.parametrize("month", [1, 7], ids=["winter", "summer"])
def test_all_parsers_agree_with_database(session: Session, ics_file, month: int) -> None:
    event = make_feed_event(session, month=month)
    expected = database_instants(session, event)

    for language in ("de", "zh"):
        body = build_feed(session, FeedScope(language=language, name="x", event_ids={event.id}))
        readings = read_all(body, ics_file)
        for parser, items in readings.items():
            assert instants(items) == expected, parser


def test_all_parsers_see_move_and_cancellation(session: Session, winter_event: Event, ics_file) -> None:
    talk, panel, _briefing = winter_event.sessions
    scope = FeedScope(language="de", name="x", event_ids={winter_event.id})
    before = read_all(build_feed(session, scope), ics_file)
    move_session(session, talk, datetime(2027, 1, 14, 14, 0), datetime(2027, 1, 14, 15, 0))
    cancel_session(session, panel)
    session.commit()
    after = read_all(build_feed(session, scope), ics_file)

    for parser in after:
        assert sorted(after[parser]) == sorted(before[parser]), parser
        moved, cancelled = after[parser][session_uid(talk)], after[parser][session_uid(panel)]
        assert moved.sequence == before[parser][session_uid(talk)].sequence + 1, parser
        assert cancelled.sequence == before[parser][session_uid(panel)].sequence + 1, parser
        assert cancelled.status == "CANCELLED", parser
        assert cancelled.summary == "Abgesagt: Podium: Elektrolyse im Industriemaßstab", parser
        assert moved.summary == "Begrüßung und Überblick", parser
        assert instants(after[parser]) == database_instants(session, winter_event), parser


def test_all_parsers_read_chinese_feed_text(session: Session, winter_event: Event, ics_file) -> None:
    body = build_feed(session, FeedScope(language="zh", name="科隆", event_ids={winter_event.id}))
    calendar, _items = read_icaljs(ics_file(body))

    for parser, items in read_all(body, ics_file).items():
        assert items[session_uid(winter_event.sessions[0])].summary == "欢迎致辞与概述", parser
    assert calendar == {"name": "科隆", "method": "PUBLISH", "refresh": "PT1H"}


def test_all_parsers_accept_empty_feed(session: Session, ics_file) -> None:
    body = build_feed(session, FeedScope(language="en", name="ISA events", topic="biotechnology"))

    assert read_all(body, ics_file) == {"icalendar": {}, "vobject": {}, "ical.js": {}, "libical": {}}
    # RFC 5545: a calendar holds at least one component (here the home zone's VTIMEZONE).
    assert read_components(ics_file(body)) == {"ical.js": ["VTIMEZONE"], "libical": ["VTIMEZONE"]}
    assert ([component.name for component in Calendar.from_ical(body).subcomponents],
            [zone.tzid.value for zone in vobject.readOne(body.decode()).vtimezone_list]) == (
        ["VTIMEZONE"], ["Europe/Berlin"])


def test_demo_feeds_parse_cleanly_in_all_parsers(session: Session, ics_file) -> None:
    from eventapp.demo.large import load_benchmark_congress
    from eventapp.demo.loader import load_demo

    load_demo(session)
    cities = {city.slug: city for city in session.scalars(select(City))}
    organisations = list(session.scalars(select(Organisation).order_by(Organisation.name)))
    load_benchmark_congress(session, date.today(), cities, organisations, registration_count=0)
    session.commit()

    for slug in ("isa-forum", "benchmark-congress"):
        event = session.scalar(select(Event).where(Event.slug == slug))
        expected = database_instants(session, event)
        body = build_feed(session, FeedScope(language="de", name=slug, event_ids={event.id}))
        for parser, items in read_all(body, ics_file).items():
            assert instants(items) == expected, (slug, parser)
    assert len(expected) == 301
