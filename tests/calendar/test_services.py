"""The feed builder: content, stable identities, links, timezones, folding, query count."""
from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from sqlalchemy.orm import Session

from eventapp.calendar.services import (
    FeedScope,
    build_feed,
    event_uid,
    feed_version,
    fold_line,
    get_feed_target,
    serialise,
    session_uid,
)
from eventapp.calendar.timezones import vtimezone
from eventapp.events.services import (
    EventData,
    cancel_session,
    move_session,
    set_event_status,
    update_event,
)
from eventapp.manage.services import cancel_event
from eventapp.models import Event, EventStatus, Visibility
from tests.calendar.conftest import (
    ORGANISERS_LINK,
    PARTICIPANTS_LINK,
    PUBLIC_LINK,
    make_feed_event,
)
from tests.calendar.parsers import read_icalendar, read_vobject
from tests.factories import make_event, make_session

BERLIN_VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Berlin\r\n"
    "X-LIC-LOCATION:Europe/Berlin\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZNAME:CEST\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZNAME:CET\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)
SHANGHAI_VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Asia/Shanghai\r\n"
    "X-LIC-LOCATION:Asia/Shanghai\r\n"
    "BEGIN:STANDARD\r\n"
    "TZNAME:CST\r\n"
    "TZOFFSETFROM:+0800\r\n"
    "TZOFFSETTO:+0800\r\n"
    "DTSTART:19700101T000000\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


def event_scope(event: Event, language: str = "de", **fields: object) -> FeedScope:
    return FeedScope(language=language, name=event.text("title", language), event_ids={event.id}, **fields)


def unfolded_lines(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_build_feed_calendar_header_lines(session: Session, winter_event: Event) -> None:
    body = build_feed(session, event_scope(winter_event, "de"))

    assert unfolded_lines(body)[:9] == [
        "BEGIN:VCALENDAR",
        "PRODID:-//ISA Chinesisch-Deutsche Industriestaedteallianz//Events//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "NAME;LANGUAGE=de:Wasserstoff-Fachtagung Köln",
        "X-WR-CALNAME:Wasserstoff-Fachtagung Köln",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]


def test_build_feed_chinese_name_language_tag(session: Session, winter_event: Event) -> None:
    body = build_feed(session, event_scope(winter_event, "zh"))

    assert "NAME;LANGUAGE=zh-Hans:科隆氢能专业会议" in unfolded_lines(body)


def test_vtimezone_berlin_rrule_form_once_per_process() -> None:
    assert serialise(vtimezone("Europe/Berlin")).decode() == BERLIN_VTIMEZONE
    assert serialise(vtimezone("Asia/Shanghai")).decode() == SHANGHAI_VTIMEZONE
    assert vtimezone("Europe/Berlin") is vtimezone("Europe/Berlin")


def test_build_feed_one_vtimezone_per_zone_used(session: Session, winter_event: Event) -> None:
    make_event(
        session, slug="foshan-visit", timezone="Asia/Shanghai",
        starts_local=datetime(2027, 3, 2, 9, 0), ends_local=datetime(2027, 3, 2, 17, 0),
    )
    body = build_feed(session, FeedScope(language="en", name="all"))

    assert body.count(b"BEGIN:VTIMEZONE") == 2
    assert BERLIN_VTIMEZONE.encode() in body
    assert SHANGHAI_VTIMEZONE.encode() in body
    assert b"DTSTART;TZID=Asia/Shanghai:20270302T090000" in body
    assert b"DTSTART;TZID=Europe/Berlin:20270114T080000" in body


def test_build_feed_items_carry_required_properties(session: Session, winter_event: Event) -> None:
    calendar = Calendar.from_ical(build_feed(session, event_scope(winter_event, "en")))
    talk = winter_event.sessions[0]

    events = {str(item["UID"]): item for item in calendar.walk("VEVENT")}
    assert sorted(events) == sorted(
        [event_uid(winter_event), *(session_uid(item) for item in winter_event.sessions)]
    )
    item = events[session_uid(talk)]
    assert str(item["UID"]) == f"session-{talk.id}@events.example.org"
    assert item.decoded("DTSTAMP") == talk.updated_at.replace(microsecond=0)
    assert item.decoded("CREATED") == talk.created_at.replace(microsecond=0)
    assert item.decoded("LAST-MODIFIED") == talk.updated_at.replace(microsecond=0)
    assert int(item["SEQUENCE"]) == 0
    assert str(item["STATUS"]) == "CONFIRMED"
    assert str(item["SUMMARY"]) == "Welcome and overview"
    assert item["SUMMARY"].params["LANGUAGE"] == "en"
    assert str(item["ORGANIZER"]) == "mailto:office@isa-alliance.example"
    assert item["ORGANIZER"].params["CN"] == "ISA Office"
    assert str(item["LOCATION"]) == "Ratssaal, Rathaus Köln, Rathausplatz 2, 50667 Köln"
    assert str(item["URL"]) == PUBLIC_LINK
    assert [str(value) for value in item["CATEGORIES"].cats] == [
        "Hydrogen technology", "Investment and settlement"
    ]
    whole = events[event_uid(winter_event)]
    assert str(whole["URL"]) == f"https://events.example.org/events/{winter_event.slug}/"
    assert str(whole["LOCATION"]) == "Rathaus Köln, Rathausplatz 2, 50667 Köln"


def test_session_description_has_text_both_zones_speakers_and_page(
    session: Session, winter_event: Event
) -> None:
    talk = winter_event.sessions[0]
    calendar = Calendar.from_ical(build_feed(session, event_scope(winter_event, "en")))
    item = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == session_uid(talk))

    assert str(item["DESCRIPTION"]) == (
        "Einführung in die Zusammenarbeit zwischen Köln und Foshan.\n\n"
        "Jan 14, 2027 09:00–10:00 Berlin (UTC+1)\n"
        "Jan 14, 2027 16:00–17:00 Beijing (UTC+8)\n\n"
        "Speakers: Jürgen Weiß (Wirtschaftsförderung Köln), 王晓明 (佛山市投资促进局)\n\n"
        "Room: Ratssaal\n\n"
        "Language: German\nInterpretation German–Chinese\n\n"
        f"Join online: {PUBLIC_LINK}\n\n"
        "Part of: Hydrogen expert meeting Cologne\n"
        f"Details and agenda: https://events.example.org/events/{winter_event.slug}/#session-{talk.id}"
    )


