"""The agenda service: both zones per slot, days, filters, current and next session."""
import html
import re
from datetime import UTC, datetime

from werkzeug.datastructures import MultiDict

from eventapp.events.agenda_html import filter_links_html
from eventapp.events.services import (
    AgendaFilters,
    build_agenda,
    cancel_session,
    get_event_page,
    get_event_stamp,
    get_or_create_speaker,
    get_registration_state,
    page_marker,
    session_boundaries,
)
from eventapp.models import EventStatus, Visibility
from tests.factories import make_event, make_session

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _cells(agenda):
    slot = agenda.days[0].slots[0]
    return [(cell.zone, cell.start, cell.end, cell.offset, cell.day_shift) for cell in slot.cells]


def _titles(agenda):
    return [row.title for day in agenda.days for slot in day.slots for row in slot.rows]


def test_build_agenda_winter_berlin_nine_is_beijing_sixteen(session):
    event = make_event(session)
    make_session(session, event, starts_local=datetime(2027, 1, 14, 9, 0),
                 ends_local=datetime(2027, 1, 14, 10, 0))

    agenda = build_agenda(get_event_page(session, event.id), "en", AgendaFilters(), NOW)

    assert _cells(agenda) == [
        ("Europe/Berlin", "09:00", "10:00", "UTC+1", 0),
        ("Asia/Shanghai", "16:00", "17:00", "UTC+8", 0),
    ]


def test_build_agenda_summer_berlin_nine_is_beijing_fifteen(session):
    event = make_event(session, starts_local=datetime(2027, 6, 10, 8, 0),
                       ends_local=datetime(2027, 6, 10, 18, 0))
    make_session(session, event, starts_local=datetime(2027, 6, 10, 9, 0),
                 ends_local=datetime(2027, 6, 10, 10, 30))

    agenda = build_agenda(get_event_page(session, event.id), "en", AgendaFilters(), NOW)

    assert _cells(agenda) == [
        ("Europe/Berlin", "09:00", "10:30", "UTC+2", 0),
        ("Asia/Shanghai", "15:00", "16:30", "UTC+8", 0),
    ]


def test_build_agenda_shanghai_event_marks_previous_day_in_berlin(session):
    event = make_event(session, timezone="Asia/Shanghai", starts_local=datetime(2027, 1, 14, 6, 0),
                       ends_local=datetime(2027, 1, 14, 12, 0))
    make_session(session, event, starts_local=datetime(2027, 1, 14, 6, 30),
                 ends_local=datetime(2027, 1, 14, 7, 30))

    agenda = build_agenda(get_event_page(session, event.id), "en", AgendaFilters(), NOW)

    assert agenda.zones == ("Asia/Shanghai", "Europe/Berlin")
    assert [day.day for day in agenda.days] == ["2027-01-14"]
    assert _cells(agenda) == [
        ("Asia/Shanghai", "06:30", "07:30", "UTC+8", 0),
        ("Europe/Berlin", "23:30", "00:30", "UTC+1", -1),
    ]


def test_build_agenda_groups_by_local_day_and_shares_slot_times(session):
    event = make_event(session, ends_local=datetime(2027, 1, 15, 17, 0))
    make_session(session, event, title={"de": "A"}, room="Saal 1")
    make_session(session, event, title={"de": "B"}, room="Saal 2")
    make_session(session, event, title={"de": "C"}, starts_local=datetime(2027, 1, 15, 9, 0),
                 ends_local=datetime(2027, 1, 15, 10, 0))

    agenda = build_agenda(get_event_page(session, event.id), "de", AgendaFilters(), NOW)

    assert [(day.day, [[row.title for row in slot.rows] for slot in day.slots]) for day in agenda.days] == [
        ("2027-01-14", [["A", "B"]]),
        ("2027-01-15", [["C"]]),
    ]
    assert agenda.all_days == ["2027-01-14", "2027-01-15"]


def test_build_agenda_titles_fall_back_to_main_language(session):
    event = make_event(session)
    make_session(session, event, title={"de": "Eröffnung", "zh": "开幕"})

    page = get_event_page(session, event.id)

    assert _titles(build_agenda(page, "zh", AgendaFilters(), NOW)) == ["开幕"]
    row = build_agenda(page, "en", AgendaFilters(), NOW).days[0].slots[0].rows[0]
    assert (row.title, row.title_language) == ("Eröffnung", "de")


