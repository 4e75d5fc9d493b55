"""Archive search on the real database (SQLite FTS5 or PostgreSQL tsvector)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, text

from eventapp.archive.search import reindex_events
from eventapp.archive.services import ArchiveFilters, list_archive_years, search_archive
from eventapp.models import (
    Document,
    DocumentKind,
    Event,
    EventFormat,
    EventStatus,
    Topic,
    Visibility,
)
from tests.archive.helpers import make_delegation_2019, make_fachtagung_2021, make_member_city
from tests.factories import make_event


def slugs(session, **filters) -> list[str]:
    return [event.slug for event in search_archive(session, ArchiveFilters(**filters)).events]


@pytest.fixture
def archive(session):
    make_delegation_2019(session)
    make_fachtagung_2021(session)
    session.commit()


@pytest.mark.parametrize("words", ["佛山", "贵阳", "佛山贵阳", "佛山市", "Foshan", "foshan", "Guiyang",
                                   "Delegationsreise", "delegation visit", "Mitgliedsstädte"])
def test_search_finds_2019_visit(session, archive, words):
    assert slugs(session, q=words) == ["delegation-foshan-guiyang-2019"]


@pytest.mark.parametrize("words", ["Wirtschaftsfoerderung", "Wirtschaftsförderung", "WIRTSCHAFTSFÖRDERUNG",
                                   "Wirtschaftsforderung"])
def test_search_finds_both_german_spellings(session, archive, words):
    assert slugs(session, q=words) == ["fachtagung-2021", "delegation-foshan-guiyang-2019"]


@pytest.mark.parametrize("words", ["Fachtagung", "hydrogen", "joint ventures", "合资企业", "专业会议", "投资"])
def test_search_finds_2021_meeting(session, archive, words):
    assert slugs(session, q=words) == ["fachtagung-2021"]


def test_search_chinese_word_inside_sentence(session):
    make_event(
        session,
        slug="sentence",
        title={"de": "Besuch"},
        summary={"zh": "今年秋天，德国城市代表团在贵阳市与当地企业举行了座谈会。"},
        starts_local=datetime(2020, 9, 1, 9),
        ends_local=datetime(2020, 9, 1, 17),
    )
    session.commit()

    assert slugs(session, q="贵阳") == ["sentence"]
    assert slugs(session, q="座谈会") == ["sentence"]
    assert slugs(session, q="佛山") == []


def test_search_requires_every_word(session, archive):
    assert slugs(session, q="Foshan hydrogen") == []


def test_search_does_not_require_glue_words(session):
    make_event(session, slug="r-and-d", title={"de": "Forum", "en": "Research & Development Forum"},
               summary={"de": "Forschung, Entwicklung: Foshan"},
               starts_local=datetime(2022, 3, 1, 9), ends_local=datetime(2022, 3, 1, 17))
    session.commit()

    # Neither "and" nor "und" occurs in the event's texts.
    assert slugs(session, q="research and development") == ["r-and-d"]
    assert slugs(session, q="Forschung und Entwicklung") == ["r-and-d"]
    assert slugs(session, q="und") == []


def test_search_ranks_title_above_text(session):
    make_event(session, slug="in-text", title={"de": "Tagung"}, summary={"de": "Es ging um Wasserstoff."},
               starts_local=datetime(2022, 3, 1, 9), ends_local=datetime(2022, 3, 1, 17))
    make_event(session, slug="in-title", title={"de": "Wasserstoff aus Foshan"},
               starts_local=datetime(2020, 3, 1, 9), ends_local=datetime(2020, 3, 1, 17))
    session.commit()

    assert slugs(session, q="Wasserstoff") == ["in-title", "in-text"]


def _tiered_archive(session) -> None:
    """Two events with the word in the title and three with it only in the text, their
    starts interleaved, plus an upcoming and a draft event that must never show."""
    for slug, year, title, summary in [
        ("title-2018", 2018, "Wasserstoff in Foshan", ""),
        ("text-2019", 2019, "Tagung", "Es ging um Wasserstoff."),
        ("title-2020", 2020, "Wasserstoffstrategie", ""),
        ("text-2021", 2021, "Besuch", "Wasserstoff und Batterien."),
        ("text-2017", 2017, "Forum", "Wasserstoff aus Wind."),
    ]:
        make_event(session, slug=slug, title={"de": title}, summary={"de": summary} if summary else {},
                   starts_local=datetime(year, 3, 1, 9), ends_local=datetime(year, 3, 1, 17))
    make_event(session, slug="upcoming", title={"de": "Wasserstoff morgen"},
               starts_local=datetime(2099, 3, 1, 9), ends_local=datetime(2099, 3, 1, 17))
    make_event(session, slug="draft", status=EventStatus.DRAFT, title={"de": "Wasserstoff Entwurf"},
               starts_local=datetime(2019, 6, 1, 9), ends_local=datetime(2019, 6, 1, 17))
    session.commit()


def test_search_orders_title_tier_then_text_tier_newest_first(session):
    _tiered_archive(session)

    page = search_archive(session, ArchiveFilters(q="Wasserstoff"))

    assert [event.slug for event in page.events] == [
        "title-2020", "title-2018", "text-2021", "text-2019", "text-2017",
    ]
    assert page.total == 5


def test_search_pages_cross_from_title_tier_to_text_tier(session, monkeypatch):
    monkeypatch.setattr("eventapp.archive.services.PER_PAGE", 2)
    _tiered_archive(session)

    pages = [search_archive(session, ArchiveFilters(q="Wasserstoff", page=number))
             for number in (1, 2, 3, 4)]

    assert [[event.slug for event in page.events] for page in pages] == [
        ["title-2020", "title-2018"], ["text-2021", "text-2019"], ["text-2017"], [],
    ]
    assert [page.total for page in pages] == [5, 5, 5, 5]


def test_filtered_search_keeps_the_tier_order(session):
    _tiered_archive(session)

    assert slugs(session, q="Wasserstoff", format=EventFormat.HYBRID.value) == [
        "title-2020", "title-2018", "text-2021", "text-2019", "text-2017",
    ]
    assert slugs(session, q="Wasserstoff", year=2019) == ["text-2019"]


def test_moving_an_event_moves_it_in_the_results(session):
    _tiered_archive(session)
    event = session.scalar(select(Event).where(Event.slug == "title-2018"))
    event.starts_at = datetime(2021, 3, 1, 8, tzinfo=UTC)
    event.ends_at = datetime(2021, 3, 1, 16, tzinfo=UTC)
    session.commit()

    assert slugs(session, q="Wasserstoff")[:2] == ["title-2018", "title-2020"]


def test_an_event_that_ends_enters_the_search_without_a_write(session):
    _tiered_archive(session)
    later = datetime(2099, 3, 2, tzinfo=UTC)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("eventapp.archive.services.utcnow", lambda: later)
        page = search_archive(session, ArchiveFilters(q="Wasserstoff"))

    assert [event.slug for event in page.events][:3] == ["upcoming", "title-2020", "title-2018"]
    assert page.total == 6


@pytest.mark.parametrize("nonsense", ['"((*', "OR AND", "NOT", "*", "'; DROP TABLE events; --",
                                      "NEAR(a b)", "title:foo", "a OR", "^", "\\", "%_%"])
def test_search_with_nonsense_never_fails(session, archive, nonsense):
    page = search_archive(session, ArchiveFilters(q=nonsense))

    assert page.total == len(page.events)


def test_search_without_words_lists_the_archive(session, archive):
    page = search_archive(session, ArchiveFilters(q='"((*'))

    assert (page.is_search, page.total) == (False, 2)


def test_archive_lists_only_published_events_that_ended(session, archive):
    make_event(session, slug="draft-2020", status=EventStatus.DRAFT, title={"de": "Foshan Entwurf"},
               starts_local=datetime(2020, 1, 7, 9), ends_local=datetime(2020, 1, 7, 17))
    make_event(session, slug="upcoming", title={"de": "Foshan Zukunft"},
               starts_local=datetime(2099, 1, 7, 9), ends_local=datetime(2099, 1, 7, 17))
    session.commit()

    assert slugs(session, q="Foshan") == ["delegation-foshan-guiyang-2019"]
    assert slugs(session) == ["fachtagung-2021", "delegation-foshan-guiyang-2019"]


def test_filters_year_city_topic_format(session):
    foshan = make_member_city(session, "foshan", "Foshan", "Foshan", "佛山")
    make_delegation_2019(session, host_city=foshan, topics=[Topic.INVESTMENT.value])
    make_fachtagung_2021(session, topics=[Topic.HYDROGEN.value])
    session.commit()

    assert slugs(session, year=2019) == ["delegation-foshan-guiyang-2019"]
    assert slugs(session, year=2020) == []
    assert slugs(session, city="foshan") == ["delegation-foshan-guiyang-2019"]
    assert slugs(session, topic=Topic.HYDROGEN.value) == ["fachtagung-2021"]
    assert slugs(session, format=EventFormat.VIRTUAL) == ["fachtagung-2021"]
    assert slugs(session, q="Wirtschaftsförderung", year=2021) == ["fachtagung-2021"]


def test_search_finds_host_city_name(session):
    guiyang = make_member_city(session, "guiyang", "Guiyang", "Guiyang", "贵阳",
                               region={"de": "Guizhou", "en": "Guizhou", "zh": "贵州省"})
    make_event(session, slug="hosted", title={"de": "Jahrestreffen"}, host_city=guiyang,
               starts_local=datetime(2018, 6, 1, 9), ends_local=datetime(2018, 6, 1, 17))
    session.commit()

    assert slugs(session, q="贵州") == []
    assert slugs(session, q="贵阳") == ["hosted"]


def test_renaming_city_reindexes_its_events(session):
    city = make_member_city(session, "renamed", "Altname", "Oldname", "旧名")
    make_event(session, slug="hosted", title={"de": "Treffen"}, host_city=city,
               starts_local=datetime(2018, 6, 1, 9), ends_local=datetime(2018, 6, 1, 17))
    session.commit()

    city.name_i18n = {"de": "Neustadt", "en": "Newtown", "zh": "新城"}
    session.commit()

    assert (slugs(session, q="Altname"), slugs(session, q="Neustadt")) == ([], ["hosted"])


def test_document_title_is_indexed_only_when_public(session, archive):
    event = session.scalar(select(Event).where(Event.slug == "fachtagung-2021"))
    session.add(Document(event=event, kind=DocumentKind.SLIDES, url="https://example.org/a.pdf",
                         title_i18n={"de": "Präsentation Kreislaufwirtschaft"}))
    session.add(Document(event=event, kind=DocumentKind.MINUTES, url="https://example.org/b.pdf",
                         title_i18n={"de": "Vertrauliches Protokoll"}, visibility=Visibility.PARTICIPANTS))
    session.commit()

    assert slugs(session, q="Kreislaufwirtschaft") == ["fachtagung-2021"]
    assert slugs(session, q="Vertrauliches") == []


def test_changing_event_text_reindexes_it(session, archive):
    event = session.scalar(select(Event).where(Event.slug == "fachtagung-2021"))
    event.report_i18n = {"de": "Die Teilnehmenden sprachen über Biotechnologie."}
    session.commit()

    assert slugs(session, q="Biotechnologie") == ["fachtagung-2021"]
    assert slugs(session, q="hydrogen") == []


def test_deleting_event_removes_it_from_search(session, archive):
    session.delete(session.scalar(select(Event).where(Event.slug == "fachtagung-2021")))
    session.commit()

    count = session.scalar(text("SELECT count(*) FROM search_events"))
    assert (slugs(session, q="Fachtagung"), count) == ([], 1)


def test_reindex_events_indexes_bulk_inserts(session):
    starts_at = datetime(2017, 5, 4, 8, tzinfo=UTC)
    session.execute(insert(Event), [{
        "slug": f"archive-sample-{number}", "main_language": "zh", "kind": "workshop", "format": "virtual",
        "status": "published", "timezone": "Asia/Shanghai", "starts_at": starts_at,
        "ends_at": starts_at.replace(hour=10), "title_i18n": {"zh": f"佛山工作坊{number}"},
        "summary_i18n": {}, "report_i18n": {}, "languages": ["zh"],
    } for number in range(3)])
    assert slugs(session, q="佛山") == []

    reindex_events(session, None)
    session.commit()

    assert sorted(slugs(session, q="佛山")) == [f"archive-sample-{number}" for number in range(3)]


def test_pagination_counts_all_matches(session):
    for number in range(23):
        make_event(session, slug=f"meeting-{number}", title={"de": f"Foshan Treffen {number}"},
                   starts_local=datetime(2018, 1, 1 + number, 9), ends_local=datetime(2018, 1, 1 + number, 17))
    session.commit()

    first = search_archive(session, ArchiveFilters(q="Foshan"))
    second = search_archive(session, ArchiveFilters(q="Foshan", page=2))

    assert (first.total, first.pages, len(first.events), len(second.events)) == (23, 2, 20, 3)
    assert {e.slug for e in first.events} | {e.slug for e in second.events} == {
        f"meeting-{number}" for number in range(23)
    }


def test_page_past_the_end_still_counts(session, archive):
    page = search_archive(session, ArchiveFilters(page=5))

    assert (page.events, page.total) == ([], 2)


def test_archive_years_only_years_with_events(session, archive):
    assert list_archive_years(session) == [2021, 2019]


def test_postgresql_search_binds_its_tsqueries_as_tsquery():
    """psycopg prepares a statement run five times and PostgreSQL then keeps one generic
    plan for any words: there a cast of a text parameter to tsquery is evaluated for every
    row it tests, so the tsqueries are bound as tsquery parameters, with no cast."""
    from sqlalchemy.dialects.postgresql import psycopg

    from eventapp.archive.services import _plain_statement

    sql = str(_plain_statement("postgresql", True).compile(dialect=psycopg.dialect()))
    assert "@@ %(tsquery)s" in sql
    assert "@@ %(title_tsquery)s" in sql
    assert "TSQUERY" not in sql.upper().replace("%(TSQUERY)S", "").replace("%(TITLE_TSQUERY)S", "")
