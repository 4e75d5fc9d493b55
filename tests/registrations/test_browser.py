"""A real browser registers for isa-forum in Chinese, opens the mailed link, changes to
online and cancels."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from eventapp.models import EventFormat, SessionKind
from tests.factories import make_session
from tests.outbox.smtp import text_body
from tests.registrations.support import open_event

pytestmark = pytest.mark.browser


def test_register_read_mail_change_and_cancel_in_browser(app, session, live_server, page, smtp_server):
    event = open_event(
        session,
        slug="isa-forum",
        title={"de": "ISA-Forum", "en": "ISA Forum", "zh": "中德工业城市论坛"},
        format=EventFormat.HYBRID,
        capacity_onsite=5,
        capacity_online=50,
    )
    make_session(session, event, title={"de": "Werksbesuch", "zh": "企业参观"}, kind=SessionKind.SITE_VISIT,
                 capacity=2, starts_local=datetime(2027, 1, 14, 14), ends_local=datetime(2027, 1, 14, 16))
    session.commit()

    page.goto(f"{live_server}/events/isa-forum/register?lang=zh")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.fill("input[name=first_name]", "伟")
    page.fill("input[name=last_name]", "李")
    page.fill("input[name=email]", "li.wei@example.org")
    page.fill("input[name=organisation_name]", "佛山市投资促进局")
    page.select_option("select[name=city_id]", "other")
    page.fill("input[name=city_other]", "佛山")
    page.select_option("select[name=participant_type]", "economic_development_agency")
    page.check("input[name=attendance_mode][value=onsite]")
    page.check("input[name=session_ids]")
    page.check("input[name=consent_privacy]")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/events/isa-forum/register/sent$"))
    assert page.locator("[data-registration=sent]").is_visible()

    message = smtp_server.inbox.wait_for(1)[0]
    assert message["Content-Language"] == "zh-Hans"
    link = re.search(r"https://events\.example\.org(/registrations/[^/\s]+/)", text_body(message)).group(1)

    page.goto(f"{live_server}{link}")
    assert page.locator("main").get_attribute("data-status") == "confirmed"
    page.check("input[name=attendance_mode][value=online]")
    page.locator("form[action$='/mode'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("main").get_attribute("data-status") == "confirmed"
    assert page.locator("input[name=attendance_mode][value=online]").is_checked()

    page.locator("button[data-action=cancel]").click()
    page.wait_for_load_state()
    assert page.locator("[data-confirm-page=cancel]").count() == 1
    page.locator("button[data-confirm=yes]").click()
    page.wait_for_load_state()
    assert page.locator("main").get_attribute("data-status") == "cancelled"
    session.rollback()
    session.refresh(event)
    assert (event.taken_onsite, event.taken_online) == (0, 0)


LONG_NAME = "Maximiliane" * 9 + "X"  # 100 characters, no space to break at
LONG_EMAIL = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".org"  # 254 characters


@pytest.mark.parametrize("width", [1280, 390])
def test_back_office_table_stays_usable_with_long_values(session, live_server, chromium, tmp_path, width):
    from tests.factories import make_user
    from tests.registrations.support import sign_up

    event = open_event(session)
    sign_up(session, event, LONG_EMAIL, first_name=LONG_NAME, last_name="Schwarzenberg-Hohenlohe" * 4,
            organisation_name="Wirtschaftsförderung " * 9, notes="Vegetarisch, " * 70, position="P" * 200)
    user = make_user(session, manages=[event])
    session.commit()
    assert (len(LONG_NAME), len(LONG_EMAIL)) == (100, 254)
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login?lang=en")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "correct horse battery")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/manage/$"))

    page.goto(f"{live_server}/manage/events/{event.slug}/registrations/")
    button = page.locator("table.registrations [data-action=checkin]")
    button.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / f"registrations-{width}.png"), full_page=True)
    boxes = [item.bounding_box() for item in page.locator("table.registrations [data-action]").all()]
    box = button.bounding_box()
    wrap = page.evaluate("(() => { const w = document.querySelector('.table-wrap');"
                         " return [w.scrollWidth, w.clientWidth]; })()")
    email = page.locator("table.registrations .cell-clip").first

    # Check in, cancel and the move online (the event is hybrid): every button in view.
    assert [(item["x"] >= 0, item["x"] + item["width"] <= width) for item in boxes] == [(True, True)] * 3
    assert (box["x"] >= 0, box["x"] + box["width"] <= width) == (True, True)
    assert (page.evaluate("document.documentElement.scrollWidth"), wrap[0] <= wrap[1]) == (width, True)
    assert (email.get_attribute("title"), button.is_visible()) == (LONG_EMAIL, True)
    context.close()


@pytest.mark.parametrize(("language", "width"), [("de", 1280), ("zh", 390)])
def test_registration_form_has_no_serious_accessibility_violations(session, live_server, chromium,
                                                                   language, width):
    from tests.events.test_browser import _axe_script

    script = _axe_script()
    event = open_event(session)
    make_session(session, event, kind=SessionKind.SITE_VISIT, capacity=1)
    session.commit()
    # bypass_csp only lets the test inject axe; the page itself stays under its CSP.
    context = chromium.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/events/{event.slug}/register?lang={language}")
    page.locator("form.form button[type=submit]").click()  # empty: every error shown
    page.wait_for_load_state()
    page.add_script_tag(path=str(script))

    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")

    serious = [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert (page.locator("#participant_type-error").count(), serious) == (1, [])
    context.close()