def _filter_event(session):
    event = make_event(session, ends_local=datetime(2027, 1, 15, 17, 0))
    make_session(session, event, title={"de": "Wasserstoff"}, room="Saal 1", spoken_language="de",
                 topics=["hydrogen"])
    make_session(session, event, title={"de": "Batterien"}, room="Saal 2", spoken_language="zh",
                 topics=["battery_production"])
    make_session(session, event, title={"de": "Logistik"}, room="Saal 1", spoken_language="en",
                 topics=["smart_logistics", "hydrogen"], starts_local=datetime(2027, 1, 15, 9, 0),
                 ends_local=datetime(2027, 1, 15, 10, 0))
    return get_event_page(session, event.id)


def test_build_agenda_filters_by_room(session):
    page = _filter_event(session)
    agenda = build_agenda(page, "de", AgendaFilters(room="Saal 1"), NOW)
    assert _titles(agenda) == ["Wasserstoff", "Logistik"]
    assert (agenda.shown, agenda.total) == (2, 3)


def test_build_agenda_filters_by_day_language_and_topic(session):
    page = _filter_event(session)
    assert _titles(build_agenda(page, "de", AgendaFilters(day="2027-01-15"), NOW)) == ["Logistik"]
    assert _titles(build_agenda(page, "de", AgendaFilters(language="zh"), NOW)) == ["Batterien"]
    assert _titles(build_agenda(page, "de", AgendaFilters(topic="hydrogen"), NOW)) == [
        "Wasserstoff", "Logistik"
    ]
    assert _titles(build_agenda(page, "de", AgendaFilters(room="Saal 2", topic="hydrogen"), NOW)) == []


def test_build_agenda_lists_filter_choices_from_all_sessions(session):
    page = _filter_event(session)
    agenda = build_agenda(page, "de", AgendaFilters(room="Saal 2"), NOW)
    assert (agenda.all_days, agenda.rooms, agenda.languages, agenda.topics) == (
        ["2027-01-14", "2027-01-15"],
        ["Saal 1", "Saal 2"],
        ["de", "en", "zh"],
        ["battery_production", "hydrogen", "smart_logistics"],
    )


def test_agenda_filters_from_args_drops_bad_day_and_blank_values():
    filters = AgendaFilters.from_args(MultiDict({"day": "2027-13-40", "room": "  ", "language": "zh",
                                                  "topic": "hydrogen", "other": "x"}))
    assert filters == AgendaFilters(day=None, room=None, language="zh", topic="hydrogen")


def test_filter_links_change_one_filter_and_keep_the_others(app):
    groups = [
        ("day", "Day", ["2027-01-14", "2027-01-15"], {"2027-01-14": "Thu"}),
        ("room", "Room", ["Saal 1", 'A&B "x"'], {}),
        ("language", "Language", ["zh"], {"zh": "Chinese"}),
        ("topic", "Topic", ["hydrogen"], {}),
        ("topic", "Never shown: nothing to choose", [], {}),
    ]
    with app.test_request_context("/?lang=en"):
        markup = str(filter_links_html(groups, AgendaFilters(language="zh", topic="hydrogen"), "/events/x/"))

    links = [
        (html.unescape(href), current == ' aria-current="true"', html.unescape(text))
        for href, current, text in re.findall(r'<a data-agenda-link href="([^"]*)#agenda"([^>]*)>([^<]*)</a>', markup)
    ]
    rest = "&language=zh&topic=hydrogen"
    assert re.findall(r'<nav class="filter-group" aria-label="([^"]*)">', markup) == ["Day", "Room", "Language", "Topic"]
    assert links == [
        ("/events/x/?" + rest[1:], True, "All"),
        ("/events/x/?day=2027-01-14" + rest, False, "Thu"),
        ("/events/x/?day=2027-01-15" + rest, False, "2027-01-15"),
        ("/events/x/?" + rest[1:], True, "All"),
        ("/events/x/?room=Saal+1" + rest, False, "Saal 1"),
        ("/events/x/?room=A%26B+%22x%22" + rest, False, 'A&B "x"'),
        ("/events/x/?topic=hydrogen", False, "All"),
        ("/events/x/?language=zh&topic=hydrogen", True, "Chinese"),
        ("/events/x/?language=zh", False, "All"),
        ("/events/x/?language=zh&topic=hydrogen", True, "hydrogen"),
    ]
    assert 'A&amp;B &#34;x&#34;</a>' in markup and 'href="/events/x/?room=Saal+1&amp;language=zh' in markup


