"""Validation rules shared by every entry path: forms, services, CLI, demo loader, imports."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from eventapp.rules.errors import RuleError

__all__ = ["RuleError"]
from eventapp.rules.times import check_timezone

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_CODES = ("de", "en", "zh")


# Ids and counters fit a 32-bit signed integer (PostgreSQL's INTEGER).
MAX_ID = 2**31 - 1


def parse_number(value: str | None, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """A whole number typed as ASCII digits within the bounds; None for anything else.

    str.isdigit() also accepts "²" or "٣", which int() then refuses or reads differently.
    """
    if not value or len(value) > 10 or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


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

ROOM_MAX_CHARS = 120


def clean_rooms(lines: list[str], field: str = "rooms") -> list[str]:
    """An event's room names trimmed, blanks and repeats (ignoring case) dropped, order kept;
    refuses a name longer than 120 characters."""
    rooms: list[str] = []
    seen: set[str] = set()
    for line in lines:
        name = " ".join(line.split())
        if not name:
            continue
        if len(name) > ROOM_MAX_CHARS:
            raise RuleError(
                field,
                _l("A room name may have at most %(count)d characters: %(name)s",
                   count=ROOM_MAX_CHARS, name=name[:40] + "…"),
            )
        if name.casefold() not in seen:
            seen.add(name.casefold())
            rooms.append(name)
    return rooms


# --- Registration (issue #6) ---------------------------------------------------------


def check_email_address(address: str, field: str = "email") -> str:
    """Refuses addresses whose syntax is wrong; returns the address normalised to lower case."""
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise RuleError(field, _l("Please enter a valid e-mail address.")) from None
    return result.normalized.lower()


def check_attendance_mode(event_format: str, mode: str, field: str = "attendance_mode") -> None:
    """Refuses on-site attendance at virtual events and online attendance at in-person ones."""
    allowed = {"in_person": ("onsite",), "virtual": ("online",), "hybrid": ("onsite", "online")}
    if mode not in allowed.get(str(event_format), ()):
        raise RuleError(field, _l("This event cannot be attended this way."))


def check_registration_open(
    now: datetime,
    is_published: bool,
    opens_at: datetime | None,
    closes_at: datetime | None,
    event_starts_at: datetime,
    event_ends_at: datetime,
) -> None:
    """Refuses registrations for unpublished or past events and outside the registration window."""
    if not is_published:
        raise RuleError("event", _l("This event does not take registrations."))
    if event_ends_at <= now:
        raise RuleError("event", _l("This event is over; registration is closed."))
    if opens_at and now < opens_at:
        raise RuleError("event", _l("Registration has not opened yet."))
    if (closes_at and now >= closes_at) or (not closes_at and now >= event_starts_at):
        raise RuleError("event", _l("Registration for this event is closed."))


def check_privacy_consent(has_consented: bool, field: str = "consent_privacy") -> None:
    """Refuses a registration without consent to the privacy notice."""
    if not has_consented:
        raise RuleError(field, _l("Please accept the privacy notice to register."))


# --- Speakers and member cities (issue #10) -------------------------------------------

# Line and paragraph separators end a line as surely as CR/LF do.
_LINE_BREAKING = {"Cc", "Cf", "Zl", "Zp", "Cs"}
# A multi-line text keeps its line breaks and tabs, nothing else invisible.
_TEXT_ALLOWED = {"\n", "\r", "\t"}


def check_single_line(value: str, field: str = "name") -> None:
    """Refuses line breaks and control or format characters in a one-line field."""
    if any(unicodedata.category(char) in _LINE_BREAKING for char in value):
        raise RuleError(field, _l("Use one line without line breaks or control characters."))


def check_plain_text(value: str, field: str = "text") -> None:
    """Refuses control characters (other than line breaks and tabs) in a multi-line text."""
    if any(
        char not in _TEXT_ALLOWED and unicodedata.category(char) in {"Cc", "Cs"}
        for char in value
    ):
        raise RuleError(field, _l("The text contains control characters."))


def check_city_names(names: dict[str, str], country: str) -> None:
    """Refuses a city without a name in its own language (German for DE, Chinese for CN)."""
    for code, name in names.items():
        check_language(code, "name")
        check_single_line(name, f"name_{code}")
    own = "zh" if country == "CN" else "de"
    if not (names.get(own) or "").strip():
        if own == "zh":
            raise RuleError("name_zh", _l("Give the Chinese name of a city in China."))
        raise RuleError("name_de", _l("Give the German name of a city in Germany."))


CITY_SLUG_TAKEN = _l("This address is already taken by another city.")
UNKNOWN_COUNTRY = _l("Choose Germany or China.")
