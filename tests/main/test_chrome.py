"""The page chrome (base.html via display.page_chrome()): texts, links and their escaping."""
import pytest
from flask import render_template_string

from eventapp.display import page_chrome

CHROME_MESSAGES = {
    "site_name": "ISA Events",
    "alliance": "Chinese-German Industrial Cities Alliance",
    "skip_link": "Skip to content",
    "main_navigation": "Main navigation",
    "language": "Language",
    "time_zones": "Times are shown in the event's time zone and in the partner zone (Berlin / Beijing).",
    "sign_in": "Organiser sign-in",
    "sign_out": "Sign out",
}


@pytest.mark.parametrize("code", ["de", "en", "zh"])
def test_chrome_texts_are_what_the_templates_gettext_gives(app, code):
    with app.test_request_context(f"/?lang={code}"):
        app.preprocess_request()
        texts = page_chrome().text
        for field, message in CHROME_MESSAGES.items():
            expected = render_template_string("{{ _(message) }}", message=message)
            assert render_template_string("{{ text }}", text=getattr(texts, field)) == expected, field


def test_chrome_text_is_not_escaped_twice(client):
    body = client.get("/?lang=en").get_data(as_text=True)
    assert "<p>Times are shown in the event's time zone and in the partner zone" in body


def test_language_links_keep_the_arguments_escaped(client):
    body = client.get("/archive/?q=a%26b&x=%3Cy%22%3E&lang=en").get_data(as_text=True)
    assert '<a href="/archive/?q=a%26b&amp;x=%3Cy%22%3E&amp;lang=de" lang="de" hreflang="de">' in body
    assert ('<a href="/archive/?q=a%26b&amp;x=%3Cy%22%3E&amp;lang=en" lang="en" hreflang="en" '
            'aria-current="true">English</a>') in body
    assert '<a href="/archive/?lang=zh" lang="zh-Hans" hreflang="zh-Hans">中文</a>' in (
        client.get("/archive/?lang=en").get_data(as_text=True)
    )


def test_main_navigation_marks_the_current_page_only(client):
    body = client.get("/events/?lang=en").get_data(as_text=True)
    assert '<li><a href="/events/" aria-current="page">Events</a></li>' in body
    assert '<li><a href="/">Home</a></li>' in body
    assert body.count('aria-current="page"') == 1


def test_chrome_links_follow_the_script_root_of_each_request(client):
    # The links are kept per script root: one app serving under two roots mixes none up.
    for root in ("/sub", "", "/sub"):
        body = client.get("/?lang=en", base_url=f"http://localhost{root}").get_data(as_text=True)
        assert f'<link rel="stylesheet" href="{root}/static/css/app.css">' in body
        assert f'<a class="brand" href="{root}/">' in body
        assert f'<li><a href="{root}/events/">Events</a></li>' in body
        assert f'<a href="{root}/auth/login">Organiser sign-in</a>' in body
        assert f'<a href="{root}/?lang=de" lang="de" hreflang="de">Deutsch</a>' in body
