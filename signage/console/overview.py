"""The figures of the "Tonight" page, for the caller's area.

- Screens online, offline and never seen: counted in SQL over the screens the caller may see
  (the tenancy rule of signage.screens), with the status rule of ``screens.service.to_public``,
  including what screens reported in the last few seconds and is not written yet.
- Creatives waiting for approval: counted in SQL over the creatives the caller may see.
- Schedules on air tonight: each schedule the caller may see (the schedules' tenancy rule, as
  ``schedules.service.list_for`` applies it), through the engine (``timing.on_air_intervals``)
  from now until 06:00, at the venues of the caller's area that have a screen it targets
  (``timing.targets``). A schedule's windows read
  only the venue's timezone, and its nation or opening hours when they use bank holidays or
  opening times, so each is computed once per distinct value of those, not once per venue.

As with reach and calendars, the rows are read in one short session (`load_tonight`) and the
engine runs on plain data with no session open (`plan_night`). A night's plan is kept until
the playlist inputs change (`NightPlans`), so most requests only apply "now" to it.
"""

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from signage import timing
from signage.campaigns.models import CAMPAIGN_ORGANISATION_KINDS
from signage.console.kept import Kept
from signage.core.tenancy import Caller, visible
from signage.creatives import approval
from signage.schedules.models import Schedule
from signage.schedules.timing_inputs import (
    load_creatives,
    schedule_rows,
    screen_tags,
    tags_of,
    timing_schedules,
    timing_screen,
    timing_venue_row,
    venue_columns,
)
from signage.screens.models import Screen
from signage.screens.seen import SeenBuffer
from signage.timing.windows import merge_intervals
from signage.venues.models import Venue

Interval = tuple[datetime, datetime]
# Intervals an area keeps (schedule calendars times places times nights) before starting again.
_KEPT_INTERVALS = 50_000
NIGHT_ENDS = time(6, 0)
_BANK_HOLIDAY_DAYS = frozenset({timing.BANK_HOLIDAY, timing.BANK_HOLIDAY_EVE})


def night_end(now: datetime, zone: tzinfo) -> datetime:
    """The next 06:00 on the console's clock: "tonight" runs until then."""
    local = now.astimezone(zone)
    day = local.date() if local.time() < NIGHT_ENDS else local.date() + timedelta(days=1)
    return datetime.combine(day, NIGHT_ENDS, tzinfo=zone)


# --- screens and approvals --------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenCounts:
    online: int
    offline: int
    never_seen: int

    @property
    def total(self) -> int:
        return self.online + self.offline + self.never_seen


def screen_counts(
    session: Session, *, caller: Caller, now: datetime, offline_after: timedelta, seen: SeenBuffer
) -> ScreenCounts:
    scoped = visible(caller, Screen)
    last_seen = col(Screen.last_seen_at)
    cutoff = now - offline_after
    total, online, never = session.execute(
        select_columns(
            func.count(),
            func.count(case((last_seen >= cutoff, 1))),
            func.count(case((last_seen.is_(None), 1))),
        ).where(scoped)
    ).one()
    if not len(seen):
        return ScreenCounts(online=online, offline=total - online - never, never_seen=never)
    # Screens not online by the table may have reported since its last write (within seconds).
    for screen_id, seen_at in session.execute(
        select_columns(col(Screen.id), last_seen).where(
            scoped, last_seen.is_(None) | (last_seen < cutoff)
        )
    ):
        reported = seen.latest(screen_id)
        if reported is not None and now - reported.at <= offline_after:
            online += 1
            never -= seen_at is None
    return ScreenCounts(online=online, offline=total - online - never, never_seen=never)


def waiting_for_approval(session: Session, *, caller: Caller) -> int | None:
    """Creatives pending approval that the caller may see; None for partners (no campaigns)."""
    if caller.organisation_kind not in CAMPAIGN_ORGANISATION_KINDS:
        return None
    return approval.pending_count(session, caller=caller)


# --- schedules on air tonight -----------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    schedules: tuple[tuple[timing.Schedule, str], ...]  # (schedule, its name)
    creatives: dict[str, timing.Creative]


