"""iCalendar (RFC 5545) export of schedules, for people's calendars and for cross-checks.

* A weekly window (fixed HH:MM times, weekday selectors only) is one VEVENT: DTSTART with
  TZID on the first matching night on or after the schedule's start date, DTEND on the next
  date when the window runs past midnight, RRULE:FREQ=WEEKLY;BYDAY=..;UNTIL=.. (UNTIL is the
  UTC start of the last night allowed by the end date, as RFC 5545 requires with a TZID),
  and EXDATE for excluded nights.
* A window with bank-holiday selectors or relative (open/close) times cannot be a plain
  RRULE: it is expanded into one VEVENT per night, with exact UTC times from the engine,
  over a horizon of `horizon_days` nights from `horizon_start` (default: the schedule's
  start date). Relative windows need the venue's opening hours and bank holidays its nation;
  both are parameters, since a schedule is not tied to one venue.
* A weekly RRULE with no end date stops at the last date the API can express (2100-12-31),
  and its VTIMEZONE (`signage.timing.vtimezone`, written from the zone database with onsets
  in the TZOFFSETFROM wall clock and one RDATE a line) covers every year it runs, so every
  client expands every occurrence from the same offsets as the engine. A night the engine
  cannot air (a window inside the hour the clocks skip) is an EXDATE.
* Each event carries the schedule's SEQUENCE (its count of edits) and LAST-MODIFIED, so a
  client tells an edited event from the old one. DTSTAMP is `dtstamp` or, by default,
  midnight UTC of the first night, so the output is a pure function of the input (a feed
  sets it to the moment of export as it is served).
* A calendar with no event (every window needs a venue's opening hours, say) still holds its
  VTIMEZONE, and says why in X-WR-CALDESC: RFC 5545 wants at least one component.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event

from signage.timing.clock import local_to_utc, zone
from signage.timing.model import WEEKDAYS, FixedTime, OpeningPeriod, Schedule, Venue, Window
from signage.timing.vtimezone import transitions, vtimezone
from signage.timing.windows import window_intervals

_BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
_DAY = timedelta(days=1)
PRODID = "-//signage//schedule engine//EN"
# The last night an unbounded weekly event runs: the API's dates end here (core.bounds).
LAST_NIGHT = date(2100, 12, 31)
NOTHING_EXPRESSED = (
    "No schedule here can be written as calendar events: their windows are relative to "
    "opening hours, so they need a venue (ask for the calendar of one with venue_id)."
)


@dataclass(frozen=True)
class Revision:
    """What a client compares to tell an edited event from the old one."""

    sequence: int
    modified: datetime  # UTC


def _local(tz_name: str, night: date, at: time) -> datetime:
    return datetime(night.year, night.month, night.day, at.hour, at.minute, tzinfo=zone(tz_name))


def _unclear(tz_name: str, moment: datetime) -> bool:
    """Whether a local wall-clock time is skipped or repeated by a change of the clocks:
    clients resolve those their own way (the next hour, the first, the second), so such a
    night is written as the engine's exact times instead."""
    place = zone(tz_name)
    return (
        moment.replace(tzinfo=place, fold=0).utcoffset()
        != moment.replace(tzinfo=place, fold=1).utcoffset()
    )


def _irregular_nights(
    schedule: Schedule, window: Window, *, venue: Venue, first: date, last: date
) -> list[date]:
    """Nights of the weekly series whose start or end falls in a skipped or repeated hour:
    only nights beside a change of the clocks can, so only those are asked."""
    if not isinstance(window.start, FixedTime) or not isinstance(window.end, FixedTime):
        raise TypeError("a weekly window has fixed times")
    start, end = window.start.at, window.end.at
    found: list[date] = []
    for change in transitions(venue.timezone, first.year, last.year):
        local = change.onset.date()
        for night in (local - _DAY, local):
            if not first <= night <= last or WEEKDAYS[night.weekday()] not in window.days:
                continue
            if night in schedule.exclude_dates or night in found:
                continue
            ends_on = night + _DAY if end <= start else night
            if _unclear(venue.timezone, datetime.combine(night, start)) or _unclear(
                venue.timezone, datetime.combine(ends_on, end)
            ):
                found.append(night)
    return found


