import pytest


def test_default_language_is_german(client):
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="de">' in body


def test_accept_language_picks_english(client):
    body = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in body


def test_accept_language_picks_chinese_for_zh_cn(client):
    body = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in body


def test_lang_parameter_switches_and_is_remembered(client):
    first = client.get("/?lang=zh")
    assert "lang=zh" in first.headers["Set-Cookie"]
    body = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in body


def test_unknown_lang_parameter_is_ignored(client):
    response = client.get("/?lang=xx")
    assert (response.status_code, "Set-Cookie" in response.headers) == (200, False)


@pytest.mark.parametrize(
    ("code", "heading"),
    [("de", "Kommende Veranstaltungen"), ("en", "Upcoming events"), ("zh", "即将举行的活动")],
)
def test_home_heading_is_translated(client, code, heading):
    assert f">{heading}</h2>" in client.get(f"/?lang={code}").get_data(as_text=True)


def test_language_switch_links_keep_the_path(client):
    body = client.get("/cities/").get_data(as_text=True)
    assert 'href="/cities/?lang=en"' in body


def test_language_switch_on_a_404_leads_home_without_echoing_the_path(client):
    body = client.get("/no-such-page").get_data(as_text=True)
    assert ('href="/?lang=en"' in body, "no-such-page" in body) == (True, False)