def test_build_agenda_marks_current_and_next_while_running(session):
    event = make_event(session)
    first = make_session(session, event, title={"de": "Eins"})
    second = make_session(session, event, title={"de": "Zwei"}, starts_local=datetime(2027, 1, 14, 10, 0),
                          ends_local=datetime(2027, 1, 14, 11, 0))
    third = make_session(session, event, title={"de": "Drei"}, starts_local=datetime(2027, 1, 14, 11, 0),
                         ends_local=datetime(2027, 1, 14, 12, 0))
    running = datetime(2027, 1, 14, 8, 30, tzinfo=UTC)  # 09:30 in Berlin

    agenda = build_agenda(get_event_page(session, event.id), "de", AgendaFilters(), running)

    states = {row.id: row.state for day in agenda.days for slot in day.slots for row in slot.rows}
    assert states == {first.id: "current", second.id: "next", third.id: ""}
    assert agenda.is_running is True


def test_build_agenda_marks_nothing_before_the_event(session):
    event = make_event(session)
    make_session(session, event)
    agenda = build_agenda(get_event_page(session, event.id), "de", AgendaFilters(), NOW)
    assert [row.state for row in agenda.days[0].slots[0].rows] == [""]


def test_build_agenda_keeps_cancelled_sessions(session):
    event = make_event(session)
    item = make_session(session, event)
    cancel_session(session, item)
    row = build_agenda(get_event_page(session, event.id), "de", AgendaFilters(), NOW).days[0].slots[0].rows[0]
    assert (row.is_cancelled, row.css) == (True, "session is-cancelled")


def test_build_agenda_marks_only_public_join_links(session):
    event = make_event(session)
    make_session(session, event, title={"de": "Offen"}, join_url="https://zoom.us/j/1",
                 join_visibility=Visibility.PUBLIC)
    make_session(session, event, title={"de": "Intern"}, join_url="https://zoom.us/j/2",
                 join_visibility=Visibility.PARTICIPANTS)
    rows = build_agenda(get_event_page(session, event.id), "de", AgendaFilters(), NOW).days[0].slots[0].rows
    assert [(row.title, row.is_virtual, row.has_public_join) for row in rows] == [
        ("Offen", True, True), ("Intern", True, False)
    ]


def test_page_marker_changes_at_each_session_boundary_while_running(session):
    event = make_event(session)
    make_session(session, event)
    make_session(session, event, starts_local=datetime(2027, 1, 14, 10, 0),
                 ends_local=datetime(2027, 1, 14, 11, 0))
    stamp = get_event_stamp(session, event.slug)
    bounds = session_boundaries(get_event_page(session, event.id))

    markers = [
        page_marker(stamp, datetime(2027, 1, 14, hour, minute, tzinfo=UTC), bounds)
        for hour, minute in ((7, 0), (8, 10), (8, 50), (9, 10), (10, 30), (17, 0))
    ]

    assert markers == ["pre0.0", "run1.1", "run1.1", "run1.2", "run1.3", "post2.4"]
    assert page_marker(stamp, datetime(2027, 1, 14, 9, 10, tzinfo=UTC), None) is None


def test_get_event_stamp_hides_drafts(session):
    event = make_event(session, status=EventStatus.DRAFT)
    assert get_event_stamp(session, event.slug) is None
    assert get_event_stamp(session, "no-such-event") is None


def test_get_registration_state_counts_seats_left(session):
    event = make_event(session, registration_opens_local=datetime(2026, 10, 1, 9, 0),
                       registration_closes_local=datetime(2027, 1, 10, 9, 0), capacity_onsite=40)
    event.taken_onsite = 38

    state = get_registration_state(event, NOW)

    assert (state.status, state.seats_onsite, state.seats_online) == ("open", 2, None)
    assert get_registration_state(event, datetime(2026, 9, 1, tzinfo=UTC)).status == "not_open_yet"
    assert get_registration_state(event, datetime(2027, 1, 11, tzinfo=UTC)).status == "closed"


def test_build_agenda_marks_the_end_of_an_item_crossing_midnight_in_the_partner_zone(session):
    event = make_event(session, starts_local=datetime(2027, 1, 14, 9, 0),
                       ends_local=datetime(2027, 1, 14, 20, 0))
    make_session(session, event, starts_local=datetime(2027, 1, 14, 16, 30),
                 ends_local=datetime(2027, 1, 14, 18, 0))

    agenda = build_agenda(get_event_page(session, event.id), "en", AgendaFilters(), NOW)
    cells = agenda.days[0].slots[0].cells

    assert [(cell.start, cell.end, cell.day_shift, cell.end_day_shift) for cell in cells] == [
        ("16:30", "18:00", 0, 0),
        ("23:30", "01:00", 0, 1),
    ]