def test_summer_description_shows_six_hour_gap(session: Session, summer_event: Event) -> None:
    talk = summer_event.sessions[0]
    calendar = Calendar.from_ical(build_feed(session, event_scope(summer_event, "en")))
    item = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == session_uid(talk))

    assert str(item["DESCRIPTION"]).split("\n\n")[1] == (
        "Jul 14, 2027 09:00–10:00 Berlin (UTC+2)\nJul 14, 2027 15:00–16:00 Beijing (UTC+8)"
    )


def test_uids_stable_through_rename_move_and_language(session: Session, winter_event: Event) -> None:
    talk = winter_event.sessions[0]
    before = read_icalendar(build_feed(session, event_scope(winter_event, "de")))
    data = EventData(
        slug="renamed-meeting", main_language="de",
        title={"de": "Neuer Name", "en": "New name"}, kind=winter_event.kind,
        format=winter_event.format, timezone=winter_event.timezone,
        starts_local=datetime(2027, 1, 14, 8, 0), ends_local=datetime(2027, 1, 14, 18, 0),
        status=EventStatus.PUBLISHED, topics=["hydrogen"],
    )
    update_event(session, winter_event, data)
    move_session(session, talk, datetime(2027, 1, 14, 13, 0), datetime(2027, 1, 14, 14, 0))
    session.commit()
    after_de = read_icalendar(build_feed(session, event_scope(winter_event, "de")))
    after_zh = read_icalendar(build_feed(session, event_scope(winter_event, "zh")))

    assert sorted(after_de) == sorted(before)
    assert sorted(after_zh) == sorted(before)
    assert after_de[event_uid(winter_event)].summary == "Neuer Name"
    assert after_de[event_uid(winter_event)].sequence > before[event_uid(winter_event)].sequence
    assert after_de[session_uid(talk)].starts_at == datetime(2027, 1, 14, 12, 0, tzinfo=UTC)
    assert after_de[session_uid(talk)].sequence > before[session_uid(talk)].sequence


def test_moved_session_keeps_uid_with_higher_sequence(session: Session, winter_event: Event) -> None:
    talk = winter_event.sessions[0]
    before = read_icalendar(build_feed(session, event_scope(winter_event)))
    move_session(session, talk, datetime(2027, 1, 14, 14, 0), datetime(2027, 1, 14, 15, 0))
    session.commit()
    after = read_icalendar(build_feed(session, event_scope(winter_event)))

    assert after[session_uid(talk)].starts_at == datetime(2027, 1, 14, 13, 0, tzinfo=UTC)
    assert after[session_uid(talk)].sequence == before[session_uid(talk)].sequence + 1


def test_before_after_move_shows_one_updated_item(session: Session, winter_event: Event) -> None:
    talk = winter_event.sessions[1]
    before = read_icalendar(build_feed(session, event_scope(winter_event)))
    move_session(session, talk, datetime(2027, 1, 14, 14, 0), datetime(2027, 1, 14, 15, 30))
    session.commit()
    after = read_icalendar(build_feed(session, event_scope(winter_event)))

    assert sorted(after) == sorted(before)
    changed = [uid for uid in after if after[uid] != before[uid]]
    assert changed == [session_uid(talk)]
    assert after[session_uid(talk)].sequence == before[session_uid(talk)].sequence + 1


