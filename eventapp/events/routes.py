"""Public event pages: the list, the event page with its two-zone agenda, public join links.

The event page answers conditional requests after one indexed version lookup and serves
rendered bodies from an in-process cache keyed by event version, language, query
arguments and a marker of the time-dependent parts (registration window, current session).
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_skeleton
from flask import Response, abort, current_app, redirect, render_template, request
from flask import session as http_session
from flask_login import current_user
from werkzeug.http import is_resource_modified

from eventapp.agenda.changes import change_lines
from eventapp.agenda.services import list_agenda_changes
from eventapp.events import bp, cache
from eventapp.events.agenda_html import day_slots_html, filter_links_html
from eventapp.events.services import (
    AgendaFilters,
    EventPage,
    EventStamp,
    build_agenda,
    get_event_page,
    get_event_stamp,
    get_public_join_url,
    get_public_session,
    get_registration_state,
    list_public_events,
    page_marker,
    session_boundaries,
    speaker_card,
)
from eventapp.events.speakers_html import speaker_cards_html
from eventapp.extensions import db
from eventapp.i18n import current_language, request_locale
from eventapp.labels import label
from eventapp.models import SessionKind
from eventapp.rules.times import now_utc, partner_zones
from eventapp.virtual.services import public_view_of

# Query arguments that change the body; others are ignored (and do not split the cache).
_PAGE_ARGS = ("day", "room", "language", "topic", "partial")


@bp.get("/")
def index() -> str:
    now = now_utc()
    events = list_public_events(db.session)
    return render_template(
        "events/index.html",
        events=events,
        now=now,
        states={event.id: get_registration_state(event, now) for event in events},
    )


def _last_modified(
    stamp: EventStamp, now: datetime, boundaries: tuple[datetime, ...] | None
) -> datetime:
    """The latest of the last change and the last passed time boundary of the page."""
    passed = [m for m in (*stamp.event_boundaries, *(boundaries or ())) if m <= now]
    return max([stamp.updated_at, *passed]).replace(microsecond=0)


def _page_response(
    body: bytes | None, etag: str | None, last_modified: datetime | None, status: int = 200
) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    if etag is None:
        response.headers["Cache-Control"] = "private, no-store"
        return response
    response.set_etag(etag)
    response.last_modified = last_modified
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<slug>/")
def detail(slug: str) -> Response:
    stamp = get_event_stamp(db.session, slug)
    if stamp is None:
        abort(404)
    now = now_utc()
    language = current_language()
    partial = request.args.get("partial") == "agenda"
    args = tuple(sorted((k, v) for k, v in request.args.items(multi=True) if k in _PAGE_ARGS))
    # Signed-in organisers and pending flash messages make the body personal, and unknown
    # query arguments reappear in its language links: such bodies are never shared.
    is_shared = (
        not current_user.is_authenticated
        and "_flashes" not in http_session
        and all(key in _PAGE_ARGS or key == "lang" for key in request.args)
    )
    event_key = cache.event_key(stamp.id, stamp.version, stamp.updated_at)
    known_boundaries = cache.boundaries.get(event_key)
    marker = page_marker(stamp, now, known_boundaries)

    if is_shared and marker is not None:
        key = (event_key, language, args, marker)
        etag = cache.make_etag(key)
        last_modified = _last_modified(stamp, now, known_boundaries)
        if not is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
            return _page_response(None, etag, last_modified, status=304)
        body = cache.bodies.get(key) if current_app.config["PAGE_CACHE"] else None
        if body is not None:
            return _page_response(body, etag, last_modified)

    page = get_event_page(db.session, stamp.id)
    event = page.event
    stamp_now = EventStamp(
        event.id, event.version, event.updated_at, event.status, event.starts_at,
        event.ends_at, event.registration_opens_at, event.registration_closes_at,
    )
    event_key = cache.event_key(event.id, event.version, event.updated_at)
    known_boundaries = session_boundaries(page)
    cache.boundaries.put(event_key, known_boundaries)
    marker = page_marker(stamp_now, now, known_boundaries)
    body = _render_detail(page, language, AgendaFilters.from_args(request.args), now, partial)
    if not is_shared:
        return _page_response(body, None, None)
    key = (event_key, language, args, marker)
    if current_app.config["PAGE_CACHE"]:
        cache.bodies.put(key, body)
    return _page_response(body, cache.make_etag(key), _last_modified(stamp_now, now, known_boundaries))


def _render_detail(
    page: EventPage, language: str, filters: AgendaFilters, now: datetime, partial: bool
) -> bytes:
    event = page.event
    kind_labels = {kind: label(kind) for kind in SessionKind}
    language_labels = _language_labels(*{row.spoken_language for row in page.sessions})
    agenda = build_agenda(page, language, filters, now, kind_labels | language_labels)
    context = {
        "event": event,
        "agenda": agenda,
        "filters": filters,
        "registration": get_registration_state(event, now),
        "language_labels": language_labels,
        "topic_labels": {code: label(code) for code in agenda.topics},
        "day_labels": {day: _day_label(day, "MMMEd") for day in agenda.all_days},
        "day_titles": {day.day: _day_label(day.day, "full") for day in agenda.days},
        "day_slots_html": day_slots_html,
        "filter_links_html": filter_links_html,
    }
    if partial:
        return render_template("events/_agenda.html", **context).encode()
    context["is_past"] = event.ends_at <= now
    # Released changes only (a release raises the event's version, so cached pages follow).
    context["agenda_changes"] = change_lines(list_agenda_changes(db.session, event.id), event, language)
    context["event_topics"] = page.topics
    context["speakers"] = [speaker_card(speaker, language) for speaker in page.speakers]
    context["speaker_cards_html"] = speaker_cards_html
    return render_template("events/detail.html", **context).encode()


def _language_labels(*codes: str) -> dict[str, str]:
    return {code: label(code) for code in ("de", "en", "zh", *codes)}


def _day_label(day: str, style: str) -> str:
    """A local day (ISO) in the interface language: "Thursday, 14 January 2027" or "Thu, 14 Jan"."""
    return _day_text(day, style, request_locale())


@lru_cache(maxsize=1024)
def _day_text(day: str, style: str, locale: Locale) -> str:
    """Formatted once per day, style and language (babel takes ~20 µs a date)."""
    value = date.fromisoformat(day)
    if style == "full":
        return format_date(value, "full", locale=locale)
    return format_skeleton(style, value, locale=locale)


@bp.get("/<slug>/sessions/<int:session_id>/")
def session_detail(slug: str, session_id: int) -> str:
    item = get_public_session(db.session, slug, session_id)
    if item is None:
        abort(404)
    return render_template(
        "events/session.html",
        event=item.event,
        item=item,
        language_labels=_language_labels(),
        agenda_zones=partner_zones(item.event.timezone),
        join=public_view_of(item, current_language(), now_utc()),
    )


@bp.get("/<slug>/sessions/<int:session_id>/join")
def join(slug: str, session_id: int) -> Response:
    url = get_public_join_url(db.session, slug, session_id, now_utc())
    if url is None:
        abort(404)
    response = redirect(url, code=302)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
