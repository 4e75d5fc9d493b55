"""Calendar routes: one event, one session, the subscription feed; all through build_feed()."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Response, abort, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _

from eventapp.calendar import bp
from eventapp.calendar.services import (
    DEFAULT_CALENDAR_NAME,
    FeedScope,
    FeedVersion,
    feed_version,
    get_feed_body,
    get_feed_target,
)
from eventapp.extensions import db
from eventapp.i18n import current_language
from eventapp.labels import label
from eventapp.models import EventFormat, Topic

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Subscriptions show events that ended up to this many months ago (from a month's start,
# so that the feed and its ETag stay the same for a whole month).
MONTHS_BACK = 12
FILTER_RE = re.compile(r"[a-z0-9_-]{1,80}")
SLUG_RE = re.compile(r"[a-z0-9-]{1,80}")


def feed_language() -> str:
    """?lang= if valid, else the interface language (cookie, Accept-Language, German)."""
    asked = request.args.get("lang")
    return asked if asked in current_app.config["LANGUAGES"] else current_language()


def _wants_gzip() -> bool:
    # Only on request: Outlook breaks on a compressed subscription it did not ask for.
    return request.accept_encodings["gzip"] > 0


def _is_not_modified(version: FeedVersion) -> bool:
    """If-None-Match wins over If-Modified-Since (RFC 9110); both computed without building."""
    digest = version.etag.strip('"')
    if request.if_none_match:
        tags = request.if_none_match
        return tags.star_tag or any(tags.contains_weak(tag) for tag in (digest, f"{digest}-gz"))
    since = request.if_modified_since
    return since is not None and version.last_modified <= since


def feed_response(scope: FeedScope, filename: str, version: FeedVersion | None = None) -> Response:
    """The HTTP answer for a scope: 304 when the client is current, else the (cached) body.

    `version` may come with the caller's lookup (single-event feeds); else one query here.
    """
    version = version or feed_version(db.session, scope)
    compressed = _wants_gzip()
    etag = version.etag[:-1] + '-gz"' if compressed else version.etag
    if _is_not_modified(version):
        response = Response(status=304)
    else:
        body = get_feed_body(db.session, scope, version, compressed=compressed)
        response = Response(body, content_type=CONTENT_TYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        if compressed:
            response.headers["Content-Encoding"] = "gzip"
    response.headers["ETag"] = etag
    response.last_modified = version.last_modified
    response.vary.add("Accept-Encoding")
    privacy = "private" if scope.join_token else "public"
    response.headers["Cache-Control"] = f"{privacy}, max-age=300"
    return response


@bp.get("/events/<slug>.ics")
def event_feed(slug: str) -> Response:
    language = feed_language()
    target = get_feed_target(db.session, slug, language) if SLUG_RE.fullmatch(slug) else None
    if target is None:
        abort(404)
    scope = FeedScope(language=language, name=target.title, event_ids={target.event_id})
    return feed_response(scope, f"{target.slug}.ics", target.feed_version(scope))


@bp.get("/events/<slug>/sessions/<int:session_id>.ics")
def session_feed(slug: str, session_id: int) -> Response:
    language = feed_language()
    target = None
    if SLUG_RE.fullmatch(slug):
        target = get_feed_target(db.session, slug, language, session_id)
    if target is None:
        abort(404)
    scope = FeedScope(
        language=language,
        name=target.title,
        event_ids={target.event_id},
        session_ids={session_id},
        include_events=False,
    )
    return feed_response(
        scope, f"{target.slug}-session-{session_id}.ics", target.feed_version(scope)
    )


def _filter(name: str) -> str | None:
    """A filter value as typed; may be invalid (see _is_valid_filter)."""
    return request.args.get(name, "").strip() or None


def _is_valid_filter(value: str | None) -> bool:
    # Topic codes, city slugs and formats are short lower-case words: anything else
    # (control characters, very long text) matches no event and never reaches the database.
    return value is None or bool(FILTER_RE.fullmatch(value))


def _window_start(now: datetime) -> datetime:
    month_index = now.year * 12 + now.month - 1 - MONTHS_BACK
    return datetime(month_index // 12, month_index % 12 + 1, 1, tzinfo=UTC)


def subscription_name(topic: str | None, event_format: str | None) -> str:
    """"ISA events", or "ISA events: Hydrogen technology, Virtual" for a filtered feed."""
    parts = []
    if topic in {member.value for member in Topic}:
        parts.append(label(Topic(topic)))
    if event_format in {member.value for member in EventFormat}:
        parts.append(label(EventFormat(event_format)))
    if not parts:
        return str(DEFAULT_CALENDAR_NAME)
    return _("ISA events: %(filters)s", filters=", ".join(parts))


@bp.get("/calendar.ics")
def subscription_feed() -> Response:
    language = feed_language()
    topic, city, event_format = _filter("topic"), _filter("city"), _filter("format")
    with force_locale(language):
        name = subscription_name(topic, event_format)
    is_valid = all(_is_valid_filter(value) for value in (topic, city, event_format))
    scope = FeedScope(
        language=language,
        name=name,
        event_ids=None if is_valid else set(),
        topic=topic if is_valid else None,
        city=city if is_valid else None,
        format=event_format if is_valid else None,
        since=_window_start(datetime.now(UTC)),
        include_sessions=False,
    )
    return feed_response(scope, "isa-events.ics")
