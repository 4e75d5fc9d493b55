"""A real browser searches the archive of the demo data from each interface language."""
from __future__ import annotations

import pytest

from eventapp.archive.routes import rendered_pages
from eventapp.demo.loader import load_demo

pytestmark = pytest.mark.browser

VISIT = "/events/delegation-foshan-guiyang-2019/"
MEETING = "/events/fachtagung-2021/"


@pytest.fixture
def demo(session):
    load_demo(session)
    session.commit()
    rendered_pages.clear()


def search(page, base: str, language: str, words: str) -> list[str]:
    page.goto(f"{base}/archive/?lang={language}")
    page.locator("#archive-q").fill(words)
    page.locator("form.archive-filters button[type=submit]").click()
    page.wait_for_load_state()
    return page.locator(".archive-result-title a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_archive_search_finds_2019_visit_from_each_language(demo, live_server, page):
    found = {}
    for language, words in (("de", "Foshan"), ("en", "Guiyang"), ("zh", "贵阳"), ("de", "佛山")):
        links = search(page, live_server, language, words)
        first = page.locator(".archive-result").first
        found[(language, words)] = (
            page.locator("html").get_attribute("lang"), links[0], first.locator("mark").first.inner_text()
        )

    assert found == {
        ("de", "Foshan"): ("de", VISIT, "Foshan"),
        ("en", "Guiyang"): ("en", VISIT, "Guiyang"),
        ("zh", "贵阳"): ("zh-Hans", VISIT, "贵阳"),
        ("de", "佛山"): ("de", VISIT, "佛山"),
    }


def test_archive_search_finds_2021_meeting_from_each_language(demo, live_server, page):
    found = {
        language: MEETING in search(page, live_server, language, words)
        for language, words in (("de", "Wirtschaftsfoerderung"), ("en", "joint ventures"), ("zh", "合资企业"))
    }

    assert found == {"de": True, "en": True, "zh": True}


def test_archive_result_opens_event_page_with_its_material(demo, live_server, page):
    search(page, live_server, "en", "Guiyang")

    page.locator(".archive-result-title a").first.click()
    page.wait_for_load_state()

    assert page.url == f"{live_server}{VISIT}"
    assert page.locator("#archive-section-heading").is_visible()
