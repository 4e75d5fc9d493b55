// Parse an .ics file with ical.js (the parser behind Thunderbird) and print what it read
// as JSON: every VEVENT's UID, UTC start and end, TZID, SEQUENCE, STATUS and SUMMARY, and
// the names of the calendar's components.
// Usage: node check.mjs FILE
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const root = new ICAL.Component(ICAL.parse(text));
// Like Thunderbird, resolve TZIDs with the VTIMEZONEs the file itself carries.
for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}
const events = root.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
    sequence: event.sequence,
    status: component.getFirstPropertyValue("status"),
    summary: event.summary,
  };
});
const calendar = {
  name: root.getFirstPropertyValue("x-wr-calname"),
  method: root.getFirstPropertyValue("method"),
  refresh: String(root.getFirstPropertyValue("refresh-interval")),
};
const components = root.getAllSubcomponents().map((component) => component.name.toUpperCase());
process.stdout.write(JSON.stringify({ calendar, events, components }));