def _weekly_event(
    schedule: Schedule,
    window: Window,
    index: int,
    *,
    venue: Venue,
    name: str,
    first: date,
) -> tuple[Event, list[date]] | None:
    """The window's RRULE event, and the nights left out of it to be written as exact times
    (`_irregular_nights`)."""
    tz_name = venue.timezone
    if not isinstance(window.start, FixedTime) or not isinstance(window.end, FixedTime):
        raise TypeError("a weekly window has fixed times")
    start, end = window.start.at, window.end.at
    night = first
    while WEEKDAYS[night.weekday()] not in window.days:
        night += _DAY
    if schedule.end_date is not None and night > schedule.end_date:
        return None
    event = Event()
    event.add("uid", f"{schedule.id}-w{index}@signage")
    event.add("summary", name)
    event.add("dtstart", _local(tz_name, night, start))
    event.add("dtend", _local(tz_name, night + _DAY if end <= start else night, end))
    rule: dict[str, object] = {
        "freq": "weekly",
        "byday": [_BYDAY[d] for d in WEEKDAYS if d in window.days],
    }
    last = schedule.end_date if schedule.end_date is not None else LAST_NIGHT
    rule["until"] = local_to_utc(tz_name, last, start)
    event.add("rrule", rule)
    excluded = {
        d
        for d in schedule.exclude_dates
        if d >= night and WEEKDAYS[d.weekday()] in window.days and d <= last
    }
    irregular = _irregular_nights(schedule, window, venue=venue, first=night, last=last)
    excluded.update(irregular)
    for d in sorted(excluded):
        event.add("exdate", _local(tz_name, d, start))
    return event, irregular


def last_night(schedule: Schedule, *, first: date, horizon_days: int) -> date:
    """The last night a schedule's events reach: its end date, the horizon of its dated
    events, or (a weekly window without an end) the last date the API knows."""
    if schedule.end_date is not None:
        return schedule.end_date
    if any(w.is_weekly for w in schedule.windows):
        return LAST_NIGHT
    return first + timedelta(days=horizon_days)


def _exact_event(
    schedule: Schedule,
    index: int,
    night: date,
    number: int,
    name: str,
    starts: datetime,
    ends: datetime,
) -> Event:
    """One interval of a window on one night, in the engine's exact (UTC) times."""
    event = Event()
    event.add("uid", f"{schedule.id}-w{index}-{night.isoformat()}-{number}@signage")
    event.add("summary", name)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    return event


def _night_events(
    schedule: Schedule, window: Window, index: int, venue: Venue, name: str, nights: list[date]
) -> list[Event]:
    """One event per interval the engine airs on each of these nights, in exact UTC times."""
    events: list[Event] = []
    for night in nights:
        for number, (starts, ends) in enumerate(window_intervals(window, venue, night)):
            if starts >= ends:
                continue
            events.append(_exact_event(schedule, index, night, number, name, starts, ends))
    return events


def _expanded_events(
    schedule: Schedule,
    window: Window,
    index: int,
    *,
    venue: Venue,
    name: str,
    first: date,
    horizon_days: int,
) -> list[Event]:
    events: list[Event] = []
    for offset in range(horizon_days):
        night = first + timedelta(days=offset)
        if not schedule.runs_on(night):
            continue
        for number, (starts, ends) in enumerate(window_intervals(window, venue, night)):
            events.append(_exact_event(schedule, index, night, number, name, starts, ends))
    return events


