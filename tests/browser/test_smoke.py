"""A real browser opens the home page and switches the interface language."""
import pytest

from tests.factories import make_event

pytestmark = pytest.mark.browser


def test_home_page_switches_language_in_browser(session, live_server, page):
    make_event(session, title={"de": "ISA-Forum", "en": "ISA Forum", "zh": "中德工业城市论坛"})
    session.commit()
    page.goto(f"{live_server}/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Kommende Veranstaltungen").is_visible()

    page.get_by_role("link", name="中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", name="即将举行的活动").is_visible()
    assert page.get_by_text("中德工业城市论坛").is_visible()

    page.goto(f"{live_server}/")  # the choice is remembered
    assert page.locator("html").get_attribute("lang") == "zh-Hans"

    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", name="Upcoming events").is_visible()
