"""Member cities grouped by country and by state or province, with counts from the data."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from eventapp.models import (
    City,
    Country,
    Event,
    EventParticipant,
    EventStatus,
    Organisation,
    pick_translation,
)

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
