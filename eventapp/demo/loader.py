"""`flask demo load`: member cities, two archived meetings and the upcoming `isa-forum`.

Idempotent: rows are found by slug or unique name and only what is missing is created;
an event that exists is left exactly as it is (so `isa-forum` keeps its dates on re-runs
and organisers' edits survive). Events go through the event services, so the same rules
apply as for a form. The caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.demo import content
from eventapp.demo.large import load_large
from eventapp.demo.search_hook import refresh_search_index
from eventapp.events.services import (
    EventData,
    SessionData,
    add_session,
    create_event,
    get_or_create_speaker,
)
from eventapp.models import (
    City,
    Document,
    DocumentKind,
    Event,
    EventFormat,
    EventKind,
    EventParticipant,
    EventStatus,
    Organisation,
    SessionKind,
    Speaker,
    Topic,
    Visibility,
)
from eventapp.rules import validation
from eventapp.rules.times import BERLIN, SHANGHAI, now_utc, utc_to_local

FORUM_LEAD_DAYS = 30
# Days nobody would hold a forum on; the forum moves to the next working day instead.
_HOLIDAYS = {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)}


@dataclass
class DemoContext:
    """What the event builders need: today's date in Berlin and the rows already ensured."""

    today: date
    cities: dict[str, City]
    organisations: dict[str, Organisation]


def load_demo(session: Session, large: bool = False) -> list[str]:
    """Load the demo data, creating only what is missing; returns summary lines."""
    context = DemoContext(today=berlin_today(), cities={}, organisations={})
    summary = [ensure_cities(session, context), ensure_organisations(session, context)]
    created: list[int] = []
    builders: tuple[tuple[str, Callable[[Session, DemoContext], Event]], ...] = (
        ("delegation-foshan-guiyang-2019", build_delegation_2019),
        ("fachtagung-2021", build_fachtagung_2021),
        ("isa-forum", build_isa_forum),
    )
    for slug, build in builders:
        event = session.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            event = build(session, context)
            created.append(event.id)
            state = "created"
        else:
            state = "exists, left unchanged"
        local_start = utc_to_local(event.starts_at, event.timezone)
        summary.append(f"{slug}: {state} ({local_start:%Y-%m-%d %H:%M} {event.timezone})")
    if created:
        summary.extend(refresh_search_index(session, created))
    if large:
        summary.extend(load_large(session, context.today))
    return summary


def berlin_today() -> date:
    """Today's date in Berlin, where the alliance office plans its events."""
    return utc_to_local(now_utc(), BERLIN).date()


def ensure_cities(session: Session, context: DemoContext) -> str:
    """Create the member cities that are missing, found by slug."""
    existing = {city.slug: city for city in session.scalars(select(City))}
    created = 0
    for entry in content.CITIES:
        city = existing.get(entry.slug)
        if city is None:
            validation.check_slug(entry.slug)
            city = City(
                slug=entry.slug,
                name_i18n=dict(entry.name),
                region_i18n=dict(entry.region),
                country=entry.country,
                is_member=True,
            )
            session.add(city)
            created += 1
        context.cities[entry.slug] = city
    session.flush()
    return f"cities: {created} created, {len(content.CITIES) - created} already there"


def ensure_organisations(session: Session, context: DemoContext) -> str:
    """Create the demo organisations that are missing, found by their unique name."""
    existing = {item.name: item for item in session.scalars(select(Organisation))}
    created = 0
    for entry in content.ORGANISATIONS:
        organisation = existing.get(entry.name)
        if organisation is None:
            organisation = Organisation(
                name=entry.name,
                kind=entry.kind,
                city=context.cities[entry.city_slug] if entry.city_slug else None,
            )
            session.add(organisation)
            created += 1
        context.organisations[entry.name] = organisation
    session.flush()
    return f"organisations: {created} created, {len(content.ORGANISATIONS) - created} already there"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _session(
    session: Session,
    event: Event,
    title: dict[str, str],
    kind: SessionKind,
    starts_local: datetime,
    ends_local: datetime,
    **fields: Any,
) -> None:
    data = SessionData(
        title=title, kind=kind, starts_local=starts_local, ends_local=ends_local, **fields
    )
    add_session(session, event, data)


def _add_participants(
    session: Session, context: DemoContext, event: Event, names: list[tuple[str, bool]]
) -> None:
    for name, is_listed in names:
        session.add(
            EventParticipant(
                event=event, organisation=context.organisations[name], is_listed=is_listed
            )
        )
    session.flush()


def _speaker(session: Session, entry: content.SpeakerEntry) -> Speaker:
    return get_or_create_speaker(
        session, entry.name, entry.affiliation, bio=entry.bio, main_language=entry.main_language
    )


def build_delegation_2019(session: Session, context: DemoContext) -> Event:
    """The 2019 delegation visit to Foshan and Guiyang, with programme and documents."""
    foshan, guiyang = context.cities["foshan"], context.cities["guiyang"]
    first, last = date(2019, 10, 14), date(2019, 10, 18)
    event = create_event(
        session,
        EventData(
            slug="delegation-foshan-guiyang-2019",
            main_language="de",
            title=content.DELEGATION_TITLE,
            summary=content.DELEGATION_SUMMARY,
            report=content.DELEGATION_REPORT,
            kind=EventKind.DELEGATION_VISIT,
            format=EventFormat.IN_PERSON,
            timezone=SHANGHAI,
            starts_local=_at(first, 9),
            ends_local=_at(last, 12),
            status=EventStatus.PUBLISHED,
            venue_name="Foshan / Guiyang",
            host_city=foshan,
            topics=[Topic.INVESTMENT, Topic.JOINT_VENTURES, Topic.AUTOMATION, Topic.LOGISTICS],
            languages=["de", "zh"],
            has_interpretation=True,
        ),
    )
    foshan_room = foshan.name_i18n["de"]
    guiyang_room = guiyang.name_i18n["de"]
    programme = [
        (
            {
                "de": "Empfang und Einführung in den Industriestandort Foshan",
                "en": "Welcome and introduction to Foshan as an industrial location",
                "zh": "欢迎仪式及佛山产业概况介绍",
            },
            SessionKind.TALK,
            _at(first, 9, 30),
            _at(first, 11),
            foshan_room,
            "zh",
        ),
        (
            {
                "de": "Besichtigung eines Industrieparks",
                "en": "Visit to an industrial park",
                "zh": "参观工业园区",
            },
            SessionKind.SITE_VISIT,
            _at(first, 14),
            _at(first, 17),
            foshan_room,
            "zh",
        ),
        (
            {
                "de": "Gespräch im Sekretariat der Allianz",
                "en": "Talks at the alliance secretariat",
                "zh": "与联盟秘书处座谈",
            },
            SessionKind.PANEL,
            _at(first + timedelta(days=1), 9, 30),
            _at(first + timedelta(days=1), 11, 30),
            foshan_room,
            "zh",
        ),
        (
            {
                "de": "Kooperationsgespräche mit Unternehmen in Foshan",
                "en": "B2B meetings with companies in Foshan",
                "zh": "与佛山企业对接洽谈",
            },
            SessionKind.B2B,
            _at(first + timedelta(days=1), 14),
            _at(first + timedelta(days=1), 17, 30),
            foshan_room,
            "zh",
        ),
        (
            {
                "de": "Empfang und Gespräch mit der Investitionsförderung in Guiyang",
                "en": "Welcome and talks with investment promotion in Guiyang",
                "zh": "贵阳投资促进部门欢迎及座谈",
            },
            SessionKind.TALK,
            _at(first + timedelta(days=3), 9, 30),
            _at(first + timedelta(days=3), 11, 30),
            guiyang_room,
            "zh",
        ),
        (
            {
                "de": "Unternehmensbesuch in Guiyang",
                "en": "Company visit in Guiyang",
                "zh": "贵阳企业参观",
            },
            SessionKind.SITE_VISIT,
            _at(first + timedelta(days=3), 14),
            _at(first + timedelta(days=3), 16, 30),
            guiyang_room,
            "zh",
        ),
        (
            {
                "de": "Kooperationsgespräche mit Unternehmen in Guiyang",
                "en": "B2B meetings with companies in Guiyang",
                "zh": "与贵阳企业对接洽谈",
            },
            SessionKind.B2B,
            _at(first + timedelta(days=3), 16, 45),
            _at(first + timedelta(days=3), 18, 30),
            guiyang_room,
            "zh",
        ),
        (
            {
                "de": "Abschlussrunde der Delegation",
                "en": "Closing round of the delegation",
                "zh": "代表团总结交流",
            },
            SessionKind.PANEL,
            _at(last, 9, 30),
            _at(last, 11, 30),
            guiyang_room,
            "de",
        ),
    ]
    for title, kind, starts_local, ends_local, room, spoken in programme:
        _session(
            session,
            event,
            title,
            kind,
            starts_local,
            ends_local,
            room=room,
            spoken_language=spoken,
            has_interpretation=True,
        )
    _add_participants(
        session, context, event, [(name, True) for name in content.DELEGATION_PARTICIPANTS]
    )
    documents = [
        (
            DocumentKind.REPORT,
            "https://www.example.org/isa/2019/delegation-report.pdf",
            {
                "de": "Reisebericht der Delegation",
                "en": "Delegation travel report",
                "zh": "代表团访问报告",
            },
        ),
        (
            DocumentKind.PRESS_RELEASE,
            "https://www.example.org/isa/2019/press-release.html",
            {
                "de": "Pressemitteilung zur Delegationsreise",
                "en": "Press release on the delegation visit",
                "zh": "代表团访问新闻稿",
            },
        ),
        (
            DocumentKind.PHOTO,
            "https://www.example.org/isa/2019/photos/",
            {
                "de": "Fotos aus Foshan und Guiyang",
                "en": "Photos from Foshan and Guiyang",
                "zh": "佛山和贵阳照片集",
            },
        ),
    ]
    for kind, url, title in documents:
        validation.check_https_url(url)
        session.add(
            Document(
                event=event, kind=kind, url=url, title_i18n=title, visibility=Visibility.PUBLIC
            )
        )
    session.flush()
    return event


def build_fachtagung_2021(session: Session, context: DemoContext) -> Event:
    """The virtual expert meeting of 30 November 2021."""
    day = date(2021, 11, 30)
    event = create_event(
        session,
        EventData(
            slug="fachtagung-2021",
            main_language="de",
            title=content.FACHTAGUNG_TITLE,
            summary=content.FACHTAGUNG_SUMMARY,
            report=content.FACHTAGUNG_REPORT,
            kind=EventKind.EXPERT_MEETING,
            format=EventFormat.VIRTUAL,
            timezone=BERLIN,
            starts_local=_at(day, 10),
            ends_local=_at(day, 12, 30),
            status=EventStatus.PUBLISHED,
            venue_name="Videokonferenz",
            topics=[topic.value for topic in Topic],
            languages=["de"],
        ),
    )
    ost = get_or_create_speaker(
        session,
        "Friedhelm Ost",
        "Industriestädteallianz (deutsche Seite)",
        bio=content.OST_BIO,
        main_language="de",
    )
    programme = [
        (
            {"de": "Begrüßung", "en": "Welcome address", "zh": "欢迎致辞"},
            SessionKind.TALK,
            _at(day, 10),
            _at(day, 10, 15),
            [ost],
            [],
        ),
        (
            {
                "de": "Berichte der Wirtschaftsförderungen: Investitionen und Ansiedlungen",
                "en": "Reports from the agencies: investments and company settlements",
                "zh": "各经济促进机构报告：投资与企业落户",
            },
            SessionKind.TALK,
            _at(day, 10, 15),
            _at(day, 11),
            [],
            [Topic.INVESTMENT],
        ),
        (
            {
                "de": "Joint Ventures und Projekte mit chinesischen und deutschen Unternehmen",
                "en": "Joint ventures and projects with Chinese and German companies",
                "zh": "合资企业及中德企业合作项目",
            },
            SessionKind.PANEL,
            _at(day, 11),
            _at(day, 11, 45),
            [],
            [Topic.JOINT_VENTURES],
        ),
        (
            {
                "de": "Austausch: Kontakte zu Investoren per Video",
                "en": "Exchange: reaching investors by video",
                "zh": "交流：通过视频联系投资方",
            },
            SessionKind.NETWORKING,
            _at(day, 11, 45),
            _at(day, 12, 30),
            [],
            [
                Topic.RESEARCH,
                Topic.AUTOMATION,
                Topic.BIOTECH,
                Topic.LOGISTICS,
                Topic.BATTERIES,
                Topic.HYDROGEN,
                Topic.CLIMATE,
                Topic.CIRCULAR,
            ],
        ),
    ]
    for title, kind, starts_local, ends_local, speakers, topics in programme:
        _session(
            session,
            event,
            title,
            kind,
            starts_local,
            ends_local,
            spoken_language="de",
            is_virtual=True,
            speakers=speakers,
            topics=[str(topic) for topic in topics],
        )
    _add_participants(session, context, event, list(content.FACHTAGUNG_PARTICIPANTS))
    url = "https://www.example.org/isa/2021/fachtagung-bericht.pdf"
    validation.check_https_url(url)
    session.add(
        Document(
            event=event,
            kind=DocumentKind.REPORT,
            url=url,
            visibility=Visibility.PUBLIC,
            title_i18n={
                "de": "Bericht zur Fachtagung",
                "en": "Report on the expert meeting",
                "zh": "专业会议报告",
            },
        )
    )
    session.flush()
    return event