def load_programme(session: Session, *, caller: Caller) -> Programme:
    """The caller's schedules and their creatives, as the engine's values. Rows are read as
    plain columns (timing_inputs' converters read attributes only): building thousands of ORM
    objects would cost more than the engine does."""
    rows = schedule_rows(session, visible(caller, Schedule))
    if not rows:
        return Programme((), {})
    names = {s.id: s.name for s in rows}
    converted = timing_schedules(session, rows)
    wanted = {c for s in converted for c in s.creative_ids}
    creatives = load_creatives(session, wanted).creatives
    return Programme(tuple((s, names[s.id]) for s in converted), creatives)


def load_screens(session: Session, *, caller: Caller) -> tuple[timing.Screen, ...]:
    """The caller's live screens, each with its venue, as the engine's values."""
    screen_rows = session.execute(
        select_columns(
            col(Screen.id), col(Screen.venue_id), col(Screen.orientation), screen_tags()
        ).where(visible(caller, Screen))
    ).all()
    venue_ids = {row[1] for row in screen_rows}
    venue_rows = session.execute(venue_columns().where(visible(caller, Venue))).all()
    venues = {v[0]: timing_venue_row(v) for v in venue_rows if v[0] in venue_ids}
    return tuple(
        timing_screen(sid, venues[venue_id], orientation, tags_of(tags))
        for sid, venue_id, orientation, tags in screen_rows
        if venue_id in venues
    )


@dataclass(frozen=True)
class TonightRow:
    schedule_id: str
    name: str
    intervals: tuple[Interval, ...]
    on_air_now: bool
    playable: bool  # has a creative approved and valid tonight


Place = tuple[str, str, tuple[timing.OpeningPeriod, ...]]


class Area:
    """The caller's screens grouped for quick targeting (by venue, and venues by place), and
    what has been worked out from them: kept while the estate is unchanged
    (`signage.core.versioning.Part.estate`), so a schedule's edit costs only that schedule.

    Everything kept is a pure function of the screens and of its own key (a target; a
    schedule's calendar, a place and a night), so it is never stale for an unchanged estate.
    """

    def __init__(self, screens: Iterable[timing.Screen]) -> None:
        self.by_venue: dict[str, list[timing.Screen]] = defaultdict(list)
        for screen in screens:
            self.by_venue[screen.venue.id].append(screen)
        self._grouped: dict[tuple[bool, bool], dict[Place, list[list[timing.Screen]]]] = {}
        self._targeted: dict[tuple[timing.Target, bool, bool], dict[Place, timing.Venue]] = {}
        self._intervals: dict[tuple[object, ...], list[Interval]] = {}
        self._merged: dict[tuple[object, ...], tuple[Interval, ...]] = {}
        self._lock = threading.Lock()  # requests in threads share an area

    @staticmethod
    def place(venue: timing.Venue, reads_nation: bool, reads_hours: bool) -> Place:
        return (
            venue.timezone,
            venue.nation if reads_nation else "",
            venue.opening_hours if reads_hours else (),
        )

    def _venues_by_place(self, reads: tuple[bool, bool]) -> dict[Place, list[list[timing.Screen]]]:
        """Each venue's screens, grouped by the place the schedules reading `reads` see."""
        found = self._grouped.get(reads)
        if found is None:
            found = defaultdict(list)
            for screens in self.by_venue.values():
                found[self.place(screens[0].venue, *reads)].append(screens)
            self._grouped[reads] = found
        return found

    def places(self, target: timing.Target, reads: tuple[bool, bool]) -> dict[Place, timing.Venue]:
        """One venue for each distinct place where the target reaches a screen: a place is
        settled by its first venue with a targeted screen, so a wide target costs one check
        per place and a narrow one skips other venues before looking at their screens."""
        key = (target, *reads)
        found = self._targeted.get(key)
        if found is None:
            found = {}
            for place, venues in self._venues_by_place(reads).items():
                for screens in venues:
                    if _venue_may_match(target, screens[0].venue) and any(
                        timing.targets(target, s) for s in screens
                    ):
                        found[place] = screens[0].venue
                        break
            self._targeted[key] = found
        return found

    def intervals(
        self, schedule: timing.Schedule, reads: tuple[bool, bool], night: Interval
    ) -> tuple[Interval, ...]:
        """The schedule's on-air intervals in the night anywhere in the area, merged. They
        depend only on its target, windows and dates and on the places, so schedules that share
        those (most share a few common nights) are computed once, and the next plan (after an
        edit elsewhere) finds them here."""
        calendar = (
            schedule.windows,
            schedule.start_date,
            schedule.end_date,
            schedule.exclude_dates,
        )
        key = (schedule.target, reads, *calendar, night)
        merged = self._merged.get(key)
        if merged is not None:
            return merged
        found: list[Interval] = []
        for place, venue in self.places(schedule.target, reads).items():
            at_place = (*calendar, place, night)
            intervals = self._intervals.get(at_place)
            if intervals is None:
                intervals = timing.on_air_intervals(
                    schedule=schedule, venue=venue, start=night[0], end=night[1]
                )
                self._keep(self._intervals, at_place, intervals)
            found.extend(intervals)
        merged = tuple(merge_intervals(found))
        self._keep(self._merged, key, merged)
        return merged

    def _keep(
        self, kept: dict[tuple[object, ...], Any], key: tuple[object, ...], value: Any
    ) -> None:
        with self._lock:
            if len(kept) >= _KEPT_INTERVALS:
                kept.clear()  # a few nights' worth: start again
            kept[key] = value


