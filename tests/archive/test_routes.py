"""The archive page: search, highlighting, filters, query counts, the event page section."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from markupsafe import Markup

from eventapp.archive.routes import ResultCard, options_html, rendered_pages, result_html
from eventapp.models import (
    Document,
    DocumentKind,
    EventParticipant,
    Organisation,
    OrganisationKind,
    Visibility,
)
from tests.archive.helpers import make_delegation_2019, make_fachtagung_2021
from tests.factories import make_city, make_event


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    rendered_pages.clear()
    yield
    rendered_pages.clear()


def result_titles(body: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", title) for title in
            re.findall(r'<h3 class="archive-result-title"><a [^>]*>(.*?)</a></h3>', body)]


@pytest.fixture
def archive(session):
    make_delegation_2019(session)
    make_fachtagung_2021(session)
    session.commit()


@pytest.mark.parametrize(("language", "title"), [
    ("de", "Delegationsreise nach Foshan und Guiyang"),
    ("en", "Delegation visit to Foshan and Guiyang"),
    ("zh", "赴佛山和贵阳代表团访问"),
])
def test_archive_search_in_each_language(client, archive, language, title):
    response = client.get("/archive/", query_string={"q": "佛山", "lang": language})

    assert response.status_code == 200
    assert result_titles(response.get_data(as_text=True)) == [title]


def test_archive_search_highlights_matches(client, archive):
    body = client.get("/archive/?q=Guiyang&lang=en").get_data(as_text=True)

    assert '<a href="/events/delegation-foshan-guiyang-2019/" lang="en">Delegation visit to Foshan and <mark>Guiyang</mark></a>' in body


def test_archive_search_highlights_chinese_in_snippet(client, archive):
    body = client.get("/archive/?q=贵阳&lang=de").get_data(as_text=True)

    assert re.findall(r'<p class="archive-snippet" lang="zh-Hans">(.*?)</p>', body) == [
        "经济促进机构和顾问委员会代表团于2019年前往中国成员城市佛山市和<mark>贵阳</mark>市进行考察交流。"
    ]


def test_archive_highlighting_escapes_html(session, client):
    make_event(session, slug="markup", title={"de": "<script>alert(1)</script> Foshan & <b>Co</b>"},
               summary={"de": "Text mit <img src=x onerror=alert(1)> und Foshan."},
               starts_local=datetime(2020, 2, 3, 9), ends_local=datetime(2020, 2, 3, 17))
    session.commit()

    body = client.get("/archive/", query_string={"q": "foshan <b>"}).get_data(as_text=True)

    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Foshan</mark> &amp; &lt;<mark>b</mark>&gt;Co&lt;/<mark>b</mark>&gt;" in body
    assert "Text mit &lt;img src=x onerror=alert(1)&gt; und <mark>Foshan</mark>." in body
    assert "<script>alert" not in body and "<img src=x" not in body


@pytest.mark.parametrize("nonsense", ['"((*', "OR AND", "NOT NEAR(", "*", "'; --", "\x00", "a" * 500])
def test_archive_nonsense_query_is_friendly(client, archive, nonsense):
    response = client.get("/archive/", query_string={"q": nonsense, "year": "x", "page": "-1", "topic": "<>"})

    assert response.status_code == 200


def test_archive_query_without_words_explains(client, archive):
    body = client.get("/archive/", query_string={"q": '"((*', "lang": "en"}).get_data(as_text=True)

    assert "Your search contains no words we can look for." in body
    assert len(result_titles(body)) == 2


def test_archive_without_search_groups_by_year(client, archive):
    body = client.get("/archive/?lang=en").get_data(as_text=True)

    assert re.findall(r'<h2 id="archive-year-(\d+)">', body) == ["2021", "2019"]


def test_archive_no_match_says_so(client, archive):
    body = client.get("/archive/?q=Zeppelin&lang=en").get_data(as_text=True)

    assert "Nothing in the archive matches your search." in body


def test_archive_filters_keep_their_values(client, archive):
    body = client.get("/archive/?q=Foshan&year=2019&format=in_person&lang=en").get_data(as_text=True)

    assert '<option value="2019" selected>2019</option>' in body
    assert '<option value="in_person" selected>' in body
    assert 'value="Foshan"' in body


def statements(counter) -> list[str]:
    """What was sent, without SQLite's explicit BEGIN (PostgreSQL's driver sends its own)."""
    return [statement for statement in counter.statements if statement != "BEGIN"]


def _seed(session, count: int) -> None:
    city = make_city(session)
    for number in range(count):
        event = make_event(session, slug=f"foshan-{number}", title={"de": f"Foshan Treffen {number}"},
                           host_city=city,
                           topics=["hydrogen"], starts_local=datetime(2019 + number, 3, 4, 9),
                           ends_local=datetime(2019 + number, 3, 4, 17))
        event.documents.append(Document(kind=DocumentKind.REPORT, url="https://example.org/r.pdf",
                                        title_i18n={"de": f"Bericht {number}"}))
    session.commit()


@pytest.mark.parametrize("count", [1, 3])
def test_archive_search_query_count_is_fixed(session, client, count_queries, count):
    _seed(session, count)
    count_queries.statements.clear()

    body = client.get("/archive/?q=Foshan").get_data(as_text=True)
    first = len(statements(count_queries))
    count_queries.statements.clear()
    other = client.get("/archive/?q=Treffen").get_data(as_text=True)

    assert len(result_titles(body)) == len(result_titles(other)) == count
    # Stamp, page, events (with their topics and documents); the facets (first year,
    # years, cities) only until the archive changes: another search costs its own queries.
    assert (first, len(statements(count_queries))) == (6, 3)


@pytest.mark.parametrize("query", ["q=Foshan&page=2", "q=Foshan&topic=hydrogen&page=2",
                                   "q=Treffen&year=2021&page=3"])
def test_archive_search_past_the_last_page_counts_and_links_back(session, client, query):
    _seed(session, 3)

    body = client.get(f"/archive/?{query}&lang=en").get_data(as_text=True)

    assert result_titles(body) == []
    assert "There are no results on this page." in body
    assert "Go to the first page" in body
    expected = "1 event found" if "year=2021" in query else "3 events found"
    assert expected in body


def test_archive_search_pages_follow_the_ranking(session, client):
    _seed(session, 3)
    ranked = result_titles(client.get("/archive/?q=Foshan").get_data(as_text=True))

    pages = [result_titles(client.get(f"/archive/?q=Foshan&page={number}").get_data(as_text=True))
             for number in (1, 2)]

    assert pages == [ranked, []]
    assert len(ranked) == 3


@pytest.mark.parametrize("count", [1, 3])
def test_archive_listing_query_count_is_fixed(session, client, count_queries, count):
    _seed(session, count)
    count_queries.statements.clear()

    body = client.get("/archive/").get_data(as_text=True)

    assert len(result_titles(body)) == count
    assert len(statements(count_queries)) == 6


def test_archive_page_is_served_from_cache_until_something_changes(session, client, archive, count_queries):
    client.get("/archive/?q=Foshan")
    count_queries.statements.clear()
    client.get("/archive/?q=Foshan")
    cached = len(statements(count_queries))

    make_event(session, slug="new-foshan", title={"de": "Neues Foshan-Treffen"},
               starts_local=datetime(2022, 3, 4, 9), ends_local=datetime(2022, 3, 4, 17))
    session.commit()
    body = client.get("/archive/?q=Foshan").get_data(as_text=True)

    assert cached == 1  # the archive stamp
    assert len(result_titles(body)) == 2


def test_archive_page_without_page_cache_searches_every_time(
    app, session, client, count_queries, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    _seed(session, 3)
    first = client.get("/archive/?q=Foshan").get_data(as_text=True)
    count_queries.statements.clear()

    again = client.get("/archive/?q=Foshan").get_data(as_text=True)

    assert again == first
    assert len(statements(count_queries)) == 3  # stamp (facets), page, events
    assert len(rendered_pages) == 0


# --- the archived event's page ---------------------------------------------------------


def test_event_page_shows_archive_section(session, client):
    event = make_fachtagung_2021(session)
    listed = Organisation(name="Wirtschaftsförderung Musterstadt", kind=OrganisationKind.AGENCY)
    hidden = Organisation(name="Geheime GmbH", kind=OrganisationKind.COMPANY)
    session.add_all([listed, hidden])
    session.flush()
    session.add_all([
        EventParticipant(event=event, organisation=listed, is_listed=True),
        EventParticipant(event=event, organisation=hidden, is_listed=False),
        Document(event=event, kind=DocumentKind.REPORT, url="https://example.org/bericht.pdf",
                 title_i18n={"de": "Tagungsbericht"}),
        Document(event=event, kind=DocumentKind.RECORDING, url="https://video.example.org/1",
                 title_i18n={"de": "Mitschnitt"}),
        Document(event=event, kind=DocumentKind.MINUTES, url="https://example.org/intern.pdf",
                 title_i18n={"de": "Internes Protokoll"}, visibility=Visibility.PARTICIPANTS),
    ])
    session.commit()

    body = client.get("/events/fachtagung-2021/?lang=en").get_data(as_text=True)

    assert "Video formats replaced travel" in body
    assert "2 organisations took part." in body
    assert "Wirtschaftsförderung Musterstadt" in body
    assert "Geheime GmbH" not in body
    assert '<a href="https://example.org/bericht.pdf" rel="noopener noreferrer" lang="de">Tagungsbericht</a>' in body
    assert '<a href="https://video.example.org/1" rel="noopener noreferrer">Mitschnitt</a>' in body
    assert "Internes Protokoll" not in body and "intern.pdf" not in body
    assert "1 further document is available to participants." in body


def test_event_page_of_upcoming_event_has_no_archive_section(session, client):
    make_event(session, slug="future", starts_local=datetime(2099, 1, 1, 9), ends_local=datetime(2099, 1, 1, 17))
    session.commit()

    body = client.get("/events/future/?lang=en").get_data(as_text=True)

    assert 'id="archive-section-heading"' not in body


def test_result_html_escapes_every_value_and_keeps_the_marks():
    card = ResultCard(
        slug='x"y', kicker="<Workshop> · Virtuell", title=Markup("<mark>Foshan</mark> &amp; Co"),
        title_language="de", first_day="4. März 2019", last_day="5. März 2019",
        first_iso="2019-03-04", last_iso="2019-03-05", city="Bad <Homburg>",
        text=Markup("… in <mark>Foshan</mark> …"), text_language="zh-Hans",
        topics=["Wasserstoff & Energie"],
    )

    html = str(result_html(card, 'Themen "alle"'))

    assert html == (
        '\n<li class="archive-result">'
        '\n  <p class="card-kicker">&lt;Workshop&gt; · Virtuell</p>'
        '\n  <h3 class="archive-result-title"><a href="/events/x&#34;y/" lang="de">'
        '<mark>Foshan</mark> &amp; Co</a></h3>'
        '\n  <p class="card-meta"><time datetime="2019-03-04">4. März 2019</time> – '
        '<time datetime="2019-03-05">5. März 2019</time></p>'
        '\n  <p class="card-meta">Bad &lt;Homburg&gt;</p>'
        '\n  <p class="archive-snippet" lang="zh-Hans">… in <mark>Foshan</mark> …</p>'
        '\n  <ul class="tags" aria-label="Themen &#34;alle&#34;">'
        '\n    <li>Wasserstoff &amp; Energie</li>\n  </ul>'
        '\n</li>'
    )


def test_result_html_of_a_one_day_event_without_city_text_or_topics():
    card = ResultCard(
        slug="tag", kicker="Webinar · Virtuell", title=Markup("Tag"), title_language="de",
        first_day="4. März 2019", last_day="4. März 2019", first_iso="2019-03-04",
        last_iso="2019-03-04", city=None, text=None, text_language="de", topics=[],
    )

    assert str(result_html(card, "Themen")) == (
        '\n<li class="archive-result">'
        '\n  <p class="card-kicker">Webinar · Virtuell</p>'
        '\n  <h3 class="archive-result-title"><a href="/events/tag/" lang="de">Tag</a></h3>'
        '\n  <p class="card-meta"><time datetime="2019-03-04">4. März 2019</time></p>'
        '\n</li>'
    )


def test_options_html_marks_the_selected_value_and_escapes():
    html = str(options_html([("bad-homburg", "Bad <Homburg>"), ('x"y', "X & Y")], 'x"y'))

    assert html == ('<option value="bad-homburg">Bad &lt;Homburg&gt;</option>'
                    '<option value="x&#34;y" selected>X &amp; Y</option>')


def test_archive_filters_show_what_was_chosen(session, client, archive):
    body = client.get("/archive/?year=2019&format=in_person&lang=en").get_data(as_text=True)

    assert '<option value="2019" selected>2019</option>' in body
    assert '<option value="in_person" selected>' in body
    assert '<option value="2021">2021</option>' in body
