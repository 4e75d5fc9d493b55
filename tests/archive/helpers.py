"""Archived events in the three languages, as the alliance's first archive entries read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from eventapp.models import City, Country, Event, EventFormat, EventKind
from tests.factories import make_city, make_event


def make_member_city(session: Session, slug: str, de: str, en: str, zh: str, country: Country = Country.CN,
                     region: dict[str, str] | None = None) -> City:
    return make_city(
        session,
        slug=slug,
        name_i18n={"de": de, "en": en, "zh": zh},
        country=country,
        region_i18n=region or {"de": "Guangdong", "en": "Guangdong", "zh": "广东省"},
    )


def make_delegation_2019(session: Session, **overrides: object) -> Event:
    values: dict = {
        "slug": "delegation-foshan-guiyang-2019",
        "main_language": "de",
        "title": {
            "de": "Delegationsreise nach Foshan und Guiyang",
            "en": "Delegation visit to Foshan and Guiyang",
            "zh": "赴佛山和贵阳代表团访问",
        },
        "summary": {
            "de": "Die Wirtschaftsförderungen und Beiräte besuchten zwei Mitgliedsstädte in China.",
            "en": "Economic development agencies and advisory boards visited two member cities in China.",
            "zh": "经济促进机构和顾问委员会代表团于2019年前往中国成员城市佛山市和贵阳市进行考察交流。",
        },
        "kind": EventKind.DELEGATION_VISIT,
        "format": EventFormat.IN_PERSON,
        "timezone": "Asia/Shanghai",
        "starts_local": datetime(2019, 10, 14, 9, 0),
        "ends_local": datetime(2019, 10, 18, 17, 0),
    }
    values.update(overrides)
    return make_event(session, **values)


def make_fachtagung_2021(session: Session, **overrides: object) -> Event:
    values: dict = {
        "slug": "fachtagung-2021",
        "main_language": "de",
        "title": {
            "de": "Fachtagung der Wirtschaftsförderungen und Beiräte",
            "en": "Expert meeting of economic development agencies and advisory boards",
            "zh": "经济促进机构与顾问委员会专业会议",
        },
        "summary": {
            "de": "Kommunale Wirtschaftsförderung im Gespräch über Investitionen und Joint Ventures.",
            "en": "Municipal agencies discussed investments, joint ventures and settlements.",
            "zh": "各市经济促进机构围绕投资、合资企业和企业落户展开讨论。",
        },
        "report": {
            "en": "Video formats replaced travel; interest in hydrogen technology and battery production.",
        },
        "kind": EventKind.EXPERT_MEETING,
        "format": EventFormat.VIRTUAL,
        "timezone": "Europe/Berlin",
        "starts_local": datetime(2021, 11, 30, 10, 0),
        "ends_local": datetime(2021, 11, 30, 16, 0),
    }
    values.update(overrides)
    return make_event(session, **values)
