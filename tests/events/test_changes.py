"""The public "Agenda changes" list on the event page: released changes only, newest first,
both zones, and the cached page follows a release."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from eventapp.agenda import services
from eventapp.models import Event, SessionKind
from tests.factories import make_event, make_session


def _changes(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-change="(\w+)">\s*<span class="change-kind">[^<]*</span>\s*'
                      r'<span class="change-title"[^>]*>(?:<del>)?([^<]+)', html)


def _section(html: str) -> str:
    match = re.search(r'<section class="agenda-changes".*?</section>', html, re.S)
    return match.group(0) if match else ""


def _release_moves(data, slug: str) -> None:
    with data() as session:
        event = session.scalar(select(Event).where(Event.slug == slug))
        item = event.sessions[0]
        services.move_session(session, event, f"s{item.id}", datetime(2027, 1, 14, 11, 0), "Saal 3", None)
        services.save_session(session, event, services.SessionData(
            title={"de": "Abendessen", "en": "Dinner"}, kind=SessionKind.NETWORKING,
            starts_local=datetime(2027, 1, 14, 16, 0), ends_local=datetime(2027, 1, 14, 17, 0)), None)
        services.release_agenda(session, event, None)


def test_event_page_has_no_changes_section_before_a_release(client, data):
    with data() as session:
        event = make_event(session, slug="forum")
        make_session(session, event, title={"de": "Eröffnung", "en": "Opening"}, room="Saal 1")
        services.save_session(session, event, services.SessionData(
            title={"de": "Entwurf"}, kind=SessionKind.TALK,
            starts_local=datetime(2027, 1, 14, 12, 0), ends_local=datetime(2027, 1, 14, 13, 0)), None)

    html = client.get("/events/forum/?lang=en").get_data(as_text=True)

    assert (_section(html), "Agenda changes" in html, "Entwurf" in html) == ("", False, False)


def test_event_page_lists_released_changes_after_a_release(client, data):
    with data() as session:
        event = make_event(session, slug="forum")
        make_session(session, event, title={"de": "Eröffnung", "en": "Opening"}, room="Saal 1")
    before = client.get("/events/forum/?lang=en")

    _release_moves(data, "forum")
    after = client.get("/events/forum/?lang=en", headers={"If-None-Match": before.headers["ETag"]})

    section = _section(after.get_data(as_text=True))
    assert (before.status_code, after.status_code) == (200, 200)
    assert '<h2 id="agenda-changes-heading">Agenda changes</h2>' in section
    assert _changes(section) == [("moved", "Opening"), ("added", "Dinner")]
    assert "<s>Jan 14, 2027, 09:00–10:00 Berlin (UTC+1)</s> · <s>Jan 14, 2027, 16:00–17:00 Beijing (UTC+8)</s>" \
        in section
    assert "Jan 14, 2027, 11:00–12:00 Berlin (UTC+1) · Jan 14, 2027, 18:00–19:00 Beijing (UTC+8)" in section
    assert "Room: Saal 1 → Saal 3" in section
    assert len(re.findall(r'<span class="change-released">Released [^<]+ Berlin \(UTC\+1\)</span>', section)) == 2


def test_event_page_lists_newest_release_first_in_the_readers_language(client, data):
    with data() as session:
        event = make_event(session, slug="forum")
        make_session(session, event, title={"de": "Eröffnung", "zh": "开幕式"}, room="Saal 1")
    _release_moves(data, "forum")
    with data() as session:
        event = session.scalar(select(Event).where(Event.slug == "forum"))
        item = next(item for item in event.sessions if item.room == "Saal 3")
        services.cancel_session(session, event, f"s{item.id}", None)
        services.release_agenda(session, event, None)

    section = _section(client.get("/events/forum/?lang=zh").get_data(as_text=True))

    assert [kind for kind, _title in _changes(section)] == ["cancelled", "moved", "added"]
    assert _changes(section)[0][1] == "开幕式"
    assert "北京 (UTC+8)" in section
