"""A screen's timeline: contiguous segments, each with the loop that plays in it (rule 6)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from signage.timing.clock import night_range
from signage.timing.loop import build_loop
from signage.timing.model import Creative, Item, Schedule, Screen, Segment, Window, fits
from signage.timing.targeting import targets
from signage.timing.windows import (
    Interval,
    NightlyIntervals,
    nightly_intervals,
    schedule_intervals,
    span_intervals,
)


@dataclass(frozen=True, slots=True)
class _Entry:
    schedule: Schedule
    creatives: tuple[Creative, ...]  # approved, fitting, positive duration, in order
    static_items: tuple[Item, ...] | None  # set when no creative has validity bounds
    intervals: list[Interval]

    def items_at(self, t: datetime) -> tuple[Item, ...]:
        if self.static_items is not None:
            return self.static_items
        return tuple(Item(c.id, c.duration_ms) for c in self.creatives if c.valid_at(t))


def eligible_creatives(
    schedule: Schedule, creatives: Mapping[str, Creative], screen: Screen
) -> tuple[Creative, ...]:
    """The schedule's creatives that could ever play on the screen, in the given order:
    known, approved, fitting its orientation and of positive duration (validity aside)."""
    result: list[Creative] = []
    for creative_id in schedule.creative_ids:
        creative = creatives.get(creative_id)
        if (
            creative is not None
            and creative.approved
            and creative.duration_ms > 0
            and fits(creative.shape, screen.orientation)
        ):
            result.append(creative)
    return tuple(result)


def _entries(
    screen: Screen,
    schedules: Iterable[Schedule],
    creatives: Mapping[str, Creative],
    start: datetime,
    end: datetime,
) -> list[_Entry]:
    entries: list[_Entry] = []
    nights = night_range(screen.venue.timezone, start, end)
    # Schedules often share their windows: resolve each distinct set once per call.
    by_windows: dict[tuple[Window, ...], NightlyIntervals] = {}
    for schedule in sorted(schedules, key=lambda s: s.id):
        if not targets(schedule.target, screen):
            continue
        if schedule.spans:
            intervals = span_intervals(schedule.spans, start, end)
            eligible = eligible_creatives(schedule, creatives, screen)
            if intervals and eligible:
                entries.append(_entry(schedule, eligible, intervals))
            continue
        if not schedule.windows:
            continue
        nightly = by_windows.get(schedule.windows)
        if nightly is None:
            nightly = nightly_intervals(schedule.windows, screen.venue, nights, start, end)
            by_windows[schedule.windows] = nightly
        if not nightly.merged:
            continue
        intervals = schedule_intervals(schedule, nightly)
        if not intervals:
            continue
        eligible = eligible_creatives(schedule, creatives, screen)
        if not eligible:
            continue
        entries.append(_entry(schedule, eligible, intervals))
    return entries


def _entry(schedule: Schedule, eligible: tuple[Creative, ...], intervals: list[Interval]) -> _Entry:
    static = True
    for c in eligible:
        if c.valid_from is not None or c.valid_until is not None:
            static = False
            break
    items = tuple([Item(c.id, c.duration_ms) for c in eligible]) if static else None
    return _Entry(schedule, eligible, items, intervals)


def build_timeline(
    *,
    screen: Screen,
    schedules: Iterable[Schedule],
    creatives: Mapping[str, Creative],
    start: datetime,
    end: datetime,
) -> list[Segment]:
    """Segments covering [start, end) exactly, in order, in UTC.

    Boundaries fall wherever the playlist can change (window starts and ends, creative
    validity starts and ends); adjacent segments with the same loop are merged, so every
    boundary returned is a real change. A segment with no items means nothing is on air.
    Schedules not targeting the screen are ignored, so a ScheduleIndex's candidates or all
    schedules may be passed.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        raise ValueError("end must be after start")
    entries = _entries(screen, schedules, creatives, start, end)

    instants = {start, end}
    events: list[tuple[datetime, bool, int]] = []  # (when, starts, entry index)
    for index, entry in enumerate(entries):
        for starts, ends in entry.intervals:
            events.append((starts, True, index))
            events.append((ends, False, index))
            instants.add(starts)
            instants.add(ends)
        if entry.static_items is None:
            for creative in entry.creatives:
                for bound in (creative.valid_from, creative.valid_until):
                    if bound is not None and start < bound < end:
                        instants.add(bound.astimezone(UTC))
    events.sort()  # ends (False) before starts (True) at the same instant
    ordered = sorted(instants)

    active: dict[int, set[int]] = {}  # priority -> active entry indexes
    cursor = 0
    starts_at: list[datetime] = []
    loops: list[tuple[Item, ...]] = []
    previous: tuple[object, ...] | None = None
    for t in ordered[:-1]:
        while cursor < len(events) and events[cursor][0] <= t:
            _, begins, index = events[cursor]
            priority = entries[index].schedule.priority
            if begins:
                active.setdefault(priority, set()).add(index)
            else:
                bucket = active[priority]
                bucket.discard(index)
                if not bucket:
                    del active[priority]
            cursor += 1
        group = _group_at(t, entries, active)
        # Same schedules with the same items as before: the loop cannot have changed.
        signature = tuple(group)
        if signature == previous:
            continue
        previous = signature
        loop = build_loop(
            tuple((entries[i].schedule.id, entries[i].schedule.weight, items) for i, items in group)
        )
        if loops and loops[-1] == loop:
            continue
        starts_at.append(t)
        loops.append(loop)
    ends_at = [*starts_at[1:], end]
    return [Segment(s, e, items) for s, e, items in zip(starts_at, ends_at, loops, strict=True)]


def _group_at(
    t: datetime, entries: list[_Entry], active: dict[int, set[int]]
) -> list[tuple[int, tuple[Item, ...]]]:
    """The top-priority entries with items valid at t, with those items, by schedule id."""
    for priority in sorted(active, reverse=True):
        group: list[tuple[int, tuple[Item, ...]]] = []
        for index in sorted(active[priority]):
            items = entries[index].items_at(t)
            if items:
                group.append((index, items))
        if group:
            return group
    return []


def playlist_at(
    *,
    screen: Screen,
    schedules: Iterable[Schedule],
    creatives: Mapping[str, Creative],
    at: datetime,
) -> tuple[Item, ...]:
    """The loop playing on the screen at instant `at`."""
    at = at.astimezone(UTC)
    segments = build_timeline(
        screen=screen,
        schedules=schedules,
        creatives=creatives,
        start=at,
        end=at + timedelta(microseconds=1),
    )
    return segments[0].items
