"""A real browser: an assigned organiser builds a draft event's five-item agenda through the
item form, drags a session into a conflict and then somewhere free, publishes the event, moves
an item again (which waits for a release), releases, and sees the public changes list."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from eventapp.models import EventSession, EventStatus
from tests.factories import make_event, make_user

pytestmark = pytest.mark.browser

SESSIONS = [
    ("Eröffnung", "09:00", "10:00", "Saal 1"),
    ("Wasserstoff", "10:00", "11:00", "Saal 1"),
    ("Batterien", "09:00", "10:00", "Saal 2"),
    ("Logistik", "11:00", "12:00", "Saal 2"),
    ("Abschluss", "12:00", "13:00", "Saal 1"),
]


def drag(page, source, target):
    """Drag with real mouse events (Chromium turns them into HTML drag and drop)."""
    page.evaluate("document.querySelector('table.agenda-grid').scrollIntoView()")
    start, end = source.locator("h3").bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 5, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(start["x"] + 20, start["y"] + 20, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + min(10, end["height"] / 2), steps=10)
    page.mouse.up()


def test_build_agenda_and_move_by_drag_and_drop(app, session, live_server, page):
    event = make_event(session, slug="isa-werkstatt", status=EventStatus.DRAFT,
                       starts_local=datetime(2027, 1, 14, 9, 0), ends_local=datetime(2027, 1, 14, 17, 0))
    event.rooms = ["Saal 1", "Saal 2"]
    user = make_user(session, manages=[event])
    session.commit()
    agenda = f"{live_server}/manage/events/isa-werkstatt/agenda/"

    page.goto(f"{live_server}/auth/login?lang=en")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "correct horse battery")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/manage/$"))

    for title, start, end, room in SESSIONS:
        page.goto(agenda)
        page.get_by_role("link", name="Add a programme item").click()
        page.fill("input[name=title_de]", title)
        page.select_option("select[name=day]", "2027-01-14")
        page.fill("input[name=start]", start)
        page.fill("input[name=end]", end)
        page.select_option("select[name=room]", room)
        if title == "Eröffnung":  # the partner zone follows the typing
            assert page.locator('output[data-zone="Asia/Shanghai"]').text_content() == "16:00 – 17:00 Beijing"
        page.locator("form.agenda-item-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/agenda/#item-s\d+$"))
    assert page.locator("article.agenda-card").count() == 5

    closing = page.locator("article.agenda-card", has_text="Abschluss")
    taken = page.locator('td[data-start="2027-01-14T09:00"][data-room="Saal 1"]')
    drag(page, closing, taken)
    status = page.locator("#agenda-status")
    status.get_by_text("Saal 1 is used twice at once", exact=False).wait_for()
    assert status.text_content() == "Saal 1 is used twice at once: “Eröffnung” and “Abschluss”."

    free = page.locator('td.agenda-empty[data-start="2027-01-14T10:00"][data-room="Saal 2"]')
    with page.expect_navigation():
        drag(page, closing, free)
    moved = page.locator('td[data-start="2027-01-14T10:00"][data-room="Saal 2"] article.agenda-card')
    assert moved.locator("h3").text_content() == "Abschluss"

    with page.expect_navigation():  # the keyboard way: Alt+Arrow on the card's Move link
        moved.locator("a.agenda-move-link").press("Alt+ArrowRight")
    no_room = page.locator('td[data-start="2027-01-14T10:00"][data-room=""] article.agenda-card')
    assert no_room.locator("h3").text_content() == "Abschluss"
    with page.expect_navigation():
        no_room.locator("a.agenda-move-link").press("Alt+ArrowLeft")

    session.rollback()  # end this test's read transaction: the server committed since
    rows = session.execute(select(EventSession.title_i18n, EventSession.room, EventSession.starts_at)
                           .order_by(EventSession.id)).all()
    assert [(title["de"], room, f"{starts_at:%H:%M}") for title, room, starts_at in rows] == [
        ("Eröffnung", "Saal 1", "08:00"), ("Wasserstoff", "Saal 1", "09:00"),
        ("Batterien", "Saal 2", "08:00"), ("Logistik", "Saal 2", "10:00"),
        ("Abschluss", "Saal 2", "09:00")]

    # Publish: the agenda goes public; from now on a move waits for a release.
    page.goto(f"{live_server}/manage/events/isa-werkstatt/?lang=en")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish").click()
    page.goto(f"{live_server}/events/isa-werkstatt/?lang=en")
    assert page.locator("h4.session-title", has_text="Abschluss").count() == 1

    page.goto(agenda)
    late = page.locator('td.agenda-empty[data-start="2027-01-14T11:00"][data-room="Saal 1"]')
    with page.expect_navigation():
        drag(page, page.locator("article.agenda-card", has_text="Abschluss"), late)
    assert page.locator("article.agenda-card", has_text="Abschluss").locator(".badge-pending").count() == 1
    page.goto(f"{live_server}/events/isa-werkstatt/?lang=en")
    assert page.locator("#agenda-changes-heading").count() == 0  # not released yet

    page.goto(agenda.rstrip("/") + "/release?lang=en")
    with page.expect_navigation():
        page.get_by_role("button", name="Release the changes now").click()
    page.goto(f"{live_server}/events/isa-werkstatt/?lang=en")
    changes = page.locator("section.agenda-changes")
    assert (changes.locator("h2").text_content(), "Abschluss" in changes.text_content()) == (
        "Agenda changes", True)
