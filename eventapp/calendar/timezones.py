"""VTIMEZONE components in RRULE form, derived once per process from the IANA data.

`icalendar`'s add_missing_timezones() writes one RDATE per historical transition;
ical.js (Thunderbird), vobject and Outlook misread that form and shift summer events by
an hour. Clients read the yearly-rule form reliably ("last Sunday in March"), so we
derive that rule from zoneinfo for a reference year, check it against zoneinfo for a
range of years, and only fall back to `icalendar`'s own form for zones whose rules
cannot be written as "n-th weekday of a month".
"""
from __future__ import annotations

import calendar as stdlib_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from eventapp.rules.times import utc_to_local

REFERENCE_YEAR = 2026
CHECKED_YEARS = range(2010, 2038)
RULE_START_YEAR = 1970
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """A yearly change of offset: the n-th (or, with -1, last) weekday of a month."""

    month: int
    nth: int
    weekday: int
    wall_time: time
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_daylight: bool

    def local_date(self, year: int) -> date:
        first_weekday, days = stdlib_calendar.monthrange(year, self.month)
        first = 1 + (self.weekday - first_weekday) % 7
        if self.nth == -1:
            return date(year, self.month, first + 7 * ((days - first) // 7))
        return date(year, self.month, first + 7 * (self.nth - 1))

    def instant(self, year: int) -> datetime:
        local = datetime.combine(self.local_date(year), self.wall_time)
        return (local - self.offset_from).replace(tzinfo=UTC)


def _local(zone_name: str, moment: datetime) -> datetime:
    return utc_to_local(moment, zone_name)


def _transitions(zone_name: str, year: int) -> list[datetime]:
    """UTC instants (to the quarter hour) at which the zone's offset changes in `year`."""
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(minutes=15)
    while day < end:
        following = day + timedelta(days=1)
        if _local(zone_name, day).utcoffset() != _local(zone_name, following).utcoffset():
            moment = day
            while _local(zone_name, moment + step).utcoffset() == _local(zone_name, day).utcoffset():
                moment += step
            found.append(moment + step)
        day = following
    return found


def _derive(zone_name: str) -> list[Transition] | None:
    """The zone's yearly rules, or None when they are not "n-th weekday" rules."""
    transitions = []
    for instant in _transitions(zone_name, REFERENCE_YEAR):
        before = _local(zone_name, instant - timedelta(seconds=1))
        after = _local(zone_name, instant)
        offset_from = before.utcoffset() or timedelta(0)
        wall = (instant + offset_from).replace(tzinfo=None)
        _first_weekday, days = stdlib_calendar.monthrange(wall.year, wall.month)
        nth = -1 if wall.day + 7 > days else (wall.day - 1) // 7 + 1
        transitions.append(
            Transition(
                month=wall.month,
                nth=nth,
                weekday=wall.weekday(),
                wall_time=wall.time(),
                offset_from=offset_from,
                offset_to=after.utcoffset() or timedelta(0),
                name=after.tzname() or zone_name,
                is_daylight=bool(after.dst()),
            )
        )
    for year in CHECKED_YEARS:
        actual = _transitions(zone_name, year)
        if actual != [rule.instant(year) for rule in transitions]:
            return None
    return transitions


def _offset_name(zone_name: str) -> tuple[timedelta, str]:
    moment = _local(zone_name, datetime(REFERENCE_YEAR, 1, 15, tzinfo=UTC))
    return moment.utcoffset() or timedelta(0), moment.tzname() or zone_name


@lru_cache(maxsize=32)
def vtimezone(zone_name: str) -> Timezone:
    """The VTIMEZONE for an IANA zone, built once per process (do not mutate it)."""
    rules = _derive(zone_name)
    if rules is None:
        return Timezone.from_tzid(zone_name)
    component = Timezone()
    component.add("tzid", zone_name)
    component.add("x-lic-location", zone_name)
    if not rules:
        offset, name = _offset_name(zone_name)
        standard = TimezoneStandard()
        standard.add("tzname", name)
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        standard.add("dtstart", datetime(RULE_START_YEAR, 1, 1))
        component.add_component(standard)
        return component
    for rule in sorted(rules, key=lambda r: not r.is_daylight):
        part = TimezoneDaylight() if rule.is_daylight else TimezoneStandard()
        part.add("tzname", rule.name)
        part.add("tzoffsetfrom", rule.offset_from)
        part.add("tzoffsetto", rule.offset_to)
        part.add("dtstart", datetime.combine(rule.local_date(RULE_START_YEAR), rule.wall_time))
        part.add(
            "rrule",
            {"freq": "yearly", "bymonth": rule.month, "byday": f"{rule.nth}{WEEKDAYS[rule.weekday]}"},
        )
        component.add_component(part)
    return component
