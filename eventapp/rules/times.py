"""Time zone conversion: local input to UTC and UTC to labelled local times.

The only place that converts between zones. zoneinfo throughout, never pytz.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import lazy_gettext as _l

from eventapp.rules.errors import RuleError

BERLIN = "Europe/Berlin"
SHANGHAI = "Asia/Shanghai"
PARTNER_ZONES = (BERLIN, SHANGHAI)


@lru_cache(maxsize=64)
def get_zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; refuses names that are not IANA zones."""
    if not name or name not in _known_zones():
        raise RuleError("timezone", _l("Unknown time zone: %(name)s.", name=name))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError("timezone", _l("Unknown time zone: %(name)s.", name=name)) from None


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: str) -> None:
    """Refuses anything that is not an IANA zone name."""
    get_zone(name)


def local_to_utc(local: datetime, zone_name: str, field: str = "starts_at") -> datetime:
    """Convert a naive local wall time in `zone_name` to aware UTC.

    Refuses times that do not exist (spring forward) or are ambiguous (fall back)
    instead of guessing.
    """
    if local.tzinfo is not None:
        raise RuleError(field, _l("Expected a local time without a zone."))
    zone = get_zone(zone_name)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    first_utc = first.astimezone(UTC)
    second_utc = second.astimezone(UTC)
    if first_utc != second_utc:
        # fold matters: either the hour is skipped (gap) or repeated (ambiguous).
        if first_utc.astimezone(zone).replace(tzinfo=None) != local:
            raise RuleError(
                field,
                _l(
                    "%(time)s does not exist in %(zone)s: the clocks skip this hour. "
                    "Please choose another time.",
                    time=local.strftime("%Y-%m-%d %H:%M"),
                    zone=zone_name,
                ),
            )
        raise RuleError(
            field,
            _l(
                "%(time)s happens twice in %(zone)s: the clocks go back this hour. "
                "Please choose another time.",
                time=local.strftime("%Y-%m-%d %H:%M"),
                zone=zone_name,
            ),
        )
    return first_utc


def utc_to_local(moment: datetime, zone_name: str) -> datetime:
    """An aware UTC instant as an aware local time in `zone_name`."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given where UTC was expected")
    return moment.astimezone(get_zone(zone_name))


def local_date_time(day: date, clock: time, zone_name: str, field: str = "starts_at") -> datetime:
    """Combine a local day and clock time and convert to UTC (see local_to_utc)."""
    return local_to_utc(datetime.combine(day, clock), zone_name, field)


def partner_zones(event_zone: str) -> tuple[str, ...]:
    """The zones an agenda shows: the event's own first, then the Berlin/Shanghai partner."""
    if event_zone == BERLIN:
        return (BERLIN, SHANGHAI)
    if event_zone == SHANGHAI:
        return (SHANGHAI, BERLIN)
    return (event_zone, BERLIN, SHANGHAI)


@dataclass(frozen=True)
class ZonedTime:
    """A moment shown in one zone, with what a reader needs to name that zone."""

    local: datetime
    zone: str
    abbreviation: str
    offset: str
    day_shift: int

    @property
    def label(self) -> str:
        return f"{self.local:%H:%M} {self.abbreviation}"


@lru_cache(maxsize=4096)
def iso_instant(moment: datetime) -> str:
    """`moment.isoformat()`, memoised per process: an aware datetime takes about a
    microsecond to format, and an agenda writes its few slot times hundreds of times
    (data-start, data-end and countdown attributes)."""
    return moment.isoformat()


def utc_offset_label(local: datetime) -> str:
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


@lru_cache(maxsize=4096)
def zoned(moment: datetime, zone_name: str, reference_zone: str | None = None) -> ZonedTime:
    """`moment` in `zone_name`; day_shift tells the day difference to `reference_zone`.

    Pure (an instant, whatever its tzinfo, names one local time) and memoised per process:
    pages show the same few instants in two zones many times (an event page's dates
    and zone rows asked for fourteen)."""
    local = utc_to_local(moment, zone_name)
    abbreviation = local.tzname() or zone_name
    if abbreviation.startswith(("+", "-")):
        abbreviation = utc_offset_label(local)
    shift = 0
    if reference_zone and reference_zone != zone_name:
        shift = (local.date() - utc_to_local(moment, reference_zone).date()).days
    return ZonedTime(local, zone_name, abbreviation, utc_offset_label(local), shift)


def now_utc() -> datetime:
    return datetime.now(UTC)