def test_event_page_shows_partner_day_mark_on_the_end_only(session, client):
    event = make_event(session, starts_local=datetime(2027, 1, 14, 9, 0),
                       ends_local=datetime(2027, 1, 14, 20, 0))
    make_session(session, event, starts_local=datetime(2027, 1, 14, 16, 30),
                 ends_local=datetime(2027, 1, 14, 18, 0))
    item = make_session(session, event, starts_local=datetime(2027, 1, 14, 17, 30),
                        ends_local=datetime(2027, 1, 14, 19, 0), room="B")
    session.commit()

    agenda = client.get(f"/events/{event.slug}/?lang=en").get_data(as_text=True)
    detail = client.get(f"/events/{event.slug}/sessions/{item.id}/?lang=en").get_data(as_text=True)

    assert '23:30–01:00<span class="day-shift">+1</span></span>' in agenda
    assert '00:30–02:00</span> <abbr title="Asia/Shanghai (UTC+8)">' in agenda
    assert 'title="Asia/Shanghai (UTC+8)">Beijing</abbr> <span class="day-shift">+1</span>' in agenda
    assert '<time datetime="2027-01-14T16:30:00+00:00">00:30</time>–' in detail


def test_event_page_rows_read_as_the_orm_reads_them(session):
    """get_event_page reads the agenda's columns as the driver returns them and converts each
    distinct value itself: the rows must hold what the mapped sessions hold (aware UTC
    instants, enums, booleans, decoded titles and topics) on every database."""
    event = make_event(session, ends_local=datetime(2027, 1, 15, 17, 0))
    make_session(session, event, title={"de": "Eröffnung", "zh": "开幕"}, room="Saal 1",
                 topics=["hydrogen", "smart_logistics"], has_interpretation=True,
                 join_url="https://meet.example.org/a", join_visibility=Visibility.PUBLIC,
                 join_reveal_minutes=15)
    make_session(session, event, title={"de": "Parallel"}, room="Saal 2", is_virtual=True)
    cancelled = make_session(session, event, title={"de": "Abgesagt"},
                             starts_local=datetime(2027, 1, 15, 9, 30),
                             ends_local=datetime(2027, 1, 15, 10, 15))
    cancel_session(session, cancelled)
    session.expire_all()

    rows = get_event_page(session, event.id).sessions

    mapped = sorted(event.sessions, key=lambda item: (item.starts_at, item.room or "", item.id))
    assert len(rows) == 3
    for row, item in zip(rows, mapped, strict=True):
        expected = {name: getattr(item, name) for name in row._fields}
        expected["topics"] = tuple(item.topics)
        assert row._asdict() == expected
        assert row.starts_at.utcoffset().total_seconds() == 0
        assert type(row.kind) is type(item.kind) and type(row.is_virtual) is bool


def test_event_page_speakers_read_as_the_orm_reads_them(session):
    event = make_event(session)
    zhang = get_or_create_speaker(session, "Zhang Wei", "Stadt Foshan", bio={"zh": "研究氢能。"})
    arndt = get_or_create_speaker(session, "Arndt Berg", None, bio={"de": "Kurz.", "en": "Short."})
    bare = get_or_create_speaker(session, "Ute Bauer", "Uni")
    make_session(session, event, title={"de": "A"}, speakers=[zhang, arndt])
    make_session(session, event, title={"de": "B"}, room="Saal 2", speakers=[arndt, zhang, bare])
    make_session(session, event, title={"de": "C"}, room="Saal 3")
    session.expire_all()

    page = get_event_page(session, event.id)

    assert [row.name for row in page.speakers] == ["Arndt Berg", "Ute Bauer", "Zhang Wei"]
    for row, speaker in zip(page.speakers, (arndt, bare, zhang), strict=True):
        assert row._asdict() == {name: getattr(speaker, name) for name in row._fields}
    ids = {row.title_i18n["de"]: row.id for row in page.sessions}
    assert page.speaker_names[ids["A"]] == ["Arndt Berg", "Zhang Wei"]
    assert page.speaker_names[ids["B"]] == ["Arndt Berg", "Ute Bauer", "Zhang Wei"]
    assert ids["C"] not in page.speaker_names
