// Expands a calendar as Thunderbird does (ical.js): reads iCalendar text on stdin and prints
// every occurrence that starts before `to` and ends after `from` (UTC, ISO 8601), as JSON
// [uid, start, end] triples in UTC. Usage: node expand.mjs 2027-01-01T00:00:00Z 2029-01-01T00:00:00Z
import ICAL from "ical.js";

const [from, to] = process.argv.slice(2).map((text) => new Date(text));
const text = await new Promise((resolve) => {
  let data = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (data += chunk));
  process.stdin.on("end", () => resolve(data));
});
const calendar = new ICAL.Component(ICAL.parse(text));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const found = [];
for (const component of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(component);
  const add = (start, end) => {
    const startsAt = start.toJSDate();
    const endsAt = end.toJSDate();
    if (startsAt < to && endsAt > from) {
      found.push([event.uid, startsAt.toISOString(), endsAt.toISOString()]);
    }
  };
  if (!event.isRecurring()) {
    add(event.startDate, event.endDate);
    continue;
  }
  const iterator = event.iterator();
  for (let next = iterator.next(); next; next = iterator.next()) {
    if (next.toJSDate() >= to) break;
    const details = event.getOccurrenceDetails(next);
    add(details.startDate, details.endDate);
  }
}
process.stdout.write(JSON.stringify(found));