def test_cancelled_session_stays_with_status_and_prefix(session: Session, winter_event: Event) -> None:
    panel = winter_event.sessions[1]
    before = read_icalendar(build_feed(session, event_scope(winter_event, "en")))
    cancel_session(session, panel)
    session.commit()
    bodies = {lang: build_feed(session, event_scope(winter_event, lang)) for lang in ("de", "en", "zh")}
    items = {lang: read_icalendar(body)[session_uid(panel)] for lang, body in bodies.items()}

    assert items["en"].status == "CANCELLED"
    assert items["en"].sequence == before[session_uid(panel)].sequence + 1
    assert items["de"].summary == "Abgesagt: Podium: Elektrolyse im Industriemaßstab"
    assert items["en"].summary == "Cancelled: Podium: Elektrolyse im Industriemaßstab"
    assert items["zh"].summary == "已取消：圆桌：工业规模电解"
    assert read_vobject(bodies["de"])[session_uid(panel)].status == "CANCELLED"


def test_cancelled_event_cancels_its_sessions_with_higher_sequence(
    session: Session, winter_event: Event
) -> None:
    before = read_icalendar(build_feed(session, event_scope(winter_event, "en")))
    set_event_status(session, winter_event, EventStatus.CANCELLED)
    session.commit()
    after = read_icalendar(build_feed(session, event_scope(winter_event, "en")))

    assert sorted(after) == sorted(before)
    assert {item.status for item in after.values()} == {"CANCELLED"}
    assert all(after[uid].sequence == before[uid].sequence + 1 for uid in after)


def test_cancelling_an_event_raises_every_stamp_with_the_sequence(
    session: Session, winter_event: Event, time_machine
) -> None:
    cancelled_at = datetime(2027, 1, 2, 9, 30, tzinfo=UTC)
    time_machine.move_to(cancelled_at, tick=False)
    cancel_event(session, winter_event, None)
    session.commit()

    calendar = Calendar.from_ical(build_feed(session, event_scope(winter_event, "en")))
    stamps = {
        str(item["UID"]): (item.decoded("LAST-MODIFIED"), item.decoded("DTSTAMP"), str(item["STATUS"]))
        for item in calendar.walk("VEVENT")
    }
    assert stamps == {uid: (cancelled_at, cancelled_at, "CANCELLED") for uid in stamps}
    assert len(stamps) == 4


def test_drafts_never_appear(session: Session, winter_event: Event) -> None:
    draft = make_event(session, slug="secret-draft", status=EventStatus.DRAFT)
    make_session(session, draft)
    session.commit()

    body = build_feed(session, FeedScope(language="de", name="all"))

    assert sorted(read_icalendar(body)) == sorted(
        [event_uid(winter_event), *(session_uid(item) for item in winter_event.sessions)]
    )
    assert b"secret-draft" not in body


def test_public_feed_leaves_out_restricted_links(session: Session, winter_event: Event) -> None:
    body = build_feed(session, event_scope(winter_event, "de"))

    assert PUBLIC_LINK.encode() in body
    assert b"zoom.us" not in body
    assert b"teams.microsoft.com" not in body
    assert b"/join/" not in body


def test_personal_scope_links_chosen_sessions_and_cancellation(
    session: Session, winter_event: Event
) -> None:
    talk, panel, briefing = winter_event.sessions
    scope = event_scope(
        winter_event, "en",
        session_ids={talk.id, panel.id},
        link_visibilities={Visibility.PUBLIC, Visibility.PARTICIPANTS},
        join_token="tok123",
    )
    items = read_icalendar(build_feed(session, scope))
    body = build_feed(session, scope)
    cancelled = read_icalendar(
        build_feed(session, event_scope(
            winter_event, "en", session_ids={talk.id, panel.id},
            cancelled_event_ids={winter_event.id},
            link_visibilities={Visibility.PUBLIC, Visibility.PARTICIPANTS}, join_token="tok123",
        ))
    )

    assert sorted(items) == sorted([event_uid(winter_event), session_uid(talk), session_uid(panel)])
    assert f"https://events.example.org/join/tok123/{panel.id}".encode() in body
    assert PARTICIPANTS_LINK.encode() not in body
    assert ORGANISERS_LINK.encode() not in body
    assert {item.status for item in cancelled.values()} == {"CANCELLED"}
    assert all(cancelled[uid].sequence == items[uid].sequence + 1 for uid in items)


