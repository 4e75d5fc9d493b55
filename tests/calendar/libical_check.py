"""Parse an .ics file with libical (Debian's libical through GObject introspection).

Run with the system Python: /usr/bin/python3 libical_check.py FILE. Prints JSON:
{"errors": [...], "events": [{"uid", "start", "end", "sequence", "status", "summary"}],
"components": [the calendar's component names]}
with UTC instants as ISO strings, after libical's RFC 5546 restriction check (METHOD
PUBLISH), which marks each violation with an X-LIC-ERROR property.
"""
import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as ICal  # noqa: E402

ANY = ICal.ComponentKind.ANY_COMPONENT
ERROR = ICal.PropertyKind.XLICERROR_PROPERTY


def errors_of(component, found):
    prop = component.get_first_property(ERROR)
    while prop is not None:
        kind = ICal.Component.kind_to_string(component.isa())
        found.append(f"{kind}: {prop.as_ical_string().strip()}")
        prop = component.get_next_property(ERROR)
    child = component.get_first_component(ANY)
    while child is not None:
        errors_of(child, found)
        child = component.get_next_component(ANY)
    return found


def utc_iso(moment):
    utc = moment.convert_to_zone(ICal.Timezone.get_utc_timezone())
    return (
        f"{utc.get_year():04d}-{utc.get_month():02d}-{utc.get_day():02d}T"
        f"{utc.get_hour():02d}:{utc.get_minute():02d}:{utc.get_second():02d}+00:00"
    )


def main(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    calendar = ICal.Component.new_from_string(text)
    if calendar is None or calendar.isa() != ICal.ComponentKind.VCALENDAR_COMPONENT:
        print(json.dumps({"errors": ["not a VCALENDAR"], "events": []}))
        return 1
    ICal.restriction_check(calendar)
    errors = errors_of(calendar, [])
    events = []
    event = calendar.get_first_component(ICal.ComponentKind.VEVENT_COMPONENT)
    while event is not None:
        start, end = event.get_dtstart(), event.get_dtend()
        zone = start.get_timezone()
        events.append(
            {
                "uid": event.get_uid(),
                "start": utc_iso(start),
                "end": utc_iso(end),
                "tzid": zone.get_tzid() if zone is not None else None,
                "sequence": event.get_sequence(),
                "status": ICal.Property.status_to_string(event.get_status()),
                "summary": event.get_summary(),
            }
        )
        event = calendar.get_next_component(ICal.ComponentKind.VEVENT_COMPONENT)
    components = []
    child = calendar.get_first_component(ANY)
    while child is not None:
        components.append(ICal.Component.kind_to_string(child.isa()))
        child = calendar.get_next_component(ANY)
    print(json.dumps({"errors": errors, "events": events, "components": components}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
