"""Validation rules shared by every entry path: forms, services, CLI, demo loader, imports."""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from eventapp.rules.errors import RuleError

__all__ = ["RuleError"]
from eventapp.rules.times import check_timezone

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_CODES = ("de", "en", "zh")


def check_slug(slug: str) -> None:
    """Refuses slugs that are not lower-case words joined by hyphens (3 to 80 characters)."""
    if not (3 <= len(slug) <= 80) or not SLUG_RE.match(slug):
        raise RuleError(
            "slug",
            _l("Use 3 to 80 lower-case letters, digits and single hyphens, e.g. isa-forum-2027."),
        )


def check_order(starts_at: datetime, ends_at: datetime, field: str = "ends_at") -> None:
    """Refuses an end that is not after the start."""
    if ends_at <= starts_at:
        raise RuleError(field, _l("The end must be after the start."))


def check_within_event(
    starts_at: datetime, ends_at: datetime, event_starts_at: datetime, event_ends_at: datetime
) -> None:
    """Refuses a session that starts before or ends after its event."""
    check_order(starts_at, ends_at)
    if starts_at < event_starts_at or ends_at > event_ends_at:
        raise RuleError("starts_at", _l("A session must lie within the dates of its event."))


def check_event_times(starts_at: datetime, ends_at: datetime, timezone: str) -> None:
    """Refuses unknown zones and events that end before they start."""
    check_timezone(timezone)
    check_order(starts_at, ends_at)


def check_registration_window(
    opens_at: datetime | None, closes_at: datetime | None, event_ends_at: datetime
) -> None:
    """Refuses a window that closes before it opens or after the event has ended."""
    if opens_at and closes_at and closes_at <= opens_at:
        raise RuleError("registration_closes_at", _l("Registration must close after it opens."))
    if closes_at and closes_at > event_ends_at:
        raise RuleError(
            "registration_closes_at", _l("Registration cannot close after the event has ended.")
        )


def check_capacity(value: int | None, field: str = "capacity") -> None:
    """Refuses negative capacities (None means unlimited)."""
    if value is not None and value < 0:
        raise RuleError(field, _l("A capacity cannot be negative."))


def check_language(code: str, field: str = "language") -> None:
    """Refuses languages other than German, English and Chinese."""
    if code not in LANGUAGE_CODES:
        raise RuleError(field, _l("Choose German, English or Chinese."))


def check_translations(values: dict[str, str], main_language: str, field: str = "title") -> None:
    """Refuses a multilingual text without a text in its main language."""
    check_language(main_language, "main_language")
    for code in values:
        check_language(code, field)
    if not (values.get(main_language) or "").strip():
        raise RuleError(field, _l("A text in the main language is required."))


def check_https_url(url: str, field: str = "url") -> None:
    """Refuses links that are not absolute https URLs."""
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.netloc:
        raise RuleError(field, _l("Only https:// links are accepted."))


SLUG_TAKEN = _l("This address is already taken by another event.")