def test_public_link_with_reveal_time_goes_through_join_route(session: Session) -> None:
    event = make_event(session, slug="reveal-test")
    item = make_session(
        session, event, join_url=PUBLIC_LINK, join_visibility=Visibility.PUBLIC, join_reveal_minutes=15
    )
    session.commit()

    body = build_feed(session, event_scope(event))

    assert PUBLIC_LINK.encode() not in body
    assert f"URL:https://events.example.org/events/reveal-test/sessions/{item.id}/join".encode() in body


def test_umlauts_and_chinese_round_trip_in_both_python_parsers(
    session: Session, winter_event: Event
) -> None:
    talk = winter_event.sessions[0]
    for language, title in (("de", "Begrüßung und Überblick"), ("zh", "欢迎致辞与概述")):
        body = build_feed(session, event_scope(winter_event, language))
        assert read_icalendar(body)[session_uid(talk)].summary == title
        assert read_vobject(body)[session_uid(talk)].summary == title


def test_lines_crlf_and_folded_at_75_octets_without_splitting_characters(
    session: Session, winter_event: Event
) -> None:
    body = build_feed(session, event_scope(winter_event, "zh"))
    physical = body.split(b"\r\n")

    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert b"\r" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in physical) == 75
    for line in physical:
        line.decode("utf-8")  # a character split across a fold would not decode


def test_fold_line_steps_back_to_character_start() -> None:
    line = ("SUMMARY:" + "工" * 60).encode()  # 8 + 180 octets, characters start at 8 + 3n

    folded = fold_line(line).split(b"\r\n")

    assert [len(part) for part in folded] == [74, 73, 43]
    assert b"".join(part.removeprefix(b" ") if i else part for i, part in enumerate(folded)) == line


def test_serialise_equals_icalendar_own_output(session: Session, winter_event: Event) -> None:
    body = build_feed(session, event_scope(winter_event, "zh"))
    calendar = Calendar.from_ical(body)

    assert Calendar.from_ical(calendar.to_ical()) == calendar
    assert serialise(calendar).replace(b"\r\n ", b"") == calendar.to_ical(sorted=False).replace(b"\r\n ", b"")


def test_empty_filtered_feed_still_holds_one_component(session: Session, winter_event: Event) -> None:
    body = build_feed(session, FeedScope(language="en", name="ISA events", topic="biotechnology"))

    assert read_icalendar(body) == {}
    assert unfolded_lines(body) == [
        "BEGIN:VCALENDAR",
        "PRODID:-//ISA Chinesisch-Deutsche Industriestaedteallianz//Events//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "NAME;LANGUAGE=en:ISA events",
        "X-WR-CALNAME:ISA events",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
        *BERLIN_VTIMEZONE.split("\r\n")[:-1],
        "END:VCALENDAR",
        "",
    ]


def test_build_feed_same_query_count_for_one_and_three_sessions(session: Session, count_queries) -> None:
    small = make_feed_event(session, slug="one-session")
    for item in small.sessions[1:]:
        session.delete(item)
    session.commit()
    large = make_feed_event(session, slug="three-sessions")
    small_id, large_id = small.id, large.id
    session.expire_all()

    count_queries.statements.clear()
    build_feed(session, FeedScope(language="de", name="x", event_ids={small_id}))
    one = count_queries.count
    session.expire_all()
    count_queries.statements.clear()
    build_feed(session, FeedScope(language="de", name="x", event_ids={large_id}))
    three = count_queries.count

    assert (one, three) == (4, 4)


def test_feed_version_one_query_and_changes_with_data(session: Session, winter_event: Event, count_queries) -> None:
    scope = event_scope(winter_event)
    count_queries.statements.clear()
    first = feed_version(session, scope)
    queries = count_queries.count
    again = feed_version(session, scope)
    move_session(session, winter_event.sessions[0], datetime(2027, 1, 14, 13, 0), datetime(2027, 1, 14, 14, 0))
    session.commit()
    moved = feed_version(session, scope)

    assert queries == 1
    assert again == first
    assert moved.etag != first.etag
    assert moved.last_modified >= first.last_modified
    assert feed_version(session, event_scope(winter_event, "en")).etag != first.etag


def test_feed_target_version_equals_feed_version(session: Session, winter_event: Event) -> None:
    talk = winter_event.sessions[0]
    scope = event_scope(winter_event)
    target = get_feed_target(session, winter_event.slug, "de")
    session_target = get_feed_target(session, winter_event.slug, "en", talk.id)

    assert target.title == "Wasserstoff-Fachtagung Köln"
    assert session_target.title == "Welcome and overview"
    assert target.feed_version(scope) == feed_version(session, scope)
    assert session_target.feed_version(scope) == feed_version(session, scope)
    assert get_feed_target(session, winter_event.slug, "de", talk.id + 1000) is None
