"""Member cities in the back office: services and routes."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from eventapp.archive.routes import rendered_pages
from eventapp.cities.services import (
    CityData,
    create_city,
    get_city,
    list_cities_for_management,
    update_city,
)
from eventapp.models import AuditEntry, City, Country, Event, UserRole
from eventapp.rules.errors import RuleError
from tests.factories import make_city, make_event, make_user
from tests.manage.test_routes import sign_in

HESSE = {"de": "Hessen", "en": "Hesse", "zh": "黑森州"}  # the factory's default
NRW = {"de": "Nordrhein-Westfalen", "en": "North Rhine-Westphalia", "zh": "北莱茵-威斯特法伦州"}


def csrf_token(client, url: str) -> str:
    body = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)


def form_data(client, url: str, **overrides) -> dict:
    data = {"slug": "solingen", "name_de": "Solingen", "name_en": "Solingen", "name_zh": "索林根",
            "region_de": NRW["de"], "region_en": NRW["en"], "region_zh": NRW["zh"], "country": "DE",
            "member_since": "2016-04-01", "is_member": "y", "csrf_token": csrf_token(client, url)}
    data.update(overrides)
    return data


@pytest.fixture
def organiser(session):
    user = make_user(session, email="office@example.org")
    session.commit()
    return user


# --- services ------------------------------------------------------------------------


def test_create_city_stores_names_and_audits(session):
    actor = make_user(session)

    city = create_city(session, CityData(" foshan ", {"de": "Foshan", "en": "", "zh": " 佛山 "}, Country.CN,
                                         {"zh": "广东省", "de": "Guangdong"}, date(2016, 4, 1)), actor)

    assert (city.slug, city.name_i18n, city.region_i18n, city.member_since, city.is_member) == (
        "foshan", {"de": "Foshan", "zh": "佛山"}, {"zh": "广东省", "de": "Guangdong"}, date(2016, 4, 1), True
    )
    entry = session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.object_id, entry.user_id, entry.changes["country"]) == (
        "city.create", city.id, actor.id, "CN"
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (CityData("guiyang", {"de": "Guiyang", "en": "Guiyang"}, Country.CN), "name_zh"),
        (CityData("aachen", {"en": "Aachen", "zh": "亚琛"}, Country.DE), "name_de"),
        (CityData("aachen", {"de": "Aa\nchen"}, Country.DE), "name_de"),
        (CityData("aachen", {"de": "Aachen"}, Country.DE, {"de": "N\rRW"}), "region_de"),
        (CityData("Aachen City", {"de": "Aachen"}, Country.DE), "slug"),
        (CityData("taken", {"de": "Aachen"}, Country.DE), "slug"),
    ],
    ids=["cn-without-chinese", "de-without-german", "newline-name", "cr-region", "bad-slug", "taken-slug"],
)
def test_create_city_refuses_bad_input(session, data, field):
    make_city(session, slug="taken")
    before = session.scalar(select(func.count()).select_from(City))

    with pytest.raises(RuleError) as error:
        create_city(session, data, None)

    assert (error.value.field, session.scalar(select(func.count()).select_from(City))) == (field, before)


def test_update_city_keeps_own_slug_and_refreshes_hosted_events(session):
    city = make_city(session, slug="koeln", name_i18n={"de": "Köln"})
    hosted = make_event(session, host_city=city)
    other = make_event(session)
    session.commit()
    versions = (hosted.version, other.version, hosted.sequence)

    update_city(session, city, CityData("koeln", {"de": "Köln", "en": "Cologne"}, Country.DE, NRW), None)
    session.commit()
    session.expire_all()

    assert (city.name_i18n, city.region_i18n) == ({"de": "Köln", "en": "Cologne"}, NRW)
    assert (session.get(Event, hosted.id).version, session.get(Event, other.id).version,
            session.get(Event, hosted.id).sequence) == (versions[0] + 1, versions[1], versions[2])
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "city.update")).one()
    assert entry.changes == {"name": [{"de": "Köln"}, {"de": "Köln", "en": "Cologne"}],
                             "region": [HESSE, NRW]}


def test_update_city_refuses_slug_of_another_city(session, english):
    make_city(session, slug="fulda")
    city = make_city(session, slug="koeln")

    with pytest.raises(RuleError) as error:
        update_city(session, city, CityData("fulda", {"de": "Köln"}, Country.DE), None)

    assert (error.value.field, str(error.value.message)) == ("slug", "This address is already taken by another city.")


def test_list_cities_for_management_puts_germany_first_and_includes_non_members(session):
    make_city(session, slug="foshan", country=Country.CN, name_i18n={"zh": "佛山"})
    make_city(session, slug="paris", is_member=False)
    make_city(session, slug="aachen")

    assert [city.slug for city in list_cities_for_management(session)] == ["aachen", "paris", "foshan"]


def test_get_city_refuses_out_of_range_ids(session):
    city = make_city(session)

    assert [get_city(session, value) for value in (city.id, 0, 2**31, 10**20)] == [city, None, None, None]


# --- routes --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/manage/cities/", "/manage/cities/new", "/manage/cities/1/edit"])
def test_city_pages_send_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)

    assert (response.status_code, response.headers["Location"].split("?")[0]) == (302, "/auth/login")


@pytest.mark.parametrize("role", [UserRole.ORGANISER, UserRole.ADMIN])
def test_new_city_appears_in_public_directory_at_once(client, session, role):
    make_user(session, email="office@example.org", role=role)
    make_city(session, slug="fulda", name_i18n={"de": "Fulda"})
    session.commit()
    assert "Solingen" not in client.get("/cities/?lang=en").get_data(as_text=True)
    assert "Solingen" not in client.get("/archive/?lang=en").get_data(as_text=True)
    sign_in(client, "office@example.org")

    response = client.post("/manage/cities/new", data=form_data(client, "/manage/cities/new"))

    assert (response.status_code, response.headers["Location"]) == (302, "/manage/cities/")
    listing = client.get("/manage/cities/?lang=en").get_data(as_text=True)
    assert re.findall(r'<tr data-city="([a-z-]+)">', listing) == ["fulda", "solingen"]
    assert '<a href="/cities/solingen/"' in client.get("/cities/?lang=en").get_data(as_text=True)
    session.expire_all()
    city = session.scalars(select(City).where(City.slug == "solingen")).one()
    assert (city.name_i18n, city.member_since, city.is_member) == (
        {"de": "Solingen", "en": "Solingen", "zh": "索林根"}, date(2016, 4, 1), True
    )
    assert session.scalars(select(AuditEntry.action)).all() == ["city.create"]


@pytest.mark.parametrize(
    ("overrides", "field_id"),
    [
        ({"name_de": "Solingen\r\nEvil"}, "name_de"),
        ({"name_de": ""}, "name_de"),
        ({"country": "CN", "name_zh": ""}, "name_zh"),
        ({"country": "FR"}, "country"),
        ({"slug": "taken"}, "slug"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"member_since": "2016-13-45"}, "member_since"),
        ({"region_en": "North\nRhine"}, "region_en"),
    ],
    ids=["crlf", "no-german", "cn-no-chinese", "country", "taken", "bad-slug", "bad-date", "region"],
)
def test_new_city_refuses_bad_input_with_422(client, session, organiser, overrides, field_id):
    make_city(session, slug="taken")
    session.commit()
    sign_in(client, "office@example.org")

    response = client.post("/manage/cities/new", data=form_data(client, "/manage/cities/new", **overrides))

    body = response.get_data(as_text=True)
    assert (response.status_code, f'id="{field_id}-error"' in body) == (422, True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(City)) == 1
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_edit_city_changes_directory_text(client, session, organiser):
    city = make_city(session, slug="koeln", name_i18n={"de": "Köln", "en": "Koeln"}, region_i18n=NRW)
    session.commit()
    url = f"/manage/cities/{city.id}/edit"
    assert "Koeln" in client.get("/cities/?lang=en").get_data(as_text=True)
    sign_in(client, "office@example.org")
    assert 'value="koeln"' in client.get(url).get_data(as_text=True)

    response = client.post(url, data=form_data(client, url, slug="koeln", name_de="Köln", name_en="Cologne",
                                               name_zh="科隆", is_member=""))

    assert response.status_code == 302
    directory = client.get("/cities/?lang=en").get_data(as_text=True)
    assert ("Koeln" in directory, "Cologne" in directory) == (False, False)  # no longer a member
    session.expire_all()
    assert (session.get(City, city.id).name_i18n["en"], session.get(City, city.id).is_member) == ("Cologne", False)


@pytest.mark.parametrize("city_id", ["0", "2147483648", "9" * 30])
def test_edit_city_answers_404_for_huge_ids(client, organiser, city_id):
    sign_in(client, "office@example.org")

    assert client.get(f"/manage/cities/{city_id}/edit").status_code == 404


def test_city_list_escapes_names(client, session, organiser):
    make_city(session, slug="evil", name_i18n={"de": "<b>Evil</b>"})
    session.commit()
    sign_in(client, "office@example.org")

    body = client.get("/manage/cities/").get_data(as_text=True)

    assert ("<b>Evil</b>" in body, "&lt;b&gt;Evil&lt;/b&gt;" in body) == (False, True)


def test_city_list_query_count_does_not_grow(client, session, organiser, count_queries):
    make_city(session)
    session.commit()
    sign_in(client, "office@example.org")
    session.expire_all()
    count_queries.statements.clear()
    client.get("/manage/cities/")
    one = count_queries.count
    make_city(session)
    make_city(session)
    session.commit()
    session.expire_all()
    count_queries.statements.clear()
    client.get("/manage/cities/")

    assert (one, count_queries.count) == (2, 2)


def test_edit_city_changes_cached_archive_filter_at_once(client, session):
    # Earlier tests may have left pages under the same stamp in this process's cache.
    rendered_pages.clear()
    city = make_city(session, slug="koeln", name_i18n={"de": "Köln", "en": "Koeln"})
    session.commit()
    assert ">Koeln</option>" in client.get("/archive/?lang=en").get_data(as_text=True)
    assert ">Koeln</option>" in client.get("/archive/?lang=en").get_data(as_text=True)  # now cached

    update_city(session, city, CityData("koeln", {"de": "Köln", "en": "Cologne"}, Country.DE), None)
    session.commit()

    body = client.get("/archive/?lang=en").get_data(as_text=True)
    assert (">Koeln</option>" in body, ">Cologne</option>" in body) == (False, True)
