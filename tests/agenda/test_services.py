from datetime import datetime

import pytest

from eventapp.agenda import services
from eventapp.events.services import SessionData, get_or_create_speaker
from eventapp.models import AgendaChange, ChangeKind, EventSession, EventStatus, SessionKind
from eventapp.rules.errors import RuleError
from tests.factories import make_event, make_session, make_user


def talk(hour: int, room: str | None = "Saal 1", **overrides) -> SessionData:
    values = {
        "title": {"de": f"Vortrag {hour}"},
        "kind": SessionKind.TALK,
        "starts_local": datetime(2027, 1, 14, hour, 0),
        "ends_local": datetime(2027, 1, 14, hour + 1, 0),
        "room": room,
    }
    values.update(overrides)
    return SessionData(**values)


def test_save_session_on_draft_event_writes_at_once(session):
    event = make_event(session, status=EventStatus.DRAFT)
    key = services.save_session(session, event, talk(9), None)
    item = session.get(EventSession, int(key[1:]))
    assert (key[0], item.room, services.count_drafts(session, event)) == ("s", "Saal 1", 0)


def test_save_session_on_published_event_waits_for_release(session):
    event = make_event(session)
    key = services.save_session(session, event, talk(9), None)
    planned = services.list_planned_sessions(session, event)
    assert key.startswith("d")
    assert [(item.key, item.pending) for item in planned] == [(key, services.DraftAction.CREATE)]
    assert session.query(EventSession).count() == 0


def test_room_used_twice_is_an_error(session):
    event = make_event(session, status=EventStatus.DRAFT)
    services.save_session(session, event, talk(9), None)
    with pytest.raises(services.ConflictError) as caught:
        services.save_session(session, event, talk(9, title={"de": "Zweiter"}), None)
    assert [(c.code, c.severity) for c in caught.value.conflicts] == [("room", "error")]


def test_break_overlap_is_a_warning_that_can_be_accepted(session):
    event = make_event(session, status=EventStatus.DRAFT)
    services.save_session(session, event, talk(9), None)
    coffee = talk(9, kind=SessionKind.BREAK, title={"de": "Kaffee"})
    with pytest.raises(services.ConflictError) as caught:
        services.save_session(session, event, coffee, None)
    assert [(c.code, c.severity) for c in caught.value.conflicts] == [("break", "warning")]
    assert services.save_session(session, event, coffee, None, accept_warnings=True)


def test_speaker_in_two_places_is_an_error(session):
    event = make_event(session, status=EventStatus.DRAFT)
    speaker = get_or_create_speaker(session, "Li Wei")
    services.save_session(session, event, talk(9, speakers=[speaker]), None)
    with pytest.raises(services.ConflictError) as caught:
        services.save_session(session, event, talk(9, room="Saal 2", speakers=[speaker]), None)
    assert [c.code for c in caught.value.conflicts] == ["speaker"]


def test_release_applies_drafts_raises_sequence_and_lists_changes(session):
    user = make_user(session)
    event = make_event(session)
    moved = make_session(session, event, room="Saal 1")
    cancelled = make_session(session, event, room="Saal 2")
    sequences = (moved.sequence, cancelled.sequence)
    services.move_session(session, event, f"s{moved.id}", datetime(2027, 1, 14, 11, 0), "Saal 1", user)
    services.cancel_session(session, event, f"s{cancelled.id}", user)
    services.save_session(session, event, talk(14), user)
    assert (moved.starts_at.hour, moved.sequence) == (8, sequences[0])  # 09:00 Berlin, unreleased

    release = services.release_agenda(session, event, user)

    kinds = sorted(change.kind for change in session.query(AgendaChange))
    assert (release.number, kinds) == (1, sorted([ChangeKind.MOVED, ChangeKind.CANCELLED, ChangeKind.ADDED]))
    assert (moved.starts_at.hour, moved.sequence > sequences[0]) == (10, True)
    assert (cancelled.is_cancelled, cancelled.sequence > sequences[1]) == (True, True)
    assert services.count_drafts(session, event) == 0


def test_release_refuses_an_agenda_without_changes(session):
    event = make_event(session)
    with pytest.raises(RuleError):
        services.release_agenda(session, event, None)


def test_published_item_cannot_be_deleted(session):
    event = make_event(session)
    item = make_session(session, event)
    with pytest.raises(RuleError):
        services.delete_session(session, event, f"s{item.id}", None)


def test_get_item_refuses_foreign_and_malformed_keys(session):
    event, other = make_event(session), make_event(session)
    item = make_session(session, other)
    assert [services.get_item(session, event, key) for key in
            (f"s{item.id}", "s", "x1", "s99999999999999999999", "s²")] == [None] * 5


def test_planned_sessions_name_the_speakers_of_a_draft(session):
    event = make_event(session)
    speaker = get_or_create_speaker(session, "Wang Fang")
    key = services.save_session(session, event, talk(9, speakers=[speaker]), None)
    assert [(item.key, item.speakers) for item in services.list_planned_sessions(session, event)] == [
        (key, ((speaker.id, "Wang Fang"),))
    ]


