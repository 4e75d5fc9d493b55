import re
from datetime import datetime

import pytest
from sqlalchemy import select

from eventapp.agenda import services
from eventapp.events.services import get_or_create_speaker
from eventapp.models import (
    AgendaRelease,
    AuditEntry,
    EventSession,
    EventStatus,
    SessionDraft,
    SessionKind,
    SessionStatus,
    UserRole,
)
from tests.calendar.parsers import read_icalendar
from tests.factories import make_event, make_session, make_user

PASSWORD = "correct horse battery"


def csrf(body):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)


def sign_in(client, email):
    body = client.get("/auth/login").get_data(as_text=True)
    return client.post("/auth/login", data={"email": email, "password": PASSWORD,
                                            "csrf_token": csrf(body)})


def organiser_of(session, client, event, **overrides):
    user = make_user(session, manages=[event], **overrides)
    session.commit()
    sign_in(client, user.email)
    return user


def agenda_url(event, rest=""):
    return f"/manage/events/{event.slug}/agenda/{rest}"


def token(client, event):
    return csrf(client.get(agenda_url(event)).get_data(as_text=True))


def item_form(client, event, **overrides):
    values = {
        "csrf_token": token(client, event), "title_de": "Eröffnung", "title_en": "Opening",
        "kind": "talk", "day": "2027-01-14", "start": "10:00", "end": "11:00", "room": "",
        "room_other": "", "spoken_language": "de", "join_visibility": "participants",
    }
    values.update(overrides)
    return values


def draft_event(session, **overrides):
    return make_event(session, status=EventStatus.DRAFT, **overrides)


def text_of(response):
    return response.get_data(as_text=True)


# --- The agenda page -------------------------------------------------------------------------


def test_agenda_grid_puts_rooms_in_columns_and_spans_rows(session, client):
    event = draft_event(session)
    event.rooms = ["Saal 1", "Saal 2"]
    make_session(session, event, title={"de": "Lang"}, room="Saal 1",
                 starts_local=datetime(2027, 1, 14, 9, 0), ends_local=datetime(2027, 1, 14, 11, 0))
    make_session(session, event, title={"de": "Kurz"}, room="Foyer",
                 starts_local=datetime(2027, 1, 14, 9, 0), ends_local=datetime(2027, 1, 14, 9, 30))
    organiser_of(session, client, event)

    response = client.get(agenda_url(event) + "?lang=en")
    body = text_of(response)

    headers = re.findall(r'<th scope="col">([^<]*)</th>', body)
    assert headers == ["Time (Berlin)", "Saal 1", "Saal 2", "Foyer", "No room"]
    assert re.findall(r'<th scope="row"><time datetime="([^"]+)">', body) == [
        "2027-01-14T09:00", "2027-01-14T09:30", "2027-01-14T10:00"]
    assert '<td class="agenda-slot" data-start="2027-01-14T09:00" data-room="Saal 1" rowspan="3">' in body
    assert '<td class="agenda-slot" data-start="2027-01-14T09:00" data-room="Foyer">' in body
    assert '<td class="agenda-empty" data-start="2027-01-14T09:30" data-room="Foyer"></td>' in body
    assert '<td class="agenda-empty" data-start="2027-01-14T10:00" data-room=""></td>' in body
    assert "style=" not in body
    assert response.headers["Cache-Control"] == "private, no-store"


def test_agenda_card_marks_partner_days_on_start_and_end(session, client):
    event = draft_event(session, ends_local=datetime(2027, 1, 14, 22, 0))
    make_session(session, event, title={"de": "Spät"}, room="Saal 1",
                 starts_local=datetime(2027, 1, 14, 16, 30), ends_local=datetime(2027, 1, 14, 18, 0))
    make_session(session, event, title={"de": "Später"}, room="Saal 2",
                 starts_local=datetime(2027, 1, 14, 17, 0), ends_local=datetime(2027, 1, 14, 18, 0))
    organiser_of(session, client, event)

    body = text_of(client.get(agenda_url(event) + "?lang=en"))
    times = [re.sub(r"<[^>]+>", "", span.split(" <abbr")[0]) for span in
             re.findall(r'<span class="agenda-zone" data-zone="Asia/Shanghai">(.*?<abbr title="Asia/Shanghai)', body)]

    assert times == ["23:30 – 01:00 (+1)", "00:00 (+1) – 01:00 (+1)"]