def schedule_events(
    schedule: Schedule,
    *,
    timezone: str,
    name: str,
    nation: str = "england",
    opening_hours: tuple[OpeningPeriod, ...] = (),
    horizon_start: date | None = None,
    horizon_days: int = 366,
    dtstamp: datetime | None = None,
    revision: Revision | None = None,
) -> list[Event]:
    """The VEVENTs of one schedule (see the module docstring)."""
    first = horizon_start if horizon_start is not None else schedule.start_date
    if first is None:
        raise ValueError("a schedule without a start date needs horizon_start")
    if schedule.start_date is not None and first < schedule.start_date:
        first = schedule.start_date
    stamp = dtstamp or datetime(first.year, first.month, first.day, tzinfo=UTC)
    venue = Venue(id="", timezone=timezone, nation=nation, opening_hours=opening_hours)
    events: list[Event] = []
    for index, window in enumerate(schedule.windows):
        if window.is_weekly:
            weekly = _weekly_event(schedule, window, index, venue=venue, name=name, first=first)
            found = []
            if weekly is not None:
                event, irregular = weekly
                found = [event, *_night_events(schedule, window, index, venue, name, irregular)]
        else:
            found = _expanded_events(
                schedule,
                window,
                index,
                venue=venue,
                name=name,
                first=first,
                horizon_days=horizon_days,
            )
        for event in found:
            event.add("dtstamp", stamp)
            if revision is not None:
                event.add("sequence", revision.sequence)
                event.add("last-modified", revision.modified.astimezone(UTC))
        events.extend(found)
    return events


def _calendar(
    name: str,
    events: list[Event],
    *,
    timezone: str,
    first: date,
    last: date,
    feed: bool = False,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    if feed:
        # How often a subscribed client should fetch it again (RFC 7986, and Outlook's own).
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    if not events:
        calendar.add("x-wr-caldesc", NOTHING_EXPRESSED)
    # Always the zone's VTIMEZONE: the events' TZID needs it, and an empty calendar is still
    # a valid one (RFC 5545 3.6 wants a component).
    first_year, last_year = first.year - 1, last.year + 1
    calendar.add_component(vtimezone(timezone, first_year, last_year))
    for event in events:
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


def schedule_to_ical(
    schedule: Schedule,
    *,
    timezone: str,
    name: str,
    nation: str = "england",
    opening_hours: tuple[OpeningPeriod, ...] = (),
    horizon_start: date | None = None,
    horizon_days: int = 366,
    dtstamp: datetime | None = None,
    revision: Revision | None = None,
) -> bytes:
    """One schedule as an iCalendar file (bytes, CRLF lines)."""
    return organisation_feed(
        [(schedule, name)],
        timezone=timezone,
        name=name,
        nation=nation,
        opening_hours=opening_hours,
        horizon_start=horizon_start,
        horizon_days=horizon_days,
        dtstamp=dtstamp,
        revisions={schedule.id: revision} if revision is not None else {},
        feed=False,
    )


def organisation_feed(
    schedules: Iterable[tuple[Schedule, str]],
    *,
    timezone: str,
    name: str,
    nation: str = "england",
    opening_hours: tuple[OpeningPeriod, ...] = (),
    horizon_start: date | None = None,
    horizon_days: int = 366,
    dtstamp: datetime | None = None,
    revisions: Mapping[str, Revision] | None = None,
    feed: bool = True,
) -> bytes:
    """Several (schedule, name) pairs in one calendar, ordered by schedule id. A schedule
    with no start date starts at `horizon_start` (required then)."""
    events: list[Event] = []
    pairs = sorted(schedules, key=lambda pair: pair[0].id)
    firsts: list[date] = []
    lasts: list[date] = []
    for schedule, label in pairs:
        first = horizon_start if horizon_start is not None else schedule.start_date
        if first is None:
            raise ValueError("a schedule without a start date needs horizon_start")
        if schedule.start_date is not None and first < schedule.start_date:
            first = schedule.start_date
        firsts.append(first)
        lasts.append(last_night(schedule, first=first, horizon_days=horizon_days))
        events.extend(
            schedule_events(
                schedule,
                timezone=timezone,
                name=label,
                nation=nation,
                opening_hours=opening_hours,
                horizon_start=horizon_start,
                horizon_days=horizon_days,
                dtstamp=dtstamp,
                revision=(revisions or {}).get(schedule.id),
            )
        )
    # With no schedule and no horizon, the calendar's year is the stamp's (or this one).
    today = horizon_start or (dtstamp or datetime.now(UTC)).date()
    return _calendar(
        name,
        events,
        timezone=timezone,
        first=min(firsts, default=today),
        last=max(lasts, default=today),
        feed=feed,
    )
