"""Resolving a schedule's windows into UTC intervals (contract "Time semantics", rules 1-5).

Choices where the contract leaves room, all pinned by tests:

* Relative times: the opening period's open and close are first resolved to UTC instants
  (each as wall-clock time by rule 3, the close on the next date when it is at or before the
  open), then the signed offset is added in absolute time. So "close-01:00" is always exactly
  one real hour before closing, even across a DST change, and never lands "in a gap".
* A plain HH:MM end after a relative start is the first occurrence of that wall-clock time
  after the start's own local date and time: on the start's local date if it is later than
  the start's time of day, else on the next date (rule 2; equal times give 24 h). A plain
  HH:MM start with a relative end is read on the night's date.
* Several opening periods starting on the night's date: a relative window applies once per
  period, each resolved against its own period.
* A window whose resolved end is not after its start (a start inside the spring-forward gap
  read before the gap, an end after it, or a relative end before a fixed start) is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from signage.timing.clock import is_bank_holiday, local_to_utc, night_range, zone
from signage.timing.model import (
    BANK_HOLIDAY,
    BANK_HOLIDAY_EVE,
    WEEKDAYS,
    FixedTime,
    OpeningPeriod,
    RelativeTime,
    Schedule,
    Venue,
    Window,
)

Interval = tuple[datetime, datetime]
_DAY = timedelta(days=1)


def night_matches(days: frozenset[str], nation: str, night: date) -> bool:
    """Whether a window's day selectors select the night starting on `night`."""
    if WEEKDAYS[night.weekday()] in days:
        return True
    if BANK_HOLIDAY in days and is_bank_holiday(nation, night):
        return True
    return BANK_HOLIDAY_EVE in days and is_bank_holiday(nation, night + _DAY)


@lru_cache(maxsize=1 << 16)
def fixed_interval(tz_name: str, night: date, start: time, end: time) -> Interval | None:
    """The UTC interval of a fixed "start-end" window on `night` (rule 2: past midnight when
    end <= start, 24 h when equal), or None when DST makes it empty."""
    starts = local_to_utc(tz_name, night, start)
    ends = local_to_utc(tz_name, night + _DAY if end <= start else night, end)
    return (starts, ends) if ends > starts else None


@lru_cache(maxsize=1 << 14)
def period_instants(tz_name: str, night: date, period: OpeningPeriod) -> Interval:
    """UTC open and close of an opening period starting on `night`."""
    opens = local_to_utc(tz_name, night, period.open)
    closes_on = night + _DAY if period.close <= period.open else night
    return opens, local_to_utc(tz_name, closes_on, period.close)


def _relative_instant(anchor: RelativeTime, period: Interval) -> datetime:
    base = period[0] if anchor.anchor == "open" else period[1]
    return base + anchor.offset


def _end_after(tz_name: str, starts: datetime, end: time) -> datetime:
    """First occurrence of wall-clock `end` after the (relative) start, by rule 2."""
    local = starts.astimezone(zone(tz_name))
    start_tod = time(local.hour, local.minute, local.second, local.microsecond)
    day = local.date() + _DAY if end <= start_tod else local.date()
    return local_to_utc(tz_name, day, end)


def window_intervals(window: Window, venue: Venue, night: date) -> list[Interval]:
    """UTC intervals of `window` for the night starting on `night` (ignores schedule dates)."""
    if not night_matches(window.days, venue.nation, night):
        return []
    tz_name = venue.timezone
    start, end = window.start, window.end
    if isinstance(start, FixedTime) and isinstance(end, FixedTime):
        interval = fixed_interval(tz_name, night, start.at, end.at)
        return [] if interval is None else [interval]
    weekday = WEEKDAYS[night.weekday()]
    result: list[Interval] = []
    for period in venue.opening_hours:
        if period.day != weekday:
            continue
        instants = period_instants(tz_name, night, period)
        if isinstance(start, RelativeTime):
            starts = _relative_instant(start, instants)
        else:
            starts = local_to_utc(tz_name, night, start.at)
        if isinstance(end, RelativeTime):
            ends = _relative_instant(end, instants)
        else:
            ends = _end_after(tz_name, starts, end.at)
        if ends > starts:
            result.append((starts, ends))
    return result


def merge_intervals(intervals: list[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals (into a new list)."""
    merged: list[Interval] = []
    for starts, ends in sorted(intervals):
        if merged and starts <= merged[-1][1]:
            if ends > merged[-1][1]:
                merged[-1] = (merged[-1][0], ends)
        else:
            merged.append((starts, ends))
    return merged


@dataclass(frozen=True, slots=True)
class NightlyIntervals:
    """Intervals of a set of windows, night by night, clipped to a range; `merged` is the
    union over all nights (what a schedule with no date restrictions gets)."""

    nights: list[tuple[date, list[Interval]]]
    merged: list[Interval]


def nightly_intervals(
    windows: tuple[Window, ...], venue: Venue, nights: list[date], start: datetime, end: datetime
) -> NightlyIntervals:
    by_night: list[tuple[date, list[Interval]]] = []
    every: list[Interval] = []
    for night in nights:
        found: list[Interval] = []
        for window in windows:
            for starts, ends in window_intervals(window, venue, night):
                if ends > start and starts < end:
                    found.append((max(starts, start), min(ends, end)))
        if found:
            by_night.append((night, found))
            every.extend(found)
    return NightlyIntervals(by_night, merge_intervals(every) if len(every) > 1 else every)


def schedule_intervals(schedule: Schedule, nightly: NightlyIntervals) -> list[Interval]:
    """The merged intervals of the nights the schedule runs on (shared lists: do not mutate)."""
    if not (schedule.start_date or schedule.end_date or schedule.exclude_dates):
        return nightly.merged
    runs = [schedule.runs_on(night) for night, _ in nightly.nights]
    if all(runs):
        return nightly.merged
    found: list[Interval] = []
    for (_, intervals), on in zip(nightly.nights, runs, strict=True):
        if on:
            found.extend(intervals)
    return merge_intervals(found) if len(found) > 1 else found


def span_intervals(
    spans: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[Interval]:
    """Absolute spans (a takeover's) clipped to [start, end), merged and sorted, in UTC."""
    clipped = [
        (max(s.astimezone(UTC), start), min(e.astimezone(UTC), end))
        for s, e in spans
        if s < end and e > start
    ]
    clipped = [(s, e) for s, e in clipped if s < e]
    return merge_intervals(clipped) if len(clipped) > 1 else clipped


def on_air_intervals(
    *, schedule: Schedule, venue: Venue, start: datetime, end: datetime
) -> list[Interval]:
    """Merged, sorted UTC intervals within [start, end) in which the schedule's windows are
    on air at `venue` (windows and dates only; creatives and targeting are not considered)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return []
    if schedule.spans:
        return span_intervals(schedule.spans, start, end)
    if not schedule.windows:
        return []
    nights = night_range(venue.timezone, start, end)
    nightly = nightly_intervals(schedule.windows, venue, nights, start, end)
    return list(schedule_intervals(schedule, nightly))