def _venue_may_match(target: timing.Target, venue: timing.Venue) -> bool:
    """The target's venue-level keys (`timing.targets` checks them all, per screen)."""
    return (
        (not target.venue_ids or venue.id in target.venue_ids)
        and (not target.venue_kinds or venue.kind in target.venue_kinds)
        and (not target.force_ids or venue.force_id in target.force_ids)
    )


@dataclass(frozen=True)
class NightPlan:
    """Each schedule's on-air intervals over a whole night, before "now" is applied."""

    rows: tuple[tuple[timing.Schedule, str, tuple[Interval, ...]], ...]
    creatives: dict[str, timing.Creative]


def plan_night(programme: Programme, area: Area, *, start: datetime, end: datetime) -> NightPlan:
    """Every schedule on air at some time in [start, end) somewhere in the area. Pure: no
    session (`Area.intervals` keeps what it works out)."""
    rows: list[tuple[timing.Schedule, str, tuple[Interval, ...]]] = []
    for schedule, name in programme.schedules:
        reads = (
            any(w.days & _BANK_HOLIDAY_DAYS for w in schedule.windows),
            any(w.is_relative for w in schedule.windows),
        )
        merged = area.intervals(schedule, reads, (start, end))
        if merged:
            rows.append((schedule, name, merged))
    return NightPlan(tuple(rows), programme.creatives)


def _playable(
    schedule: timing.Schedule, creatives: dict[str, timing.Creative], start: datetime, end: datetime
) -> bool:
    for creative_id in schedule.creative_ids:
        creative = creatives.get(creative_id)
        if creative is None or not creative.approved:
            continue
        if creative.valid_from is not None and creative.valid_from >= end:
            continue
        if creative.valid_until is not None and creative.valid_until <= start:
            continue
        return True
    return False


def tonight_rows(plan: NightPlan, *, now: datetime, until: datetime) -> list[TonightRow]:
    """The plan from ``now`` on: on air now first (ending soonest first), then by start."""
    rows: list[TonightRow] = []
    for schedule, name, intervals in plan.rows:
        remaining = tuple((max(s, now), e) for s, e in intervals if e > now and s < until)
        if not remaining:
            continue
        rows.append(
            TonightRow(
                schedule_id=schedule.id,
                name=name,
                intervals=remaining,
                on_air_now=remaining[0][0] <= now,
                playable=_playable(schedule, plan.creatives, now, until),
            )
        )
    rows.sort(key=lambda r: (not r.on_air_now, r.intervals[0][1 if r.on_air_now else 0], r.name))
    return rows


def night_plans() -> Kept[NightPlan]:
    """Plans per (area, version of the playlist inputs, night): one serves every request
    until 06:00, or until an edit."""
    return Kept(64)


def areas() -> Kept[Area]:
    """Areas per (area, version of the estate). An area holds every screen the caller sees:
    a few, for the busiest areas."""
    return Kept(8)


def area_key(caller: Caller) -> tuple[object, ...]:
    """What the tenancy rules of schedules, venues and screens read of a caller."""
    return (caller.organisation_id, caller.organisation_kind, caller.role)
