"""A participant's page in a real browser: the countdown before the reveal time, then the
join button. The server's clock is frozen with time-machine around the page loads (the
live server runs in a thread of this process); the browser keeps its own clock."""
from __future__ import annotations

import re

import pytest

from eventapp.virtual.services import join_token_for
from tests.registrations.support import sign_up
from tests.virtual.support import BEFORE, DURING, virtual_event, virtual_item

pytestmark = pytest.mark.browser


def test_manage_page_counts_down_then_offers_the_join_button(session, live_server, page, time_machine):
    event = virtual_event(session, slug="isa-forum")
    item = virtual_item(session, event)
    result = sign_up(session, event)
    session.commit()
    url = f"{live_server}/registrations/{result.token}/?lang=en"

    time_machine.move_to(BEFORE, tick=True)
    page.goto(url)
    waiting = page.locator(f"#join-{item.id}")
    countdown = waiting.locator(".countdown")
    page.wait_for_function("document.querySelector('.countdown').textContent.length > 0")
    assert waiting.get_attribute("data-join-phase") == "waiting"
    assert waiting.locator(".join-label").inner_text() == (
        "Join link opens at 10:45 Berlin (UTC+1) / 17:45 Beijing (UTC+8)")
    assert re.fullmatch(r"\((\d+ d )?\d+ h \d+ min\)|Open now: reload the page\.", countdown.inner_text())
    assert page.get_by_role("link", name="Join online").count() == 0

    time_machine.move_to(DURING, tick=True)
    page.reload()
    button = page.locator(f"#join-{item.id}").get_by_role("link", name="Join online")
    assert page.locator(f"#join-{item.id}").get_attribute("data-join-phase") == "open"
    assert button.get_attribute("href") == f"/join/{join_token_for(result.registration)}/{item.id}"
