"""The event page in Debian's Chromium: two zones, filters, print view, accessibility."""
import os
import re
from datetime import datetime
from pathlib import Path

import pytest

from eventapp.models import Visibility
from tests.factories import make_city, make_event, make_session

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def _forum(data):
    with data() as session:
        event = make_event(
            session, slug="forum", title={"de": "ISA-Forum", "en": "ISA Forum", "zh": "中德论坛"},
            summary={"de": "Treffen der Wirtschaftsförderungen.", "en": "Meeting of the agencies."},
            venue_name="Rathaus", venue_address="Marktplatz 1, 52062 Aachen",
            host_city=make_city(session), languages=["de", "zh"], has_interpretation=True,
            topics=["hydrogen"], capacity_onsite=40,
            registration_opens_local=datetime(2026, 1, 1, 9, 0),
        )
        make_session(session, event, title={"de": "Erster", "en": "First"}, room="Saal 1",
                     spoken_language="de", has_interpretation=True)
        make_session(session, event, title={"de": "Zweiter", "en": "Second"}, room="Saal 2",
                     spoken_language="zh", join_url="https://meet.jit.si/isa",
                     join_visibility=Visibility.PUBLIC)
        make_session(session, event, title={"de": "Dritter", "en": "Third"}, room="Saal 1",
                     starts_local=datetime(2027, 1, 14, 11, 0), ends_local=datetime(2027, 1, 14, 12, 0))


@pytest.fixture
def context_for(chromium):
    contexts = []

    def open_context(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = chromium.new_context(**options)
        contexts.append(context)
        return context.new_page()

    yield open_context
    for context in contexts:
        context.close()


def _titles(page) -> list[str]:
    return page.locator("#agenda .session-title").all_inner_texts()


def test_agenda_shows_event_and_partner_zone_in_browser(live_server, data, context_for):
    _forum(data)
    page = context_for(timezone_id="Europe/Berlin", locale="en-GB")

    page.goto(f"{live_server}/events/forum/?lang=en")

    first_slot = page.locator("#agenda .slot-times").first
    assert first_slot.locator(".zone-time").all_inner_texts() == [
        "09:00–10:00 Berlin", "16:00–17:00 Beijing"
    ]
    assert first_slot.locator(".own-zone").count() == 0


def test_agenda_adds_the_readers_own_zone_in_browser(live_server, data, context_for):
    _forum(data)
    page = context_for(timezone_id="America/New_York", locale="en-US")

    page.goto(f"{live_server}/events/forum/?lang=en")

    assert page.locator("#agenda .slot-times .own-zone").first.inner_text() == (
        "03:00–04:00 New York (your time)"
    )


def test_readers_own_zone_marks_a_different_day_in_browser(live_server, data, context_for):
    _forum(data)
    page = context_for(timezone_id="Pacific/Honolulu", locale="en-US")

    page.goto(f"{live_server}/events/forum/?lang=en")

    own = page.locator("#agenda .slot-times .own-zone").first
    assert (own.inner_text(), own.get_attribute("data-day-shift")) == (
        "22:00–23:00 Honolulu (your time, previous day)", "-1"
    )


def test_agenda_room_filter_reloads_only_the_agenda(live_server, data, context_for):
    _forum(data)
    page = context_for()
    page.goto(f"{live_server}/events/forum/?lang=en")
    page.evaluate("window.pageMarker = 'kept'")  # survives only if the page is not reloaded

    page.locator("#agenda summary").click()
    page.get_by_role("navigation", name="Room or track").get_by_role("link", name="Saal 2").click()
    page.wait_for_url(re.compile(r"room=Saal\+2"))
    page.wait_for_function("document.querySelectorAll('#agenda .session').length === 1")

    assert _titles(page) == ["Second"]
    assert page.evaluate("window.pageMarker") == "kept"
    assert page.get_by_role("link", name="Join online").get_attribute("href") == (
        f"/events/forum/sessions/{page.locator('#agenda .session').first.get_attribute('id')[8:]}/join"
    )


def test_agenda_language_filter_works_without_javascript(live_server, data, context_for):
    _forum(data)
    page = context_for(java_script_enabled=False)
    page.goto(f"{live_server}/events/forum/?lang=en")

    page.locator("#agenda summary").click()
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Chinese").click()
    page.wait_for_url(re.compile(r"language=zh#agenda$"))

    assert _titles(page) == ["Second"]


def test_print_view_is_a_clean_agenda_with_both_zones(live_server, data, context_for, tmp_path):
    _forum(data)
    page = context_for()
    page.goto(f"{live_server}/events/forum/?lang=de")

    page.emulate_media(media="print")

    assert page.locator(".site-header .main-nav").is_hidden()
    assert page.locator(".agenda-filters").is_hidden()
    assert page.locator(".session-actions").first.is_hidden()
    assert page.locator("#agenda .slot-times").first.locator(".zone-time").all_inner_texts() == [
        "09:00–10:00 Berlin", "16:00–17:00 Peking"
    ]
    pdf = page.pdf(format="A4", print_background=False)
    (tmp_path / "agenda.pdf").write_bytes(pdf)
    assert pdf[:5] == b"%PDF-"


def _axe_script() -> Path:
    if not AXE.exists():
        message = "axe-core missing: run `npm ci --prefix tests/events/axe`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


@pytest.mark.parametrize("width", [390, 1280])
def test_event_page_has_no_serious_accessibility_violations(live_server, data, context_for, width):
    _forum(data)
    script = _axe_script()
    # bypass_csp only lets the test inject axe; the page itself stays under its CSP.
    page = context_for(viewport={"width": width, "height": 900}, bypass_csp=True)
    page.goto(f"{live_server}/events/forum/?lang=de")
    page.locator("#agenda summary").click()
    page.add_script_tag(path=str(script))

    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")

    serious = [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []
