"""The archive: published events that have ended, browsed by year or searched by words.

Every page costs the same fixed number of queries: the facets (years, cities), one query
for the page of events (with the total as a window count and, when searching, the rank from
the database's full-text index), and one selectin load per relationship shown.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from typing import NamedTuple

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session, selectinload

from eventapp.archive.search import (
    ID_MASK,
    SearchQuery,
    fts5_match,
    fts5_rest_match,
    fts5_title_match,
    parse_query,
    postgres_search_events,
    sqlite_search_events,
    sqlite_search_keys,
    tsquery_literal,
)
from eventapp.events.cache import LRU
from eventapp.models import (
    AuditEntry,
    City,
    Country,
    Document,
    DocumentKind,
    Event,
    EventFormat,
    EventKind,
    EventParticipant,
    EventSession,
    EventStatus,
    EventTopic,
    Organisation,
    Visibility,
)
from eventapp.models.base import TranslatedMixin, pick_translation, utcnow

PER_PAGE = 20
MAX_PAGE = 1000


@dataclass
class ArchiveFilters:
    q: str = ""
    year: int | None = None
    city: str | None = None
    topic: str | None = None
    format: EventFormat | None = None
    page: int = 1

    @property
    def is_filtered(self) -> bool:
        """Whether any filter besides the words narrows the archive."""
        return bool(self.year or self.city or self.topic or self.format)


@dataclass(frozen=True)
class CityOption:
    """A city of the archive's filter and results: a plain value, shared between requests."""

    id: int
    slug: str
    name_i18n: dict
    content_language: str

    def text(self, field: str, language: str) -> str:
        return pick_translation(getattr(self, f"{field}_i18n"), language, self.content_language)


@dataclass(frozen=True)
class ArchiveFacets:
    """What the filters offer: the same for every search while the archive is unchanged."""

    years: list[int]
    cities: list[CityOption]


class DocumentTitle(NamedTuple):
    visibility: Visibility
    title_i18n: dict


@dataclass
class ArchiveResult(TranslatedMixin):
    """One event as a result shows it, read as plain columns (no ORM instance: a page of
    results costs three narrow queries and no lazy load)."""

    id: int
    slug: str
    kind: EventKind
    format: EventFormat
    starts_at: datetime
    ends_at: datetime
    timezone: str
    main_language: str
    title_i18n: dict
    summary_i18n: dict
    report_i18n: dict
    host_city: CityOption | None = None
    topics: list[str] = field(default_factory=list)
    # Public documents only: their titles are searched and may hold the matching words.
    documents: list[DocumentTitle] = field(default_factory=list)

    @property
    def content_language(self) -> str:
        return self.main_language


@dataclass
class ArchivePage:
    filters: ArchiveFilters
    query: SearchQuery
    events: list[ArchiveResult]
    total: int
    years: list[int] = field(default_factory=list)
    cities: list[CityOption] = field(default_factory=list)

    @property
    def is_search(self) -> bool:
        return not self.query.is_empty

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))

    @property
    def first_number(self) -> int:
        return (self.filters.page - 1) * PER_PAGE + 1

    def by_year(self) -> list[tuple[int, list[ArchiveResult]]]:
        return [(year, list(items)) for year, items in groupby(self.events, key=lambda e: e.starts_at.year)]


def _archived(now: datetime | BindParameter) -> list[ColumnElement[bool]]:
    """What puts an event in the archive: published, and ended before `now` (a time, or
    the statements' "now" parameter)."""
    return [Event.status == EventStatus.PUBLISHED, Event.ends_at < now]


# Statements take "now" (and the search expression) as parameters, so that the common
# pages (words only, or nothing) are built once per database (_plain_statement).
_NOW = bindparam("now")
_LIMIT = bindparam("limit", type_=Integer)
_OFFSET = bindparam("offset", type_=Integer)
# How deep each tier of a search is read: offset + limit.
_DEPTH = bindparam("depth", type_=Integer)


def _filter_conditions(filters: ArchiveFilters) -> list[ColumnElement[bool]]:
    conditions = _archived(_NOW)
    if filters.year:
        conditions.append(Event.starts_at >= datetime(filters.year, 1, 1, tzinfo=UTC))
        conditions.append(Event.starts_at < datetime(filters.year + 1, 1, 1, tzinfo=UTC))
    if filters.city:
        conditions.append(
            Event.host_city_id == select(City.id).where(City.slug == filters.city).scalar_subquery()
        )
    if filters.topic:
        conditions.append(
            Event.id.in_(select(EventTopic.event_id).where(EventTopic.topic == filters.topic))
        )
    if filters.format:
        conditions.append(Event.format == filters.format)
    return conditions


def _unlisted_ids() -> Select:
    """Events not in the archive (yet): still to end, or not published. Few, and read by
    index in three ranges; a search excludes them instead of looking up every match."""
    return union_all(
        select(Event.id).where(Event.ends_at >= _NOW),
        select(Event.id).where(Event.status < EventStatus.PUBLISHED),
        select(Event.id).where(Event.status > EventStatus.PUBLISHED),
    )


def _list_statement(filters: ArchiveFilters) -> Select:
    """Ids of one page of the archive without words, latest first, with the total."""
    conditions = _filter_conditions(filters)
    # The count as its own subquery, so that both it and the page (with a deep page's
    # offset) read the narrow archive indexes alone (ix_events_archive_count, _order);
    # a window count would read every event's wide row.
    count = select(func.count()).select_from(Event).where(*conditions).scalar_subquery()
    return select(Event.id, count.label("total")).where(*conditions).order_by(
        Event.starts_at.desc(), Event.id.desc()
    )


def _sqlite_match(parameter: str) -> ColumnElement[bool]:
    return sql_text(f"search_events MATCH :{parameter}")  # type: ignore[return-value]


def _sqlite_search_statement() -> Select:
    """A page of results without filters, in tier order (title matches first), newest
    first within a tier. The rowid of the FTS5 table is the sort key, so each tier reads
    its matches in key order and stops after `depth` (offset + limit) rows; the total is
    a count of the matches, with no ranking. Parameters: now, match, title_match,
    rest_match, depth, limit, offset."""
    table, keys = sqlite_search_events, sqlite_search_keys
    unlisted_keys = select(keys.c.sort_key).where(keys.c.event_id.in_(_unlisted_ids()))
    tiers = []
    for number, parameter in ((1, "title_match"), (2, "rest_match")):
        tier = (
            select(table.c.rowid.label("key"), literal(number).label("tier"))
            .where(_sqlite_match(parameter), table.c.rowid.not_in(unlisted_keys))
            .order_by(table.c.rowid.desc())
            .limit(_DEPTH)
            .subquery(f"tier{number}")
        )
        tiers.append(select(tier.c.key, tier.c.tier))
    page = union_all(*tiers).subquery("page")
    total = (
        select(func.count())
        .select_from(table)
        .where(_sqlite_match("match"), table.c.rowid.not_in(unlisted_keys))
        .scalar_subquery()
    )
    return select(page.c.key.bitwise_and(ID_MASK).label("id"), total.label("total")).order_by(
        page.c.tier, page.c.key.desc()
    )


def _sqlite_filtered_search_statement(filters: ArchiveFilters) -> Select:
    """Results with filters: every match is joined to its event to apply them (filters
    narrow the archive, so this stays the rarer, costlier way). Same order and parameters
    as _sqlite_search_statement() except depth and rest_match."""
    table, keys = sqlite_search_events, sqlite_search_keys
    matches = (
        select(table.c.rowid.label("key")).where(_sqlite_match("match"))
        .cte("matches").prefix_with("MATERIALIZED")
    )
    titled = select(table.c.rowid).where(_sqlite_match("title_match"))
    return (
        select(keys.c.event_id.label("id"), func.count().over().label("total"))
        .select_from(matches)
        .join(keys, keys.c.sort_key == matches.c.key)
        .join(Event, Event.id == keys.c.event_id)
        .where(*_filter_conditions(filters))
        .order_by(matches.c.key.in_(titled).desc(), matches.c.key.desc())
    )


def _postgres_search_statement(filters: ArchiveFilters | None) -> Select:
    """Results in tier order: the title tier is a second tsquery whose lexemes must carry
    the title's weight A. Matches are read by the GIN index into narrow (id, key, tier)
    rows, then counted and ordered; with filters, joined to their events. Parameters:
    now, tsquery, title_tsquery, limit, offset."""
    table = postgres_search_events
    # Typed as tsquery, the parameters are sent as they are and PostgreSQL reads them as
    # the operator's tsquery: a CAST(... ::VARCHAR AS TSQUERY) made the query about a
    # fifth slower (3.35 against 2.76 ms on average over bench/words.txt).
    tsquery = bindparam("tsquery", type_=TSQUERY)
    title_tsquery = bindparam("title_tsquery", type_=TSQUERY)
    conditions = [table.c.document.op("@@")(tsquery)]
    if filters is None:
        conditions.append(table.c.event_id.not_in(_unlisted_ids()))
    matches = (
        select(table.c.event_id, table.c.sort_key,
               table.c.document.op("@@")(title_tsquery).label("titled"))
        .where(*conditions)
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    statement = select(matches.c.event_id.label("id"), func.count().over().label("total"))
    if filters is not None:
        statement = statement.join(Event, Event.id == matches.c.event_id).where(
            *_filter_conditions(filters)
        )
    return statement.order_by(matches.c.titled.desc(), matches.c.sort_key.desc())


def _page_statement(dialect: str, filters: ArchiveFilters, is_search: bool) -> Select:
    """Ids of one page's events with the total in every row."""
    if not is_search:
        statement = _list_statement(filters)
    elif dialect == "postgresql":
        statement = _postgres_search_statement(filters if filters.is_filtered else None)
    elif filters.is_filtered:
        statement = _sqlite_filtered_search_statement(filters)
    else:
        statement = _sqlite_search_statement()
    return statement.limit(_LIMIT).offset(_OFFSET)


@functools.cache
def _plain_statement(dialect: str, is_search: bool) -> Select:
    """The page without filters (most searches), built once: building and keying the
    statement cost more than SQLite's running it for a rare word. Limit and offset are
    parameters too: .limit() per request made a new statement to key (0.5 ms)."""
    return _page_statement(dialect, ArchiveFilters(), is_search)


def _page_parameters(dialect: str, query: SearchQuery, now: datetime) -> dict:
    if query.is_empty:
        return {"now": now}
    if dialect == "postgresql":
        return {"now": now, "tsquery": tsquery_literal(query),
                "title_tsquery": tsquery_literal(query, "A")}
    return {"now": now, "match": fts5_match(query), "title_match": fts5_title_match(query),
            "rest_match": fts5_rest_match(query)}


# Built once per database with expanding ids: building and keying statements per search
# cost more than running them. A result's topics and public document titles come
# aggregated in its row (one query for a page, not three).
_IDS = bindparam("ids", expanding=True)


@functools.cache
def _results_query(dialect: str) -> Select:
    topics = (
        select(func.aggregate_strings(EventTopic.topic, ","))
        .where(EventTopic.event_id == Event.id)
        .scalar_subquery()
    )
    public = (Document.event_id == Event.id, Document.visibility == Visibility.PUBLIC)
    if dialect == "postgresql":
        documents = func.json_agg(func.json_build_array(Document.id, Document.title_i18n), type_=JSON)
    else:
        documents = func.json_group_array(
            func.json_array(Document.id, func.json(Document.title_i18n)), type_=JSON
        )
    return select(
        Event.id, Event.slug, Event.kind, Event.format, Event.starts_at, Event.ends_at,
        Event.timezone, Event.main_language, Event.title_i18n, Event.summary_i18n,
        Event.report_i18n, Event.host_city_id, topics.label("topics"),
        select(documents).where(*public).scalar_subquery().label("documents"),
    ).where(Event.id.in_(_IDS))


def _load_events(session: Session, ids: list[int], cities: list[CityOption]) -> list[ArchiveResult]:
    """The results of a page in the order of `ids`, with topics and public documents."""
    if not ids:
        return []
    connection = session.connection()
    city_by_id = {city.id: city for city in cities}
    by_id: dict[int, ArchiveResult] = {}
    query = _results_query(connection.dialect.name)
    for *columns, host_city_id, topics, documents in connection.execute(query, {"ids": ids}):
        result = ArchiveResult(
            *columns,
            host_city=city_by_id.get(host_city_id),
            topics=sorted(topics.split(",")) if topics else [],
            documents=[DocumentTitle(Visibility.PUBLIC, title) for _id, title in sorted(documents or [])],
        )
        by_id[result.id] = result
    return [by_id[event_id] for event_id in ids if event_id in by_id]


def list_archive_years(session: Session, now: datetime | None = None) -> list[int]:
    """Years (UTC) in which archived events started, latest first: one index probe per
    year since the first event, instead of reading every event."""
    now = now or utcnow()
    first = session.scalar(select(func.min(Event.starts_at)).where(*_archived(now)))
    if first is None:
        return []
    probes = [
        select(literal(year).label("year")).where(
            exists().where(
                Event.starts_at >= datetime(year, 1, 1, tzinfo=UTC),
                Event.starts_at < datetime(year + 1, 1, 1, tzinfo=UTC),
                *_archived(now),
            )
        )
        for year in range(now.year, first.year - 1, -1)
    ]
    return [int(year) for year in session.scalars(union_all(*probes))]


_STAMP_QUERY = select(
    # Inserts raise the highest id; only drafts can be deleted (manage/services.py), and
    # drafts never show in the archive. A count would read every event (3.5 ms on
    # PostgreSQL for 10,000 events, on every archive request).
    select(func.max(Event.id)).scalar_subquery(),
    select(func.max(Event.updated_at)).scalar_subquery(),
    select(func.min(Event.ends_at)).where(Event.ends_at >= bindparam("now")).scalar_subquery(),
    select(func.count()).select_from(City).scalar_subquery(),
    # Cities have no change time of their own; every back-office change to one is
    # audited in the same transaction (eventapp/cities/services.py).
    select(func.max(AuditEntry.id)).where(AuditEntry.object_type == "city").scalar_subquery(),
)


def get_archive_stamp(session: Session, now: datetime | None = None) -> tuple:
    """What the archive pages depend on, read in one query of index look-ups: the highest
    event id, the latest change to any event (documents and sessions raise it too), the
    next moment an event ends (and so enters the archive), the number of cities and the
    latest change to a city (the city filter shows their names)."""
    row = session.connection().execute(_STAMP_QUERY, {"now": now or utcnow()}).one()
    return tuple(str(value) for value in row)


def list_cities(session: Session) -> list[CityOption]:
    return [
        CityOption(id, slug, names, "zh" if country == Country.CN else "de")
        for id, slug, names, country in session.execute(  # noqa: A001
            select(City.id, City.slug, City.name_i18n, City.country).order_by(City.country, City.slug)
        )
    ]


def list_archive_facets(session: Session, now: datetime | None = None) -> ArchiveFacets:
    """The years and cities the archive's filters offer (three queries)."""
    return ArchiveFacets(list_archive_years(session, now), list_cities(session))


# Facets per archive stamp (get_archive_stamp): they change only with the data, not with
# the words searched, so a search costs only its own queries.
_facets: LRU[ArchiveFacets] = LRU(8)


def forget_archive_facets() -> None:
    """Drop the kept facets (tests that empty the database between two equal stamps)."""
    _facets.clear()


def get_archive_facets(session: Session, stamp: tuple) -> ArchiveFacets:
    """The facets for this archive state (`stamp` from get_archive_stamp), kept per state."""
    facets = _facets.get(stamp)
    if facets is None:
        facets = list_archive_facets(session)
        _facets.put(stamp, facets)
    return facets


def search_archive(
    session: Session, filters: ArchiveFilters, facets: ArchiveFacets | None = None
) -> ArchivePage:
    """One page of archived events: ranked by relevance when there are words to search
    for, latest first otherwise. Input that holds no searchable word searches nothing."""
    now = utcnow()
    query = parse_query(filters.q)
    page = min(max(filters.page, 1), MAX_PAGE)
    filters.page = page
    facets = facets or list_archive_facets(session, now)
    dialect = session.get_bind().dialect.name
    if filters.is_filtered:
        statement = _page_statement(dialect, filters, not query.is_empty)
    else:
        statement = _plain_statement(dialect, not query.is_empty)
    parameters = _page_parameters(dialect, query, now)
    offset = (page - 1) * PER_PAGE
    connection = session.connection()
    rows = connection.execute(
        statement, {**parameters, "limit": PER_PAGE, "offset": offset, "depth": offset + PER_PAGE}
    ).all()
    events = _load_events(session, [row.id for row in rows], facets.cities)
    total = rows[0].total if rows else 0
    if not rows and page > 1:
        # Past the last page: every row carries the total, so the first page's first row
        # tells it, and the page can link back.
        first = connection.execute(
            statement, {**parameters, "limit": 1, "offset": 0, "depth": 1}
        ).first()
        total = first.total if first else 0
    return ArchivePage(
        filters=filters,
        query=query,
        events=events,
        total=total or 0,
        years=list(facets.years),
        cities=list(facets.cities),
    )


def _is_photo_file(document: Document) -> bool:
    """A stored photo is shown as an image; a link to a gallery is listed like a document."""
    return document.kind == DocumentKind.PHOTO and bool(document.stored_name)


@dataclass
class ArchiveMaterial:
    """What an archived event's page shows besides its own fields."""

    organisations: list[Organisation]
    organisation_count: int
    documents: list[Document]
    photos: list[Document]
    recordings: list[Document]
    restricted_count: int
    # Recording and slides links of the event's sessions that are public (issue #11).
    session_recordings: list[EventSession] = field(default_factory=list)


def get_archive_material(session: Session, event: Event, now: datetime | None = None) -> ArchiveMaterial | None:
    """Participating organisations (all counted, only consenting ones named) and public
    documents, photos and recordings of an event that has ended (None before), in three
    queries."""
    if event.ends_at >= (now or utcnow()):
        return None
    participants = session.execute(
        select(EventParticipant.is_listed, Organisation)
        .join(Organisation, Organisation.id == EventParticipant.organisation_id)
        .where(EventParticipant.event_id == event.id)
        .options(selectinload(Organisation.city))
        .order_by(Organisation.name)
    ).all()
    documents = list(
        session.scalars(
            select(Document).where(Document.event_id == event.id).order_by(Document.id)
        )
    )
    public = [document for document in documents if document.visibility == Visibility.PUBLIC]
    sessions = list(
        session.scalars(
            select(EventSession)
            .where(EventSession.event_id == event.id,
                   or_(EventSession.recording_url.is_not(None), EventSession.slides_url.is_not(None)))
            .order_by(EventSession.starts_at, EventSession.id)
        )
    )
    ended = [item for item in sessions if item.ends_at <= (now or utcnow()) and not item.is_cancelled]
    session_recordings = [item for item in ended if item.recording_visibility == Visibility.PUBLIC]
    for_participants = [item for item in ended if item.recording_visibility == Visibility.PARTICIPANTS]
    return ArchiveMaterial(
        organisations=[organisation for is_listed, organisation in participants if is_listed],
        organisation_count=len(participants),
        documents=[d for d in public if d.kind != DocumentKind.RECORDING and not _is_photo_file(d)],
        photos=[d for d in public if _is_photo_file(d)],
        recordings=[d for d in public if d.kind == DocumentKind.RECORDING],
        restricted_count=len(documents) - len(public) + len(for_participants),
        session_recordings=session_recordings,
    )