def test_agenda_lists_conflicts_with_links_errors_first(session, client):
    event = draft_event(session)
    first = make_session(session, event, title={"de": "Erster"}, room="Saal 1")
    second = make_session(session, event, title={"de": "Zweiter"}, room="Saal 1")
    make_session(session, event, title={"de": "Pause"}, kind=SessionKind.BREAK, room="Saal 2")
    make_session(session, event, title={"de": "Rede"}, room="Saal 2")
    organiser_of(session, client, event)

    body = text_of(client.get(agenda_url(event) + "?lang=en"))
    items = re.findall(r'<li class="conflict conflict-(\w+)">', body)

    assert items == ["error", "warning"]
    assert f'<a href="#item-s{first.id}">Show “Erster”</a> <a href="#item-s{second.id}">Show “Zweiter”</a>' in body
    assert body.count('class="badge badge-conflict"') == 2


def test_agenda_page_query_count_does_not_grow_with_sessions(session, client, count_queries):
    event = draft_event(session)
    speaker = get_or_create_speaker(session, "Li Wei")
    make_session(session, event, speakers=[speaker])
    organiser_of(session, client, event)
    url = agenda_url(event)
    session.expire_all()
    count_queries.statements.clear()
    client.get(url)
    one = count_queries.count
    make_session(session, event, room="Saal 2", speakers=[get_or_create_speaker(session, "Anna")])
    make_session(session, event, room="Saal 3", starts_local=datetime(2027, 1, 14, 12, 0),
                 ends_local=datetime(2027, 1, 14, 13, 0))
    session.commit()
    session.expire_all()
    count_queries.statements.clear()
    client.get(url)

    assert (one, count_queries.count) == (6, 6)


# --- Adding and editing ------------------------------------------------------------------------


def test_add_item_on_draft_event_saves_at_once_with_audit(session, client):
    event = draft_event(session)
    speaker = get_or_create_speaker(session, "Li Wei")
    user = organiser_of(session, client, event)

    response = client.post(agenda_url(event, "new"), data=item_form(
        client, event, room="__other__", room_other="Saal  7", speaker_ids=[str(speaker.id)],
        topics=["hydrogen"], join_url="https://meet.jit.si/isa", capacity="40"))

    item = session.scalars(select(EventSession)).one()
    assert (response.status_code, response.headers["Location"]) == (
        302, f"{agenda_url(event)}#item-s{item.id}")
    assert (item.title_i18n, item.room, [s.name for s in item.speakers], item.topics,
            item.is_virtual, item.capacity, item.starts_at.hour) == (
        {"de": "Eröffnung", "en": "Opening"}, "Saal 7", ["Li Wei"], ["hydrogen"], True, 40, 9)
    entry = session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.user_id, entry.summary) == ("session.create", user.id, "Eröffnung")


def test_item_form_end_before_start_means_next_day(session, client):
    event = draft_event(session, ends_local=datetime(2027, 1, 15, 12, 0))
    organiser_of(session, client, event)
    client.post(agenda_url(event, "new"), data=item_form(client, event, start="22:00", end="01:00"))
    item = session.scalars(select(EventSession)).one()
    assert (item.starts_at.isoformat(), item.ends_at.isoformat()) == (
        "2027-01-14T21:00:00+00:00", "2027-01-15T00:00:00+00:00")


def test_item_form_refuses_missing_main_title(session, client):
    event = draft_event(session)
    organiser_of(session, client, event)
    response = client.post(agenda_url(event, "new") + "?lang=en",
                           data=item_form(client, event, title_de=""))
    body = text_of(response)
    assert response.status_code == 422
    assert 'id="title_de-error"' in body
    assert session.scalars(select(EventSession)).all() == []


