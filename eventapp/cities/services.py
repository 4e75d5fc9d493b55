"""Member cities grouped by country and by state or province, with counts from the data."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from eventapp import audit
from eventapp.models import (
    City,
    Country,
    Event,
    EventParticipant,
    EventStatus,
    Organisation,
    User,
    pick_translation,
)
from eventapp.models.base import utcnow
from eventapp.rules import validation
from eventapp.rules.errors import RuleError

COUNTRY_ORDER = (Country.DE, Country.CN)
# A city page lists the latest events; the archive, filtered by city, has the rest.
EVENT_LIMIT = 50


@dataclass
class RegionGroup:
    name: str
    cities: list[City]


@dataclass
class CountryGroup:
    country: Country
    regions: list[RegionGroup] = field(default_factory=list)

    @property
    def city_count(self) -> int:
        return sum(len(region.cities) for region in self.regions)

    @property
    def region_count(self) -> int:
        return len([region for region in self.regions if region.name])


def _region_name(city: City, language: str) -> str:
    return pick_translation(city.region_i18n, language, city.content_language)


def list_member_directory(session: Session, language: str) -> list[CountryGroup]:
    """Member cities by country (Germany first), then by region name, then by city name."""
    cities = list(
        session.scalars(
            select(City).where(City.is_member.is_(True)).options(selectinload(City.organisations))
        )
    )
    groups = []
    for country in COUNTRY_ORDER:
        members = sorted(
            (city for city in cities if city.country == country),
            key=lambda city: (
                _region_name(city, language).casefold(),
                city.text("name", language).casefold(),
            ),
        )
        group = CountryGroup(country)
        for region, items in groupby(members, key=lambda city: _region_name(city, language)):
            group.regions.append(RegionGroup(region, list(items)))
        groups.append(group)
    return groups


def get_city_by_slug(session: Session, slug: str) -> City | None:
    return session.scalar(
        select(City).where(City.slug == slug).options(selectinload(City.organisations))
    )


def _event_list_options() -> tuple:
    return (selectinload(Event.host_city), selectinload(Event.topic_links))


def list_hosted_events(session: Session, city: City, limit: int = EVENT_LIMIT) -> list[Event]:
    """Published (or cancelled, never draft) events the city hosted, latest first."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.host_city_id == city.id, Event.status != EventStatus.DRAFT)
            .options(*_event_list_options())
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(limit)
        )
    )


def list_attended_events(session: Session, city: City, limit: int = EVENT_LIMIT) -> list[Event]:
    """Events in which an organisation of the city took part and agreed to be named,
    latest first (hosted events included when the city's own organisations took part)."""
    attended = (
        select(EventParticipant.event_id)
        .join(Organisation, Organisation.id == EventParticipant.organisation_id)
        .where(Organisation.city_id == city.id, EventParticipant.is_listed.is_(True))
    )
    return list(
        session.scalars(
            select(Event)
            .where(Event.id.in_(attended), Event.status != EventStatus.DRAFT)
            .options(*_event_list_options())
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(limit)
        )
    )


# --- The back office: list, create and edit member cities (issue #10) ----------------

MAX_ID = 2**31


@dataclass
class CityData:
    slug: str
    name: dict[str, str]
    country: Country
    region: dict[str, str] = field(default_factory=dict)
    member_since: date | None = None
    is_member: bool = True


def list_cities_for_management(session: Session) -> list[City]:
    """Every city, members or not, by country (Germany first) and slug (one query)."""
    cities = list(session.scalars(select(City).order_by(City.slug)))
    order = {country: index for index, country in enumerate(COUNTRY_ORDER)}
    return sorted(cities, key=lambda city: (order.get(city.country, len(order)), city.slug))


def get_city(session: Session, city_id: int) -> City | None:
    """The city by id; None for ids no database column can hold."""
    if not 0 < city_id < MAX_ID:
        return None
    return session.get(City, city_id)


def _check_city(session: Session, data: CityData, city: City | None) -> CityData:
    slug = data.slug.strip()
    validation.check_slug(slug)
    if not isinstance(data.country, Country):
        raise RuleError("country", validation.UNKNOWN_COUNTRY)
    names = {code: text.strip() for code, text in data.name.items()}
    validation.check_city_names(names, data.country.value)
    region = {code: text.strip() for code, text in data.region.items()}
    for code, text in region.items():
        validation.check_language(code, f"region_{code}")
        validation.check_single_line(text, f"region_{code}")
    same_slug = select(City.id).where(City.slug == slug)
    if city is not None:
        same_slug = same_slug.where(City.id != city.id)
    if session.scalar(same_slug) is not None:
        raise RuleError("slug", validation.CITY_SLUG_TAKEN)
    return CityData(
        slug=slug,
        name={code: text for code, text in names.items() if text},
        country=data.country,
        region={code: text for code, text in region.items() if text},
        member_since=data.member_since,
        is_member=data.is_member,
    )


def _city_values(city: City) -> dict[str, object]:
    return {
        "slug": city.slug,
        "name": dict(city.name_i18n or {}),
        "country": city.country,
        "region": dict(city.region_i18n or {}),
        "member_since": city.member_since,
        "is_member": city.is_member,
    }


def create_city(session: Session, data: CityData, actor: User | None) -> City:
    """Add a city; refuses bad or taken slugs, a city without a name in its own language,
    line breaks or control characters in names and regions."""
    data = _check_city(session, data, None)
    city = City(
        slug=data.slug, name_i18n=data.name, country=data.country, region_i18n=data.region,
        member_since=data.member_since, is_member=data.is_member,
    )
    session.add(city)
    session.flush()
    audit.record(session, actor, "city.create", "city", city.id, summary=city.slug,
                 changes=_city_values(city))
    return city


def update_city(session: Session, city: City, data: CityData, actor: User | None) -> City:
    """Change a city; refuses what create_city refuses. Events it hosts get a new version,
    so cached event and archive pages show the new name at once."""
    data = _check_city(session, data, city)
    before = _city_values(city)
    city.slug = data.slug
    city.name_i18n = data.name
    city.country = data.country
    city.region_i18n = data.region
    city.member_since = data.member_since
    city.is_member = data.is_member
    changes = audit.diff(before, _city_values(city))
    if changes:
        audit.record(session, actor, "city.update", "city", city.id, summary=city.slug,
                     changes=changes)
        # Event pages and the archive are cached by event version; they show the host city.
        session.execute(
            update(Event)
            .where(Event.host_city_id == city.id)
            .values(version=Event.version + 1, updated_at=utcnow())
        )
    session.flush()
    return city