def forum_day(today: date) -> date:
    """About FORUM_LEAD_DAYS after `today`, moved on to a working day outside the holidays."""
    day = today + timedelta(days=FORUM_LEAD_DAYS)
    while day.weekday() >= 5 or (day.month, day.day) in _HOLIDAYS:
        day += timedelta(days=1)
    return day


def build_isa_forum(session: Session, context: DemoContext) -> Event:
    """The upcoming hybrid forum: a Berlin morning, which is afternoon and evening in China.

    The agenda keeps to 08:30-13:00 Berlin time: those hours exist on every day of the
    year, also on the days the clocks change (the change happens between 02:00 and 03:00).
    """
    day = forum_day(context.today)
    event = create_event(
        session,
        EventData(
            slug="isa-forum",
            main_language="de",
            title=content.FORUM_TITLE,
            summary=content.FORUM_SUMMARY,
            kind=EventKind.CONFERENCE,
            format=EventFormat.HYBRID,
            timezone=BERLIN,
            starts_local=_at(day, 8, 30),
            ends_local=_at(day, 13),
            status=EventStatus.PUBLISHED,
            venue_name=content.FORUM_VENUE_NAME,
            venue_address=content.FORUM_VENUE_ADDRESS,
            topics=[
                Topic.INVESTMENT,
                Topic.JOINT_VENTURES,
                Topic.HYDROGEN,
                Topic.BATTERIES,
                Topic.LOGISTICS,
                Topic.CIRCULAR,
            ],
            languages=["de", "zh", "en"],
            has_interpretation=True,
            registration_opens_local=_at(context.today, 0),
            registration_closes_local=_at(day - timedelta(days=1), 18),
            capacity_onsite=40,
            capacity_online=300,
            has_waiting_list=True,
        ),
    )
    speakers = {key: _speaker(session, entry) for key, entry in content.FORUM_SPEAKERS.items()}
    hall, foyer, meeting_rooms = "Saal Spree", "Foyer", "Besprechungsräume 1-3"
    public = {"join_url": content.FORUM_PUBLIC_LINK, "join_visibility": Visibility.PUBLIC}
    members = {
        "join_url": content.FORUM_PARTICIPANTS_LINK,
        "join_visibility": Visibility.PARTICIPANTS,
        "join_reveal_minutes": 30,
    }
    programme: list[tuple[dict[str, str], SessionKind, datetime, datetime, dict]] = [
        (
            {"de": "Ankommen und Kaffee", "en": "Arrival and coffee", "zh": "签到及咖啡"},
            SessionKind.BREAK,
            _at(day, 8, 30),
            _at(day, 9),
            {"room": foyer},
        ),
        (
            {
                "de": "Eröffnung: die Allianz und ihre Mitgliedsstädte",
                "en": "Opening: the alliance and its member cities",
                "zh": "开幕：联盟及其成员城市",
            },
            SessionKind.TALK,
            _at(day, 9),
            _at(day, 9, 30),
            {
                "room": hall,
                "spoken_language": "de",
                "has_interpretation": True,
                "speakers": [speakers["albers"], speakers["wang"]],
                **public,
                "description": {
                    "de": "Begrüßung und ein Überblick über laufende Projekte der Mitgliedsstädte. "
                    "Für alle offen per Livestream.",
                    "en": "Welcome and an overview of current projects in the member cities. "
                    "Open to everyone by live stream.",
                    "zh": "欢迎致辞及成员城市在建项目概览，通过直播向所有人开放。",
                },
            },
        ),
        (
            {
                "de": "Investieren in Deutschland: Erfahrungen chinesischer Unternehmen",
                "en": "Investing in Germany: what Chinese companies have learned",
                "zh": "在德国投资：中国企业的经验",
            },
            SessionKind.TALK,
            _at(day, 9, 30),
            _at(day, 10, 10),
            {
                "room": hall,
                "spoken_language": "zh",
                "has_interpretation": True,
                "speakers": [speakers["chen"]],
                "topics": [Topic.INVESTMENT],
                **members,
            },
        ),
        (
            {
                "de": "Podium: Wasserstoff und Batterieproduktion",
                "en": "Panel: hydrogen and battery production",
                "zh": "圆桌讨论：氢能与电池生产",
            },
            SessionKind.PANEL,
            _at(day, 10, 10),
            _at(day, 11),
            {
                "room": hall,
                "spoken_language": "en",
                "has_interpretation": False,
                "speakers": [speakers["richter"], speakers["krueger"], speakers["wang"]],
                "topics": [Topic.HYDROGEN, Topic.BATTERIES],
                **members,
            },
        ),
        (
            {"de": "Pause", "en": "Break", "zh": "茶歇"},
            SessionKind.BREAK,
            _at(day, 11),
            _at(day, 11, 20),
            {"room": foyer},
        ),
        (
            {
                "de": "Intelligente Logistik und Kreislaufwirtschaft zwischen beiden Ländern",
                "en": "Smart logistics and the circular economy between both countries",
                "zh": "中德之间的智慧物流与循环经济",
            },
            SessionKind.TALK,
            _at(day, 11, 20),
            _at(day, 12),
            {
                "room": hall,
                "spoken_language": "de",
                "has_interpretation": True,
                "speakers": [speakers["krueger"], speakers["chen"]],
                "topics": [Topic.LOGISTICS, Topic.CIRCULAR],
                **members,
            },
        ),
        (
            {
                "de": "B2B-Gespräche: Joint Ventures und Ansiedlung",
                "en": "B2B meetings: joint ventures and settlement",
                "zh": "企业对接：合资与落户",
            },
            SessionKind.B2B,
            _at(day, 12),
            _at(day, 13),
            {
                "room": meeting_rooms,
                "spoken_language": "de",
                "has_interpretation": True,
                "capacity": 12,
                "topics": [Topic.JOINT_VENTURES, Topic.INVESTMENT],
                "description": {
                    "de": "Vorab vereinbarte Gespräche von 20 Minuten; Plätze begrenzt.",
                    "en": "Pre-arranged talks of 20 minutes; places are limited.",
                    "zh": "预先约定的20分钟洽谈，名额有限。",
                },
            },
        ),
        (
            {
                "de": "Online-Networking für Teilnehmende in China",
                "en": "Online networking for participants in China",
                "zh": "中国参会者线上交流",
            },
            SessionKind.NETWORKING,
            _at(day, 12),
            _at(day, 13),
            {"room": "Online", "spoken_language": "zh", **members},
        ),
    ]
    for title, kind, starts_local, ends_local, fields in programme:
        if "topics" in fields:
            fields["topics"] = [str(topic) for topic in fields["topics"]]
        _session(session, event, title, kind, starts_local, ends_local, **fields)
    # The participants-only meeting also has an ID and passcode (never on public pages).
    for item in event.sessions:
        if item.join_url == content.FORUM_PARTICIPANTS_LINK:
            item.join_meeting_id = content.FORUM_PARTICIPANTS_MEETING_ID
            item.join_passcode = content.FORUM_PARTICIPANTS_PASSCODE
    session.flush()
    return event