def test_release_of_300_changed_items_is_one_transaction(session):
    from datetime import timedelta

    from sqlalchemy import event as sa_event

    event = make_event(session, starts_local=datetime(2027, 1, 14, 8, 0),
                       ends_local=datetime(2027, 1, 16, 20, 0))
    rooms = [f"Saal {number}" for number in range(6)]
    keys = []
    for number in range(300):
        day, slot = divmod(number // 6, 17)
        starts = datetime(2027, 1, 14 + day, 9, 0) + timedelta(minutes=35 * slot)
        item = make_session(session, event, title={"de": f"Punkt {number}"}, room=rooms[number % 6],
                            starts_local=starts, ends_local=starts + timedelta(minutes=30))
        keys.append((f"s{item.id}", starts))
    session.commit()
    for key, starts in keys:
        services.move_session(session, event, key, starts + timedelta(minutes=5), None, None)
    session.commit()
    commits = []
    sa_event.listen(session, "after_commit", lambda _session: commits.append(1))

    release = services.release_agenda(session, event, None)
    session.commit()

    moved = session.query(EventSession).filter(EventSession.room.is_(None)).count()
    assert (len(release.changes), moved, len(commits), services.count_drafts(session, event)) == (
        300, 300, 1, 0)


def test_get_item_refuses_ids_beyond_postgresql_integers(session):
    event = make_event(session)
    assert [services.get_item(session, event, key) for key in ("s2147483648", "d9999999999", "s0")] == [None] * 3


def test_duplicate_session_drops_room_and_speakers(session):
    event = make_event(session, status=EventStatus.DRAFT)
    speaker = get_or_create_speaker(session, "Li Wei")
    key = services.save_session(session, event, talk(9, speakers=[speaker]), None)
    copy = services.duplicate_session(session, event, key, None)
    item = session.get(EventSession, int(copy[1:]))
    assert (item.room, item.speakers, item.title_i18n) == (None, [], {"de": "Vortrag 9"})


def test_add_room_tidies_the_name_and_refuses_duplicates(session):
    event = make_event(session)
    assert services.add_room(session, event, "  Saal   1 ", None) == "Saal 1"
    with pytest.raises(RuleError):
        services.add_room(session, event, "saal 1", None)
    with pytest.raises(RuleError):
        services.add_room(session, event, "   ", None)
    assert event.rooms == ["Saal 1"]


def test_remove_room_refuses_a_room_a_pending_item_uses(session):
    event = make_event(session)
    event.rooms = ["Saal 1", "Saal 2"]
    services.save_session(session, event, talk(9, room="saal 1"), None)  # a draft only
    with pytest.raises(RuleError):
        services.remove_room(session, event, "Saal 1", None)
    services.remove_room(session, event, "Saal 2", None)
    assert event.rooms == ["Saal 1"]


def test_room_columns_list_listed_then_used_then_no_room(session):
    event = make_event(session, status=EventStatus.DRAFT)
    event.rooms = ["Saal 2", "Saal 1"]
    for hour, room in ((9, "saal 1"), (10, "Foyer"), (11, None), (12, "Atrium")):
        services.save_session(session, event, talk(hour, room=room), None)
    planned = services.list_planned_sessions(session, event)
    assert services.room_columns(event, planned) == ["Saal 2", "Saal 1", "Atrium", "Foyer", None]


def test_agenda_grid_puts_overlapping_items_of_a_room_in_one_cell(session):
    event = make_event(session, status=EventStatus.DRAFT)
    event.rooms = ["Saal 1"]
    services.save_session(session, event, talk(9), None)
    services.save_session(session, event, talk(9, kind=SessionKind.BREAK, title={"de": "Kaffee"},
                                               starts_local=datetime(2027, 1, 14, 9, 30),
                                               ends_local=datetime(2027, 1, 14, 10, 30)),
                          None, accept_warnings=True)
    planned = services.list_planned_sessions(session, event)
    conflicts = services.planned_conflicts(planned, event, "de")
    columns, days = services.build_agenda_grid(event, planned, conflicts, "de")
    rows = days[0].rows
    assert columns == ["Saal 1", None]
    assert [row.label for row in rows] == ["09:00", "09:30", "10:00"]
    assert [(cell.room, cell.rowspan, [card.title for card in cell.cards]) for cell in rows[0].cells] == [
        ("Saal 1", 3, ["Vortrag 9", "Kaffee"]), (None, 1, [])]
    assert [[cell.room for cell in row.cells] for row in rows[1:]] == [[None], [None]]
    assert [card.has_conflict for card in rows[0].cells[0].cards] == [True, True]


def test_agenda_grid_shows_partner_day_marks(session):
    event = make_event(session, status=EventStatus.DRAFT, ends_local=datetime(2027, 1, 14, 23, 0))
    services.save_session(session, event, talk(9, starts_local=datetime(2027, 1, 14, 16, 30),
                                                ends_local=datetime(2027, 1, 14, 18, 0)), None)
    planned = services.list_planned_sessions(session, event)
    _columns, days = services.build_agenda_grid(event, planned, [], "de")
    card = days[0].rows[0].cells[0].cards[0]
    assert [(span.zone, span.start, span.start_shift, span.end, span.end_shift) for span in card.times] == [
        ("Europe/Berlin", "16:30", 0, "18:00", 0), ("Asia/Shanghai", "23:30", 0, "01:00", 1)]


def test_preview_times_refuses_a_skipped_local_time(session):
    event = make_event(session, starts_local=datetime(2027, 3, 27, 9, 0),
                       ends_local=datetime(2027, 3, 28, 17, 0))
    with pytest.raises(RuleError):
        services.preview_times(event, datetime(2027, 3, 28, 2, 30), datetime(2027, 3, 28, 3, 30))
