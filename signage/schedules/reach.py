"""Reach: how many screens a schedule reaches, how long it is on air and how long it is shown.

"Shown" is on-air time in which the schedule has a playable creative (approved, valid, fitting
the screen) and no higher-priority schedule with one of its own is on air there. A schedule
with pending creatives, or always beaten, shows zero here before the weekend, not after.

The report is computed in two steps so that no transaction stays open while it computes:
`load_inputs` reads the rows in one short session and turns them into the engine's plain data;
`compute_reach` then works on that data alone. The figures of a screen depend only on its
venue's clock and hours (timezone, nation, opening hours), its orientation and which of the
higher schedules target it, so each is computed once per distinct value of those and shared:
a fleet of thousands of screens in a few venue configurations costs a few computations.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from signage import timing
from signage.core.roles import OrganisationKind
from signage.schedules.models import Schedule
from signage.schedules.service import creative_ids_of
from signage.schedules.timing_inputs import (
    load_creatives,
    load_screens,
    owner_kinds,
    timing_schedule,
    timing_schedules,
)
from signage.timing.model import Orientation
from signage.timing.windows import merge_intervals

Interval = tuple[datetime, datetime]

# The longest range one report may span. Its cost grows with the days times the distinct
# screen configurations (venue hours, orientation, the schedules that compete): about 0.1 s
# per configuration-month with a few hundred schedules (tests/benchmarks/bench_reach.py),
# so a quarter keeps even a fleet of all-different venues to seconds, not minutes.
MAX_RANGE = timedelta(days=92)
MAX_RANGE_TEXT = "92 days"

# What a screen's figures depend on besides the schedules: its venue's clock and hours.
Place = tuple[str, str, tuple[timing.OpeningPeriod, ...]]


class ScreenReach(BaseModel):
    screen_id: str
    name: str
    venue_id: str
    on_air_hours: float
    shown_hours: float


class ReachReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schedule_id: str
    from_: datetime = Field(serialization_alias="from")
    to: datetime
    screens: int
    on_air_hours: float
    shown_hours: float
    per_screen: list[ScreenReach]


@dataclass(frozen=True)
class ReachScreen:
    id: str
    name: str
    venue_id: str
    engine: timing.Screen


@dataclass(frozen=True)
class ReachInputs:
    """Everything a report is computed from, as plain data (no session, no rows)."""

    schedule_id: str
    subject: timing.Schedule
    higher: tuple[timing.Schedule, ...]  # every schedule of a higher priority
    creatives: Mapping[str, timing.Creative]
    screens: tuple[ReachScreen, ...]  # live screens, by id


def load_inputs(
    session: Session, *, schedule: Schedule, creative_ids: list[str] | None = None
) -> ReachInputs:
    """Read what the report needs (signage.schedules.timing_inputs, as the poll reads it): a
    handful of queries, whatever the size of the fleet.

    ``schedule`` may be a draft not yet saved (the console's form shows a schedule's reach
    before it is saved): then ``creative_ids`` are its creatives, and its saved version, if
    any, is not one of the schedules that compete with it."""
    higher_rows = list(
        session.exec(
            select(Schedule).where(
                Schedule.priority > schedule.priority, Schedule.id != schedule.id
            )
        )
    )
    higher = tuple(timing_schedules(session, higher_rows))
    if creative_ids is None:
        creative_ids = creative_ids_of(session, [schedule.id])[schedule.id]
    owner = owner_kinds(session).get(schedule.organisation_id)
    # An owner that may no longer own schedules: it reaches no screen, as the poll has it.
    subject = timing_schedule(
        schedule, creative_ids if owner else [], owner or OrganisationKind.force
    )
    wanted = {c for s in [subject, *higher] for c in s.creative_ids}
    creatives = load_creatives(session, wanted).creatives
    screens = [ReachScreen(s.id, s.name, s.venue_id, s.timing) for s in load_screens(session)]
    return ReachInputs(schedule.id, subject, higher, creatives, tuple(screens))


def _hours(intervals: list[Interval]) -> float:
    return sum((e - s).total_seconds() for s, e in intervals) / 3600


def _playing(segments: list[timing.Segment]) -> list[Interval]:
    return [(s.starts_at, s.ends_at) for s in segments if s.items]


def _subtract(base: list[Interval], remove: list[Interval]) -> list[Interval]:
    """`base` less `remove` (sorted by start)."""
    result: list[Interval] = []
    for start, end in base:
        cursor = start
        for r_start, r_end in remove:
            if r_end <= cursor or r_start >= end:
                continue
            if r_start > cursor:
                result.append((cursor, r_start))
            cursor = max(cursor, r_end)
        if cursor < end:
            result.append((cursor, end))
    return result


_BANK_HOLIDAY_DAYS = frozenset({timing.BANK_HOLIDAY, timing.BANK_HOLIDAY_EVE})


class _Figures:
    """The report's figures for one request, each computed once per distinct input.

    Each schedule's part is keyed by only what it reads: the venue's timezone always, its
    nation only for bank-holiday days, its opening hours only for relative windows, and of
    the screen only which of its creatives fit. A screen is beaten wherever some higher
    schedule that targets it plays (is on air with a creative that is approved, valid then and
    fits), so the time it is beaten is the union of those schedules' playing times.
    """

    def __init__(self, inputs: ReachInputs, start: datetime, end: datetime) -> None:
        self._inputs = inputs
        self._start = start
        self._end = end
        self._reads: dict[str, tuple[bool, bool]] = {}
        self._fitting: dict[tuple[str, Orientation | None], tuple[str, ...]] = {}
        self._on_air: dict[Place, float] = {}
        self._playing: dict[tuple[str, Place, tuple[str, ...]], list[Interval]] = {}
        self._shown: dict[tuple[Place, Orientation | None, tuple[str, ...]], float] = {}

    def _scope(self, schedule: timing.Schedule, venue: timing.Venue) -> Place:
        """The parts of the venue's place that the schedule's windows read."""
        reads = self._reads.get(schedule.id)
        if reads is None:
            reads = self._reads[schedule.id] = (
                any(w.days & _BANK_HOLIDAY_DAYS for w in schedule.windows),
                any(w.is_relative for w in schedule.windows),
            )
        return (
            venue.timezone,
            venue.nation if reads[0] else "",
            venue.opening_hours if reads[1] else (),
        )

    def _fits(self, schedule: timing.Schedule, screen: timing.Screen) -> tuple[str, ...]:
        key = (schedule.id, screen.orientation)
        found = self._fitting.get(key)
        if found is None:
            eligible = timing.eligible_creatives(schedule, self._inputs.creatives, screen)
            found = self._fitting[key] = tuple(c.id for c in eligible)
        return found

    def playing(self, schedule: timing.Schedule, screen: timing.Screen) -> list[Interval]:
        """When `schedule` plays on `screen` (which it targets), ignoring other schedules."""
        fitting = self._fits(schedule, screen)
        if not fitting:
            return []
        key = (schedule.id, self._scope(schedule, screen.venue), fitting)
        found = self._playing.get(key)
        if found is None:
            segments = timing.build_timeline(
                screen=screen,
                schedules=[schedule],
                creatives=self._inputs.creatives,
                start=self._start,
                end=self._end,
            )
            found = self._playing[key] = _playing(segments)
        return found

    def on_air_hours(self, screen: timing.Screen) -> float:
        subject = self._inputs.subject
        key = self._scope(subject, screen.venue)
        found = self._on_air.get(key)
        if found is None:
            on_air = timing.on_air_intervals(
                schedule=subject, venue=screen.venue, start=self._start, end=self._end
            )
            found = self._on_air[key] = round(_hours(on_air), 2)
        return found

    def shown_hours(
        self, place: Place, screen: timing.Screen, higher: Iterable[timing.Schedule]
    ) -> float:
        competing = tuple(higher)
        key = (place, screen.orientation, tuple(s.id for s in competing))
        found = self._shown.get(key)
        if found is None:
            beaten: list[Interval] = []
            for schedule in competing:
                beaten.extend(self.playing(schedule, screen))
            playable = self.playing(self._inputs.subject, screen)
            shown = _subtract(playable, merge_intervals(beaten))
            found = self._shown[key] = round(_hours(shown), 2)
        return found


def compute_reach(inputs: ReachInputs, *, start: datetime, end: datetime) -> ReachReport:
    """The report from plain data: pure, no session (run it in a worker thread)."""
    figures = _Figures(inputs, start, end)
    index = timing.ScheduleIndex(inputs.higher)
    per_screen: list[ScreenReach] = []
    for screen in inputs.screens:
        view = screen.engine
        if not timing.targets(inputs.subject.target, view):
            continue
        venue = view.venue
        place = (venue.timezone, venue.nation, venue.opening_hours)
        per_screen.append(
            ScreenReach(
                screen_id=screen.id,
                name=screen.name,
                venue_id=screen.venue_id,
                on_air_hours=figures.on_air_hours(view),
                shown_hours=figures.shown_hours(place, view, index.for_screen(view)),
            )
        )
    return ReachReport(
        schedule_id=inputs.schedule_id,
        from_=start,
        to=end,
        screens=len(per_screen),
        on_air_hours=round(sum(s.on_air_hours for s in per_screen), 2),
        shown_hours=round(sum(s.shown_hours for s in per_screen), 2),
        per_screen=per_screen,
    )
