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
* The calendar carries VTIMEZONE definitions (icalendar's add_missing_timezones). DTSTAMP
  is `dtstamp` or, by default, midnight UTC of the first night, so the output is a pure
  function of the input.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event

from signage.timing.clock import local_to_utc, zone
from signage.timing.model import WEEKDAYS, FixedTime, OpeningPeriod, Schedule, Venue, Window
from signage.timing.windows import window_intervals

_BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
_DAY = timedelta(days=1)
PRODID = "-//signage//schedule engine//EN"


def _local(tz_name: str, night: date, at: time) -> datetime:
    return datetime(night.year, night.month, night.day, at.hour, at.minute, tzinfo=zone(tz_name))


def _weekly_event(
    schedule: Schedule, window: Window, index: int, *, tz_name: str, name: str, first: date
) -> Event | None:
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
    if schedule.end_date is not None:
        rule["until"] = local_to_utc(tz_name, schedule.end_date, start)
    event.add("rrule", rule)
    excluded = sorted(
        d
        for d in schedule.exclude_dates
        if d >= night
        and WEEKDAYS[d.weekday()] in window.days
        and (schedule.end_date is None or d <= schedule.end_date)
    )
    for d in excluded:
        event.add("exdate", _local(tz_name, d, start))
    return event


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
            event = Event()
            event.add("uid", f"{schedule.id}-w{index}-{night.isoformat()}-{number}@signage")
            event.add("summary", name)
            event.add("dtstart", starts)
            event.add("dtend", ends)
            events.append(event)
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
            weekly = _weekly_event(
                schedule, window, index, tz_name=timezone, name=name, first=first
            )
            found = [] if weekly is None else [weekly]
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
        events.extend(found)
    return events


def _calendar(name: str, events: Iterable[Event], first: date | None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event)
    # Transitions from the year before the first night on; icalendar's default ends in 2038.
    since = date(first.year - 1, 1, 1) if first is not None else date(1970, 1, 1)
    calendar.add_missing_timezones(first_date=since)
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
) -> bytes:
    """One schedule as an iCalendar file (bytes, CRLF lines)."""
    events = schedule_events(
        schedule,
        timezone=timezone,
        name=name,
        nation=nation,
        opening_hours=opening_hours,
        horizon_start=horizon_start,
        horizon_days=horizon_days,
        dtstamp=dtstamp,
    )
    return _calendar(name, events, horizon_start or schedule.start_date)


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
) -> bytes:
    """Several (schedule, name) pairs in one calendar, ordered by schedule id. A schedule
    with no start date starts at `horizon_start` (required then)."""
    events: list[Event] = []
    pairs = sorted(schedules, key=lambda pair: pair[0].id)
    starts = [d for d in (horizon_start, *(s.start_date for s, _ in pairs)) if d is not None]
    for schedule, label in pairs:
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
            )
        )
    return _calendar(name, events, min(starts, default=None))
