"""`flask demo load --large`: the `benchmark-congress` and archived `archive-sample-N` events.

The congress goes through the event services like any event (300 programme items are few);
its 2,000 registrations and the 10,000 archived events are bulk inserts, with their values
still built by the rules (slug, translations, local_to_utc, event times) so that nothing
reaches the database that a form would refuse. Bulk inserts bypass the ORM's flush
listener, so version and sequence are written explicitly, and the search index is told.
Idempotent: an existing congress is left alone, and only missing archive samples are added.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from eventapp.demo.search_hook import refresh_search_index
from eventapp.events.services import (
    EventData,
    SessionData,
    add_session,
    create_event,
    get_or_create_speaker,
)
from eventapp.models import (
    AttendanceMode,
    City,
    Country,
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    EventTopic,
    Organisation,
    OrganisationKind,
    Registration,
    RegistrationStatus,
    SessionKind,
    Speaker,
    Topic,
    Visibility,
)
from eventapp.models.base import utcnow
from eventapp.rules import validation
from eventapp.rules.times import BERLIN, SHANGHAI, local_to_utc

CONGRESS_SLUG = "benchmark-congress"
ARCHIVE_PREFIX = "archive-sample-"
ARCHIVE_COUNT = 10_000
CONGRESS_DAYS = 3
CONGRESS_SESSIONS = 300
CONGRESS_ROOMS = ("Saal A", "Saal B", "Saal C", "Saal D", "Saal E", "Saal F")
CONGRESS_SPEAKERS = 100
CONGRESS_REGISTRATIONS = 2_000
CONGRESS_LEAD_DAYS = 60
CONGRESS_CAPACITY_ONSITE = 900
CONGRESS_CAPACITY_ONLINE = 1_500
_BATCH = 1_000
# Archive samples lie between the alliance's founding and the end of 2025: always past.
_ARCHIVE_FIRST_DAY = date(2016, 5, 2)
_ARCHIVE_LAST_DAY = date(2025, 12, 12)


def load_large(
    session: Session,
    today: date,
    archive_count: int = ARCHIVE_COUNT,
    registration_count: int = CONGRESS_REGISTRATIONS,
) -> list[str]:
    """Add the benchmark congress and the archive samples that are missing; summary lines."""
    cities = {city.slug: city for city in session.scalars(select(City))}
    organisations = list(session.scalars(select(Organisation).order_by(Organisation.name)))
    summary = [load_benchmark_congress(session, today, cities, organisations, registration_count)]
    summary.extend(load_archive_samples(session, cities, archive_count))
    return summary


# --- word pools ----------------------------------------------------------------------------

TOPIC_WORDS: dict[str, dict[str, str]] = {
    Topic.RESEARCH: {
        "de": "Forschung und Entwicklung",
        "en": "research and development",
        "zh": "研发",
    },
    Topic.AUTOMATION: {"de": "Automatisierung", "en": "automation", "zh": "自动化"},
    Topic.BIOTECH: {"de": "Biotechnologie", "en": "biotechnology", "zh": "生物技术"},
    Topic.LOGISTICS: {"de": "intelligente Logistik", "en": "smart logistics", "zh": "智慧物流"},
    Topic.BATTERIES: {"de": "Batterieproduktion", "en": "battery production", "zh": "电池生产"},
    Topic.HYDROGEN: {"de": "Wasserstofftechnik", "en": "hydrogen technology", "zh": "氢能技术"},
    Topic.CLIMATE: {"de": "Klimaschutz", "en": "climate protection", "zh": "气候保护"},
    Topic.CIRCULAR: {"de": "Kreislaufwirtschaft", "en": "circular economy", "zh": "循环经济"},
    Topic.INVESTMENT: {
        "de": "Investitionen und Ansiedlung",
        "en": "investment and settlement",
        "zh": "投资与落户",
    },
    Topic.JOINT_VENTURES: {"de": "Joint Ventures", "en": "joint ventures", "zh": "合资企业"},
}
KIND_WORDS: dict[EventKind, dict[str, str]] = {
    EventKind.CONFERENCE: {"de": "Konferenz", "en": "Conference", "zh": "大会"},
    EventKind.EXPERT_MEETING: {"de": "Fachtagung", "en": "Expert meeting", "zh": "专业会议"},
    EventKind.DELEGATION_VISIT: {
        "de": "Delegationsreise",
        "en": "Delegation visit",
        "zh": "代表团访问",
    },
    EventKind.WEBINAR: {"de": "Webinar", "en": "Webinar", "zh": "网络研讨会"},
    EventKind.WORKSHOP: {"de": "Workshop", "en": "Workshop", "zh": "工作坊"},
}
TITLE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "de": (
        "{kind} {topic} in {host} {year}",
        "{topic}: {kind} mit {host} und {partner}",
        "Wirtschaftsförderung {host} trifft {partner}: {topic}",
        "{kind} der Industriestädteallianz zu {topic} ({host})",
    ),
    "en": (
        "{kind} on {topic} in {host}, {year}",
        "{topic}: {kind} with {host} and {partner}",
        "Economic development agency of {host} meets {partner}: {topic}",
        "Industrial Cities Alliance {kind} on {topic} ({host})",
    ),
    "zh": (
        "{year}年{host}{topic}{kind}",
        "{host}与{partner}{topic}{kind}",
        "{host}经济促进机构对接{partner}：{topic}",
        "中德工业城市联盟{topic}{kind}（{host}）",
    ),
}
SUMMARY_OPENINGS: dict[str, tuple[str, ...]] = {
    "de": (
        "Wirtschaftsförderungen und Beiräte aus {host} und {partner} sprachen über {topic}.",
        "Unternehmen aus {partner} stellten in {host} Vorhaben zu {topic} vor.",
        "Die Mitgliedsstädte {host} und {partner} tauschten Erfahrungen zu {topic} aus.",
    ),
    "en": (
        "Economic development agencies and advisory boards from {host} and {partner} discussed {topic}.",
        "Companies from {partner} presented plans for {topic} in {host}.",
        "The member cities {host} and {partner} shared experience with {topic}.",
    ),
    "zh": (
        "来自{host}和{partner}的经济促进机构与顾问委员会就{topic}进行了交流。",
        "{partner}企业在{host}介绍了{topic}方面的项目。",
        "成员城市{host}与{partner}分享了{topic}领域的经验。",
    ),
}
SUMMARY_CLOSINGS: dict[str, tuple[str, ...]] = {
    "de": (
        "Im Mittelpunkt standen neue Kontakte zwischen chinesischen und deutschen Firmen.",
        "Mehrere gemeinsame Projekte wurden verabredet.",
        "Forschungseinrichtungen beider Länder waren beteiligt.",
        "Die Teilnehmenden vereinbarten ein Folgetreffen.",
    ),
    "en": (
        "The focus was on new contacts between Chinese and German firms.",
        "Several joint projects were agreed.",
        "Research institutions from both countries took part.",
        "Participants agreed to meet again.",
    ),
    "zh": (
        "重点是中德企业之间建立新的联系。",
        "双方商定了多个合作项目。",
        "两国科研机构参与其中。",
        "与会者约定再次会面。",
    ),
}
_DE_FIRST = (
    "Anna",
    "Jonas",
    "Lena",
    "Felix",
    "Miriam",
    "Tobias",
    "Julia",
    "Stefan",
    "Clara",
    "Markus",
)
_DE_LAST = ("Albrecht", "Becker", "Hoffmann", "Lindner", "Vogel")
_ZH_FAMILY = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou")
_ZH_GIVEN = ("Wei", "Fang", "Jun", "Min", "Hui")


def _speaker_names(count: int) -> Iterator[tuple[str, str]]:
    """(name, main language) pairs, German and Chinese in turn, all distinct."""
    german = [f"{first} {last}" for last in _DE_LAST for first in _DE_FIRST]
    chinese = [f"{family} {given}" for given in _ZH_GIVEN for family in _ZH_FAMILY]
    for number in range(count):
        pool, language = (german, "de") if number % 2 == 0 else (chinese, "zh")
        base = pool[(number // 2) % len(pool)]
        cycle = number // (2 * len(pool))
        yield (f"{base} {cycle + 1}" if cycle else base), language


# --- benchmark-congress ----------------------------------------------------------------------


def congress_first_day(today: date) -> date:
    """The first Tuesday at least CONGRESS_LEAD_DAYS ahead (a Tuesday-to-Thursday congress)."""
    day = today + timedelta(days=CONGRESS_LEAD_DAYS)
    while day.weekday() != 1 or (day.month, day.day) in {(12, 24), (12, 25), (12, 26), (12, 31)}:
        day += timedelta(days=1)
    return day


def load_benchmark_congress(
    session: Session,
    today: date,
    cities: dict[str, City],
    organisations: list[Organisation],
    registration_count: int = CONGRESS_REGISTRATIONS,
) -> str:
    """Create the 3-day congress with its programme, speakers and registrations, once."""
    existing = session.scalar(select(Event).where(Event.slug == CONGRESS_SLUG))
    if existing is not None:
        return f"{CONGRESS_SLUG}: exists, left unchanged"
    first = congress_first_day(today)
    last = first + timedelta(days=CONGRESS_DAYS - 1)
    event = create_event(
        session,
        EventData(
            slug=CONGRESS_SLUG,
            main_language="de",
            title={
                "de": "Benchmark-Kongress der Industriestädteallianz",
                "en": "Industrial Cities Alliance benchmark congress",
                "zh": "中德工业城市联盟基准测试大会",
            },
            summary={
                "de": "Drei Tage, sechs Säle, 300 Programmpunkte: ein großes Programm zum Messen der Seiten.",
                "en": "Three days, six rooms, 300 programme items: a large agenda for measuring pages.",
                "zh": "三天、六个会场、300个议程：用于测试页面性能的大型议程。",
            },
            kind=EventKind.CONFERENCE,
            format=EventFormat.HYBRID,
            timezone=BERLIN,
            starts_local=datetime.combine(first, time(8, 30)),
            ends_local=datetime.combine(last, time(19)),
            status=EventStatus.PUBLISHED,
            venue_name="Kongresszentrum (Demo)",
            venue_address="Musterallee 1, 10117 Berlin",
            host_city=None,
            topics=[topic.value for topic in Topic],
            languages=["de", "en", "zh"],
            has_interpretation=True,
            registration_opens_local=datetime.combine(today, time(0)),
            registration_closes_local=datetime.combine(first - timedelta(days=1), time(18)),
            capacity_onsite=CONGRESS_CAPACITY_ONSITE,
            capacity_online=CONGRESS_CAPACITY_ONLINE,
        ),
    )
    speakers = _congress_speakers(session, organisations)
    _congress_programme(session, event, first, speakers)
    confirmed = _congress_registrations(session, event, cities, organisations, registration_count)
    event.taken_onsite = confirmed[AttendanceMode.ONSITE]
    event.taken_online = confirmed[AttendanceMode.ONLINE]
    session.flush()
    refresh_search_index(session, [event.id])
    return (
        f"{CONGRESS_SLUG}: created ({first:%Y-%m-%d}, {len(event.sessions)} sessions, "
        f"{len(speakers)} speakers, {registration_count} registrations)"
    )


def _congress_speakers(session: Session, organisations: list[Organisation]) -> list[Speaker]:
    speakers = []
    topics = list(TOPIC_WORDS.values())
    for number, (name, language) in enumerate(_speaker_names(CONGRESS_SPEAKERS)):
        topic = topics[number % len(topics)]
        affiliation = organisations[number % len(organisations)].name if organisations else None
        bio = {
            "de": f"Arbeitet zu {topic['de']} und berät Mitgliedsstädte der Allianz.",
            "en": f"Works on {topic['en']} and advises member cities of the alliance.",
            "zh": f"从事{topic['zh']}工作，为联盟成员城市提供咨询。",
        }
        speakers.append(
            get_or_create_speaker(session, name, affiliation, bio=bio, main_language=language)
        )
    return speakers


def _congress_programme(
    session: Session, event: Event, first: date, speakers: list[Speaker]
) -> None:
    """300 items: 17 half-hour slots a day (09:00-18:50) in each of the six rooms."""
    topics = list(TOPIC_WORDS.items())
    kinds = (
        SessionKind.TALK,
        SessionKind.TALK,
        SessionKind.PANEL,
        SessionKind.TALK,
        SessionKind.NETWORKING,
        SessionKind.B2B,
    )
    languages = ("de", "en", "zh")
    slots_per_day = 17
    number = 0
    for day_index in range(CONGRESS_DAYS):
        day = first + timedelta(days=day_index)
        for slot in range(slots_per_day):
            starts_local = datetime.combine(day, time(9)) + timedelta(minutes=35 * slot)
            for room_index, room in enumerate(CONGRESS_ROOMS):
                if number >= CONGRESS_SESSIONS:
                    return
                topic_code, words = topics[(number + room_index) % len(topics)]
                kind = kinds[(slot + room_index) % len(kinds)]
                language = languages[number % len(languages)]
                fields: dict = {}
                if number % 5 == 0:
                    fields = {
                        "join_url": f"https://meet.jit.si/benchmark-congress-{number + 1}",
                        "join_visibility": Visibility.PUBLIC,
                    }
                elif number % 5 == 1:
                    fields = {
                        "join_url": "https://zoom.us/j/0000000000?pwd=benchmark",
                        "join_visibility": Visibility.PARTICIPANTS,
                        "join_reveal_minutes": 15,
                    }
                if kind == SessionKind.B2B:
                    fields["capacity"] = 20
                add_session(
                    session,
                    event,
                    SessionData(
                        title={
                            "de": f"{words['de']} – Beitrag {number + 1}",
                            "en": f"{words['en'].capitalize()}, item {number + 1}",
                            "zh": f"{words['zh']}（第{number + 1}项）",
                        },
                        description={
                            "de": f"Programmpunkt {number + 1} in {room} zu {words['de']}.",
                            "en": f"Programme item {number + 1} in {room} on {words['en']}.",
                        },
                        kind=kind,
                        starts_local=starts_local,
                        ends_local=starts_local + timedelta(minutes=30),
                        room=room,
                        spoken_language=language,
                        has_interpretation=language != "en",
                        topics=[str(topic_code)],
                        # Consecutive pairs: the six rooms of a slot never share a speaker,
                        # so the congress is free of conflicts like a real agenda.
                        speakers=[
                            speakers[(number * 2) % len(speakers)],
                            speakers[(number * 2 + 1) % len(speakers)],
                        ]
                        if speakers and kind in (SessionKind.TALK, SessionKind.PANEL)
                        else [],
                        **fields,
                    ),
                )
                number += 1


def _token_hash() -> str:
    return hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest()


def _congress_registrations(
    session: Session,
    event: Event,
    cities: dict[str, City],
    organisations: list[Organisation],
    count: int,
) -> dict[AttendanceMode, int]:
    """Bulk-insert `count` registrations; returns the confirmed seats per attendance mode."""
    rng = random.Random(2016)
    now = utcnow()
    city_ids = [city.id for city in cities.values()]
    capacity = {
        AttendanceMode.ONSITE: CONGRESS_CAPACITY_ONSITE,
        AttendanceMode.ONLINE: CONGRESS_CAPACITY_ONLINE,
    }
    confirmed = {AttendanceMode.ONSITE: 0, AttendanceMode.ONLINE: 0}
    statuses = (RegistrationStatus.CONFIRMED,) * 7 + (
        RegistrationStatus.PENDING,
        RegistrationStatus.WAITING,
        RegistrationStatus.CANCELLED,
    )
    first_names = _DE_FIRST + _ZH_FAMILY
    last_names = _DE_LAST + _ZH_GIVEN + ("Schmidt", "Krause", "Sun", "Ma")
    rows = []
    for number in range(1, count + 1):
        mode = AttendanceMode.ONSITE if rng.random() < 0.4 else AttendanceMode.ONLINE
        status = rng.choice(statuses)
        if status == RegistrationStatus.CONFIRMED:
            if confirmed[mode] >= capacity[mode]:
                status = RegistrationStatus.WAITING
            else:
                confirmed[mode] += 1
        organisation = rng.choice(organisations) if organisations and rng.random() < 0.6 else None
        created_at = now - timedelta(minutes=rng.randrange(1, 60 * 24 * 20))
        rows.append(
            {
                "event_id": event.id,
                "token_hash": _token_hash(),
                "first_name": rng.choice(first_names),
                "last_name": rng.choice(last_names),
                "email": f"participant{number:05d}@example.org",
                "organisation_id": organisation.id if organisation else None,
                "organisation_name": organisation.name
                if organisation
                else f"Beispiel GmbH {number % 97}",
                "city_id": rng.choice(city_ids) if city_ids else None,
                "participant_type": organisation.kind
                if organisation
                else rng.choice(list(OrganisationKind)),
                "attendance_mode": mode,
                "preferred_language": rng.choice(("de", "de", "zh", "en")),
                "needs_interpretation": rng.random() < 0.3,
                "status": status,
                "consent_privacy_at": created_at,
                "consent_listing": rng.random() < 0.5,
                "created_at": created_at,
                "updated_at": created_at,
            }
        )
    for start in range(0, len(rows), _BATCH):
        session.execute(insert(Registration), rows[start : start + _BATCH])
    return confirmed


# --- archive-sample-N --------------------------------------------------------------------------


def _cities_by_country(cities: dict[str, City]) -> tuple[list[City], list[City]]:
    ordered = sorted(cities.values(), key=lambda city: city.slug)
    german = [city for city in ordered if city.country == Country.DE]
    chinese = [city for city in ordered if city.country == Country.CN]
    return german, chinese


def _city_name(city: City | None, language: str) -> str:
    if city is None:
        return ""
    return city.name_i18n.get(language) or city.name_i18n["de"]


def archive_sample_row(
    number: int, cities: dict[str, City], now: datetime
) -> tuple[dict, list[str]]:
    """Column values and topic codes of `archive-sample-<number>`, built through the rules.

    Deterministic per number, so that a re-run would produce the same event.
    """
    rng = random.Random(number)
    german, chinese = _cities_by_country(cities)
    # Foshan or Guiyang take part in about a third of the events (as host or partner), so
    # searches for them find many, but not most, events.
    if chinese and rng.random() < 0.12:
        host, partner = rng.choice(chinese), rng.choice(german) if german else None
    else:
        host = rng.choice(german) if german else None
        pool = chinese if chinese and rng.random() < 0.25 else german
        partner = rng.choice([city for city in pool if city is not host] or pool) if pool else None
    main_language = rng.choices(("de", "zh", "en"), weights=(5, 3, 2))[0]
    kind = rng.choice(list(EventKind))
    event_format = (
        EventFormat.VIRTUAL if kind == EventKind.WEBINAR else rng.choice(list(EventFormat))
    )
    topics = rng.sample(list(TOPIC_WORDS), k=rng.randint(1, 3))
    day = _ARCHIVE_FIRST_DAY + timedelta(
        days=rng.randrange((_ARCHIVE_LAST_DAY - _ARCHIVE_FIRST_DAY).days)
    )
    zone = (
        SHANGHAI
        if host is not None and host.country == Country.CN and event_format != EventFormat.VIRTUAL
        else BERLIN
    )
    starts_local = datetime.combine(day, time(rng.choice((9, 10, 14))))
    if kind in (EventKind.DELEGATION_VISIT, EventKind.CONFERENCE):
        ends_local = datetime.combine(day + timedelta(days=rng.randint(0, 3)), time(17, 30))
    else:
        ends_local = starts_local + timedelta(hours=rng.choice((2, 3, 4)))
    title: dict[str, str] = {}
    summary: dict[str, str] = {}
    template_index = rng.randrange(len(TITLE_TEMPLATES["de"]))
    opening_index = rng.randrange(len(SUMMARY_OPENINGS["de"]))
    closing_index = rng.randrange(len(SUMMARY_CLOSINGS["de"]))
    for language in ("de", "en", "zh"):
        words = {
            "kind": KIND_WORDS[kind][language],
            "topic": TOPIC_WORDS[topics[0]][language],
            "host": _city_name(host, language),
            "partner": _city_name(partner, language),
            "year": str(day.year),
        }
        title[language] = TITLE_TEMPLATES[language][template_index].format(**words)
        summary[language] = " ".join(
            (
                SUMMARY_OPENINGS[language][opening_index].format(**words),
                SUMMARY_CLOSINGS[language][closing_index],
            )
        )
    # Some events were only written up in two languages: the app falls back to the main one.
    if rng.random() < 0.15:
        missing = rng.choice([code for code in ("de", "en", "zh") if code != main_language])
        title.pop(missing)
        summary.pop(missing)
    slug = f"{ARCHIVE_PREFIX}{number}"
    validation.check_slug(slug)
    validation.check_translations(title, main_language, "title")
    starts_at = local_to_utc(starts_local, zone, "starts_at")
    ends_at = local_to_utc(ends_local, zone, "ends_at")
    validation.check_event_times(starts_at, ends_at, zone)
    values = {
        "slug": slug,
        "main_language": main_language,
        "title_i18n": title,
        "summary_i18n": summary,
        "report_i18n": {},
        "kind": kind,
        "format": event_format,
        "status": EventStatus.PUBLISHED,
        "timezone": zone,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "venue_name": "Video"
        if event_format == EventFormat.VIRTUAL
        else (host.name_i18n["de"] if host else None),
        "venue_address": None,
        "host_city_id": host.id if host else None,
        "languages": sorted({main_language, "de", "zh"}),
        "has_interpretation": rng.random() < 0.5,
        "registration_opens_at": None,
        "registration_closes_at": None,
        "capacity_onsite": None,
        "capacity_online": None,
        "taken_onsite": 0,
        "taken_online": 0,
        "has_waiting_list": True,
        "requires_approval": False,
        "sequence": 0,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    return values, [str(topic) for topic in topics]


def load_archive_samples(session: Session, cities: dict[str, City], count: int) -> list[str]:
    """Bulk-insert the missing `archive-sample-1..count` events with their topics."""
    existing = set(session.scalars(select(Event.slug).where(Event.slug.like(f"{ARCHIVE_PREFIX}%"))))
    now = utcnow()
    new_ids: list[int] = []
    pending: list[tuple[dict, list[str]]] = []

    def write() -> None:
        result = session.execute(
            insert(Event).returning(Event.id, sort_by_parameter_order=True),
            [values for values, _ in pending],
        )
        ids = list(result.scalars())
        topic_rows = [
            {"event_id": event_id, "topic": topic}
            for event_id, (_, topics) in zip(ids, pending, strict=True)
            for topic in topics
        ]
        session.execute(insert(EventTopic), topic_rows)
        new_ids.extend(ids)
        pending.clear()

    for number in range(1, count + 1):
        if f"{ARCHIVE_PREFIX}{number}" in existing:
            continue
        pending.append(archive_sample_row(number, cities, now))
        if len(pending) >= _BATCH:
            write()
    if pending:
        write()
    summary = [f"archive samples: {len(new_ids)} created, {count - len(new_ids)} already there"]
    summary.extend(refresh_search_index(session, new_ids))
    return summary
