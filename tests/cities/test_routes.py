"""The member directory: grouped by country and region, counts from the data."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from eventapp.models import Country, EventParticipant, EventStatus, Organisation, OrganisationKind
from tests.archive.helpers import make_delegation_2019, make_fachtagung_2021
from tests.factories import make_city

HESSE = {"de": "Hessen", "en": "Hesse", "zh": "黑森州"}
NRW = {"de": "Nordrhein-Westfalen", "en": "North Rhine-Westphalia", "zh": "北莱茵-威斯特法伦州"}
GUANGDONG = {"de": "Guangdong", "en": "Guangdong", "zh": "广东省"}
GUIZHOU = {"de": "Guizhou", "en": "Guizhou", "zh": "贵州省"}


def city(session, slug, de, zh, region, country=Country.DE, **overrides):
    return make_city(session, slug=slug, name_i18n={"de": de, "en": de, "zh": zh}, region_i18n=region,
                     country=country, **overrides)


@pytest.fixture
def members(session):
    cities = {
        "fulda": city(session, "fulda", "Fulda", "富尔达", HESSE),
        "bad-homburg": city(session, "bad-homburg", "Bad Homburg", "巴特洪堡", HESSE),
        "koeln": city(session, "koeln", "Köln", "科隆", NRW),
        "foshan": city(session, "foshan", "Foshan", "佛山", GUANGDONG, Country.CN),
        "guiyang": city(session, "guiyang", "Guiyang", "贵阳", GUIZHOU, Country.CN),
        "paris": city(session, "paris", "Paris", "巴黎", {}, is_member=False),
    }
    session.commit()
    return cities


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_directory_groups_by_country_and_region(client, members):
    body = client.get("/cities/?lang=en").get_data(as_text=True)

    headings = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", body)
    assert [text_of(heading) for heading in headings] == [
        "Germany", "Hesse (2)", "North Rhine-Westphalia (1)", "China", "Guangdong (1)", "Guizhou (1)",
    ]
    assert re.findall(r'<a href="/cities/([a-z-]+)/"', body) == [
        "bad-homburg", "fulda", "koeln", "foshan", "guiyang"
    ]


def test_directory_counts_members_from_data(client, members):
    body = text_of(client.get("/cities/?lang=en").get_data(as_text=True))

    assert "The alliance has 5 member cities and regions." in body
    assert "3 members from 2 federal states" in body
    assert "2 members from 2 provinces" in body


def test_directory_query_count_is_fixed(session, client, count_queries):
    for number in range(3):
        member = city(session, f"member-{number}", f"Stadt {number}", f"城市{number}", HESSE)
        session.add(Organisation(name=f"Agentur {number}", kind=OrganisationKind.AGENCY, city=member))
        session.commit()
        count_queries.statements.clear()

        client.get("/cities/")

        assert len([s for s in count_queries.statements if s != "BEGIN"]) == 2


def test_city_page_lists_organisations_and_events(session, client, members):
    foshan = members["foshan"]
    agency = Organisation(name="Foshan Investment Promotion", kind=OrganisationKind.AGENCY, city=foshan)
    quiet = Organisation(name="Foshan Quiet Ltd", kind=OrganisationKind.COMPANY, city=members["guiyang"])
    session.add_all([agency, quiet])
    visit = make_delegation_2019(session, host_city=foshan)
    meeting = make_fachtagung_2021(session)
    make_fachtagung_2021(session, slug="draft-meeting", host_city=foshan, status=EventStatus.DRAFT)
    session.add_all([
        EventParticipant(event=meeting, organisation=agency, is_listed=True),
        EventParticipant(event=visit, organisation=quiet, is_listed=False),
    ])
    session.commit()

    body = client.get("/cities/foshan/?lang=en").get_data(as_text=True)
    guiyang = client.get("/cities/guiyang/?lang=en").get_data(as_text=True)

    assert "Foshan Investment Promotion" in body
    hosted, attended = body.split('id="attended-heading"')
    assert re.findall(r'href="/events/([a-z0-9-]+)/"', hosted) == ["delegation-foshan-guiyang-2019"]
    assert re.findall(r'href="/events/([a-z0-9-]+)/"', attended) == ["fachtagung-2021"]
    assert re.findall(r'href="/events/([a-z0-9-]+)/"', guiyang) == []


def test_unknown_city_is_404(client):
    assert client.get("/cities/atlantis/").status_code == 404


def test_city_page_query_count_is_fixed(session, client, members, count_queries):
    foshan = members["foshan"]
    counts = []
    for number in range(3):
        make_fachtagung_2021(session, slug=f"meeting-{number}", host_city=foshan,
                             starts_local=datetime(2021, 11, 1 + number, 10),
                             ends_local=datetime(2021, 11, 1 + number, 16))
        session.commit()
        count_queries.statements.clear()
        client.get("/cities/foshan/")
        counts.append(len([s for s in count_queries.statements if s != "BEGIN"]))

    assert counts == [6, 6, 6]