def test_item_form_shows_partner_time_without_javascript(session, client):
    event = draft_event(session)
    item = make_session(session, event, starts_local=datetime(2027, 1, 14, 16, 30),
                        ends_local=datetime(2027, 1, 14, 17, 0))
    organiser_of(session, client, event)
    body = text_of(client.get(agenda_url(event, f"s{item.id}/edit") + "?lang=en"))
    output = re.search(r'<output data-zone="Asia/Shanghai"[^>]*>(.*?)</output>', body, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", output.split(" <abbr")[0]) == "23:30 – 00:00 (+1)"
    assert '<abbr title="Asia/Shanghai (UTC+8)">' in output
    assert 'value="16:30"' in body


def test_edit_item_on_draft_event_changes_it(session, client):
    event = draft_event(session)
    item = make_session(session, event, room="Saal 1")
    organiser_of(session, client, event)
    response = client.post(agenda_url(event, f"s{item.id}/edit"),
                           data=item_form(client, event, title_de="Neu", room="Saal 1"))
    session.refresh(item)
    assert (response.status_code, item.title_i18n["de"], item.room) == (302, "Neu", "Saal 1")


def test_conflicting_item_is_shown_and_not_saved(session, client):
    event = draft_event(session)
    make_session(session, event, title={"de": "Erster"}, room="Saal 1",
                 starts_local=datetime(2027, 1, 14, 10, 0), ends_local=datetime(2027, 1, 14, 11, 0))
    organiser_of(session, client, event)
    response = client.post(agenda_url(event, "new") + "?lang=en",
                           data=item_form(client, event, room="Saal 1"))
    body = text_of(response)
    assert response.status_code == 422
    assert "Saal 1 is used twice at once: “Opening” and “Erster”." in body  # titles in the reader's language
    assert 'name="accept_warnings"' not in body
    assert session.query(EventSession).count() == 1


def test_warnings_are_accepted_with_the_checkbox(session, client):
    event = draft_event(session)
    make_session(session, event, title={"de": "Rede"}, room="Saal 1",
                 starts_local=datetime(2027, 1, 14, 10, 0), ends_local=datetime(2027, 1, 14, 11, 0))
    organiser_of(session, client, event)
    coffee = {"title_de": "Kaffee", "kind": "break", "room": "Saal 1"}
    first = client.post(agenda_url(event, "new"), data=item_form(client, event, **coffee))
    second = client.post(agenda_url(event, "new"),
                         data=item_form(client, event, accept_warnings="y", **coffee))
    assert (first.status_code, 'name="accept_warnings"' in text_of(first)) == (422, True)
    assert second.status_code == 302
    assert session.query(EventSession).count() == 2


# --- A published event: changes wait for the release ------------------------------------------


def test_published_changes_wait_for_release_then_show_with_raised_sequence(session, client):
    event = make_event(session)
    item = make_session(session, event, title={"de": "Alt"}, room="Saal 1")
    organiser_of(session, client, event)
    before = read_icalendar(client.get(f"/events/{event.slug}.ics").data)
    uid = next(uid for uid, found in before.items() if found.summary == "Alt")

    client.post(agenda_url(event, f"s{item.id}/edit"),
                data=item_form(client, event, title_de="Umbenannt", room="Saal 1"))
    client.post(agenda_url(event, "new"), data=item_form(client, event, title_de="Neuer Punkt",
                                                         start="13:00", end="14:00"))
    public = text_of(client.get(f"/events/{event.slug}/"))
    assert ("Umbenannt" in public, "Neuer Punkt" in public, "Alt" in public) == (False, False, True)
    assert "2 pending changes" in text_of(client.get(agenda_url(event) + "?lang=en"))

    confirm = client.get(agenda_url(event, "release") + "?lang=en")
    response = client.post(agenda_url(event, "release"), data={
        "csrf_token": csrf(text_of(confirm)), "note_en": "Two updates"})
    flashed = text_of(client.get(agenda_url(event) + "?lang=en"))

    public = text_of(client.get(f"/events/{event.slug}/?lang=de"))  # German titles were changed
    after = read_icalendar(client.get(f"/events/{event.slug}.ics").data)
    release = session.scalars(select(AgendaRelease)).one()
    assert (confirm.status_code, response.status_code) == (200, 302)
    assert "2 changes released." in flashed
    assert ("Umbenannt" in public, "Neuer Punkt" in public) == (True, True)
    assert (after[uid].summary, after[uid].sequence > before[uid].sequence) == ("Umbenannt", True)
    assert release.note_i18n == {"en": "Two updates"}


def test_release_refused_without_changes_flashes(session, client):
    event = make_event(session)
    organiser_of(session, client, event)
    response = client.post(agenda_url(event, "release"), data={"csrf_token": token(client, event)})
    assert (response.status_code, session.query(AgendaRelease).count()) == (302, 0)


def test_release_with_conflict_errors_is_refused(session, client):
    event = make_event(session)
    make_session(session, event, title={"de": "A"}, room="Saal 1")
    other = make_session(session, event, title={"de": "B"}, room="Saal 2")
    session.add(SessionDraft(event_id=event.id, session_id=other.id, action="update",
                             data={**services.data_to_json(services.data_from_session(other)),
                                   "room": "Saal 1"}))
    organiser_of(session, client, event)
    response = client.post(agenda_url(event, "release") + "?lang=en",
                           data={"csrf_token": token(client, event)})
    assert response.status_code == 422
    assert "Saal 1 is used twice at once" in text_of(response)
    assert session.query(AgendaRelease).count() == 0


def test_published_item_shows_pending_badge_and_discard(session, client):
    event = make_event(session)
    item = make_session(session, event)
    organiser_of(session, client, event)
    client.post(agenda_url(event, f"s{item.id}/edit"), data=item_form(client, event, title_de="X"))
    body = text_of(client.get(agenda_url(event) + "?lang=en"))
    assert "Changed, not released" in body
    assert f'formaction="{agenda_url(event)}s{item.id}/discard"' in body
    assert f'href="{agenda_url(event)}s{item.id}/delete"' not in body

    response = client.post(agenda_url(event, f"s{item.id}/discard"),
                           data={"csrf_token": token(client, event)})
    assert (response.status_code, services.count_drafts(session, event)) == (302, 0)


# --- Move ----------------------------------------------------------------------------------------


def test_move_form_moves_item_keeping_its_length(session, client):
    event = draft_event(session)
    item = make_session(session, event, room="Saal 1")
    organiser_of(session, client, event)
    page = client.get(agenda_url(event, f"s{item.id}/move"))
    response = client.post(agenda_url(event, f"s{item.id}/move"), data={
        "csrf_token": csrf(text_of(page)), "day": "2027-01-14", "start": "14:30", "room": "Saal 1"})
    session.refresh(item)
    assert (page.status_code, response.status_code) == (200, 302)
    assert (item.starts_at.isoformat(), item.ends_at.isoformat()) == (
        "2027-01-14T13:30:00+00:00", "2027-01-14T14:30:00+00:00")


def test_move_json_answers_conflicts_then_ok(session, client):
    event = draft_event(session)
    event.rooms = ["Saal 1", "Saal 2"]
    make_session(session, event, title={"de": "Fest"}, room="Saal 1")
    item = make_session(session, event, title={"de": "Wandert"}, room="Saal 2",
                        starts_local=datetime(2027, 1, 14, 12, 0), ends_local=datetime(2027, 1, 14, 13, 0))
    organiser_of(session, client, event)
    headers = {"Accept": "application/json"}
    data = {"csrf_token": token(client, event), "day": "2027-01-14", "start": "09:00", "room": "Saal 1"}

    refused = client.post(agenda_url(event, f"s{item.id}/move") + "?lang=en", data=data, headers=headers)
    moved = client.post(agenda_url(event, f"s{item.id}/move"), headers=headers,
                        data={**data, "start": "15:00"})

    session.refresh(item)
    assert (refused.status_code, refused.get_json()) == (422, {
        "conflicts": [{"severity": "error",
                       "message": "Saal 1 is used twice at once: “Fest” and “Wandert”."}],
        "warnings_only": False})
    assert (moved.status_code, moved.get_json()) == (200, {"ok": True, "key": f"s{item.id}"})
    assert (item.room, item.starts_at.hour) == ("Saal 1", 14)


def test_move_json_warnings_only_then_accepted(session, client):
    event = draft_event(session)
    make_session(session, event, title={"de": "Rede"}, room="Saal 1")
    coffee = make_session(session, event, title={"de": "Kaffee"}, kind=SessionKind.BREAK,
                          room="Saal 2")
    organiser_of(session, client, event)
    headers = {"Accept": "application/json"}
    data = {"csrf_token": token(client, event), "day": "2027-01-14", "start": "09:00", "room": "Saal 1"}
    warned = client.post(agenda_url(event, f"s{coffee.id}/move"), data=data, headers=headers)
    accepted = client.post(agenda_url(event, f"s{coffee.id}/move"), headers=headers,
                           data={**data, "accept_warnings": "1"})
    assert (warned.status_code, warned.get_json()["warnings_only"]) == (422, True)
    assert accepted.get_json() == {"ok": True, "key": f"s{coffee.id}"}


def test_move_outside_event_is_refused_in_json(session, client):
    event = draft_event(session)
    item = make_session(session, event)
    organiser_of(session, client, event)
    response = client.post(agenda_url(event, f"s{item.id}/move"), headers={"Accept": "application/json"},
                           data={"csrf_token": token(client, event), "day": "2027-01-14",
                                 "start": "16:30", "room": ""})
    assert (response.status_code, response.get_json()["warnings_only"]) == (422, False)


def test_move_without_csrf_is_refused(session, client):
    event = draft_event(session)
    item = make_session(session, event)
    organiser_of(session, client, event)
    response = client.post(agenda_url(event, f"s{item.id}/move"),
                           data={"day": "2027-01-14", "start": "11:00", "room": ""})
    assert response.status_code == 400


# --- Duplicate, cancel, delete ----------------------------------------------------------------


def test_duplicate_copies_without_room_and_speakers(session, client):
    event = draft_event(session)
    item = make_session(session, event, room="Saal 1", speakers=[get_or_create_speaker(session, "Li")])
    organiser_of(session, client, event)
    response = client.post(agenda_url(event, f"s{item.id}/duplicate"),
                           data={"csrf_token": token(client, event)})
    copy = session.scalars(select(EventSession).where(EventSession.id != item.id)).one()
    assert response.headers["Location"] == agenda_url(event, f"s{copy.id}/edit")
    assert (copy.room, copy.speakers, copy.starts_at) == (None, [], item.starts_at)


def test_cancel_asks_first_then_cancels_draft_event_item(session, client):
    event = draft_event(session)
    item = make_session(session, event)
    organiser_of(session, client, event)
    confirm = client.get(agenda_url(event, f"s{item.id}/cancel") + "?lang=en")
    assert (confirm.status_code, "Yes, cancel the item" in text_of(confirm)) == (200, True)
    client.post(agenda_url(event, f"s{item.id}/cancel"), data={"csrf_token": csrf(text_of(confirm))})
    session.refresh(item)
    assert item.status == SessionStatus.CANCELLED


def test_cancel_on_published_event_waits_for_release(session, client):
    event = make_event(session)
    item = make_session(session, event)
    organiser_of(session, client, event)
    client.post(agenda_url(event, f"s{item.id}/cancel"), data={"csrf_token": token(client, event)})
    session.refresh(item)
    body = text_of(client.get(agenda_url(event) + "?lang=en"))
    assert (item.status, "Cancellation not released" in body) == (SessionStatus.SCHEDULED, True)


def test_delete_asks_first_then_deletes_draft_event_item(session, client):
    event = draft_event(session)
    item = make_session(session, event)
    organiser_of(session, client, event)
    confirm = client.get(agenda_url(event, f"s{item.id}/delete"))
    response = client.post(agenda_url(event, f"s{item.id}/delete"),
                           data={"csrf_token": csrf(text_of(confirm))})
    assert (confirm.status_code, response.status_code) == (200, 302)
    assert session.query(EventSession).count() == 0


def test_delete_refuses_released_item_of_published_event(session, client):
    event = make_event(session)
    item = make_session(session, event)
    organiser_of(session, client, event)
    page = client.get(agenda_url(event, f"s{item.id}/delete"))
    response = client.post(agenda_url(event, f"s{item.id}/delete"),
                           data={"csrf_token": token(client, event)})
    assert (page.status_code, response.status_code) == (302, 302)
    assert session.query(EventSession).count() == 1


def test_delete_removes_draft_only_item_of_published_event(session, client):
    event = make_event(session)
    organiser_of(session, client, event)
    client.post(agenda_url(event, "new"), data=item_form(client, event))
    draft = session.scalars(select(SessionDraft)).one()
    response = client.post(agenda_url(event, f"d{draft.id}/delete"),
                           data={"csrf_token": token(client, event)})
    assert (response.status_code, services.count_drafts(session, event)) == (302, 0)


# --- Rooms ---------------------------------------------------------------------------------------


def test_rooms_are_added_and_unused_ones_removed(session, client):
    event = draft_event(session)
    event.rooms = ["Saal 1"]
    make_session(session, event, room="Saal 1")
    organiser_of(session, client, event)
    added = client.post(agenda_url(event, "rooms"), data={"csrf_token": token(client, event),
                                                          "name": "  Foyer "})
    twice = client.post(agenda_url(event, "rooms"), data={"csrf_token": token(client, event),
                                                          "name": "foyer"})
    used = client.post(agenda_url(event, "rooms/remove"), data={"csrf_token": token(client, event),
                                                                "name": "Saal 1", "confirm": "1"})
    session.refresh(event)
    assert (added.status_code, twice.status_code, used.status_code) == (302, 422, 302)
    assert event.rooms == ["Saal 1", "Foyer"]
    asked = client.post(agenda_url(event, "rooms/remove"), data={"csrf_token": token(client, event),
                                                                 "name": "Foyer"})
    session.refresh(event)
    assert (asked.status_code, 'name="name" value="Foyer"' in asked.get_data(as_text=True),
            event.rooms) == (200, True, ["Saal 1", "Foyer"])
    client.post(agenda_url(event, "rooms/remove"), data={"csrf_token": token(client, event),
                                                         "name": "Foyer", "confirm": "1"})
    session.refresh(event)
    assert event.rooms == ["Saal 1"]
    assert [entry.action for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
        "event.add_room", "event.remove_room"]


# --- Keys and permissions ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["s0", "s9999999999", "d2147483648", "x1", "s", "s1a", "s-1"])
def test_bad_keys_give_404(session, client, key):
    event = draft_event(session)
    make_session(session, event)
    organiser_of(session, client, event)
    assert client.get(agenda_url(event, f"{key}/edit")).status_code == 404
    assert client.get(agenda_url(event, f"{key}/move")).status_code == 404


def test_keys_of_another_event_give_404(session, client):
    event, other = draft_event(session), draft_event(session)
    item = make_session(session, other)
    organiser_of(session, client, event)
    assert client.get(agenda_url(event, f"s{item.id}/edit")).status_code == 404


PAGES = ["", "new", "{key}/edit", "{key}/move", "{key}/cancel", "{key}/delete", "release"]
POST_ONLY = ["{key}/duplicate", "{key}/discard", "rooms", "rooms/remove"]


def _urls(event, item, paths):
    return [agenda_url(event, path.format(key=f"s{item.id}")) for path in paths]


def test_anonymous_visitors_are_sent_to_sign_in(session, client):
    event = draft_event(session)
    item = make_session(session, event)
    session.commit()
    for url in _urls(event, item, PAGES):
        response = client.get(url)
        assert (url, response.status_code, response.headers["Location"].split("?")[0]) == (
            url, 302, "/auth/login")
    anonymous_token = csrf(text_of(client.get("/auth/login")))
    for url in _urls(event, item, POST_ONLY):
        response = client.post(url, data={"csrf_token": anonymous_token})
        assert (url, response.status_code, response.headers["Location"].split("?")[0]) == (
            url, 302, "/auth/login")


def test_organiser_not_assigned_gets_403(session, client):
    event = draft_event(session)
    item = make_session(session, event)
    user = make_user(session, manages=[draft_event(session)])
    session.commit()
    sign_in(client, user.email)
    own_token = csrf(text_of(client.get("/manage/")))
    for url in _urls(event, item, PAGES):
        assert (url, client.get(url).status_code) == (url, 403)
    for url in _urls(event, item, POST_ONLY + PAGES[1:]):
        assert (url, client.post(url, data={"csrf_token": own_token}).status_code) == (url, 403)


@pytest.mark.parametrize("role", ["assigned", "admin"])
def test_assigned_organiser_and_admin_open_every_page(session, client, role):
    event = make_event(session)
    item = make_session(session, event)
    if role == "admin":
        user = make_user(session, role=UserRole.ADMIN)
        session.commit()
        sign_in(client, user.email)
    else:
        organiser_of(session, client, event)
    client.post(agenda_url(event, f"s{item.id}/edit"), data=item_form(client, event, title_de="Y"))
    statuses = {url: client.get(url).status_code for url in _urls(event, item, PAGES)}
    expected = {url: 200 for url in _urls(event, item, PAGES)}
    expected[agenda_url(event, f"s{item.id}/delete")] = 302  # a released item is cancelled instead
    assert statuses == expected


def test_post_only_routes_answer_405_to_get(session, client):
    event = draft_event(session)
    item = make_session(session, event)
    organiser_of(session, client, event)
    assert [client.get(url).status_code for url in _urls(event, item, POST_ONLY)] == [405] * 4


def test_move_form_shows_conflict_and_keeps_item(session, client):
    event = draft_event(session)
    make_session(session, event, title={"de": "Fest"}, room="Saal 1")
    item = make_session(session, event, title={"de": "Wandert"}, room="Saal 2")
    organiser_of(session, client, event)
    response = client.post(agenda_url(event, f"s{item.id}/move") + "?lang=en", data={
        "csrf_token": token(client, event), "day": "2027-01-14", "start": "09:30", "room": "Saal 1"})
    session.refresh(item)
    assert (response.status_code, item.room) == (422, "Saal 2")
    assert "Saal 1 is used twice at once: “Fest” and “Wandert”." in text_of(response)


def test_released_item_page_has_no_delete_link_but_draft_event_has(session, client):
    published, draft = make_event(session), draft_event(session)
    released, planned = make_session(session, published), make_session(session, draft)
    user = make_user(session, manages=[published, draft])
    session.commit()
    sign_in(client, user.email)
    assert f'href="{agenda_url(published)}s{released.id}/delete"' not in text_of(client.get(agenda_url(published)))
    assert f'href="{agenda_url(draft)}s{planned.id}/delete"' in text_of(client.get(agenda_url(draft)))


def test_release_queues_the_digest_in_the_same_commit(session, client):
    from eventapp.models import OutboxMail
    from tests.registrations.support import sign_up

    event = make_event(session, registration_opens_local=datetime(2026, 1, 1, 9, 0))
    item = make_session(session, event, title={"de": "Alt"}, room="Saal 1")
    sign_up(session, event, "a@example.org")
    sign_up(session, event, "b@example.org")
    session.query(OutboxMail).delete()
    organiser_of(session, client, event)
    client.post(agenda_url(event, f"s{item.id}/edit"),
                data=item_form(client, event, title_de="Umbenannt", room="Saal 1"))

    confirm = client.get(agenda_url(event, "release") + "?lang=en")
    response = client.post(agenda_url(event, "release") + "?lang=en", data={
        "csrf_token": csrf(text_of(confirm)), "send_digest": "y"})
    flashed = text_of(client.get(agenda_url(event) + "?lang=en"))

    release = session.scalars(select(AgendaRelease)).one()
    kinds = sorted(mail.kind for mail in session.scalars(select(OutboxMail)))
    assert (response.status_code, kinds, release.digest_queued_at is not None) == (
        302, ["agenda_changes", "agenda_changes"], True)
    # The test's app context keeps the first request's locale: compare the counts only.
    assert re.findall(r'flash-success">(\d+) ', flashed) == ["1", "2"]
