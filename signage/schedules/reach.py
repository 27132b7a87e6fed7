"""Reach: how many screens a schedule reaches, how long it is on air and how long it is shown.

"Shown" is on-air time in which the schedule has a playable creative (approved, valid, fitting
the screen) and no higher-priority schedule with one of its own is on air there. A schedule
with pending creatives, or always beaten, shows zero here before the weekend, not after.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from signage import timing
from signage.core.roles import OrganisationKind
from signage.creatives.models import Creative
from signage.organisations.models import Organisation
from signage.player.playlist import engine_creative, engine_schedule, engine_screen
from signage.schedules.models import Schedule
from signage.schedules.service import creative_ids_of
from signage.screens.models import Screen
from signage.venues.models import Venue

Interval = tuple[datetime, datetime]
MAX_RANGE = timedelta(days=366)


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
class _Inputs:
    schedule: timing.Schedule
    higher: list[timing.Schedule]
    creatives: dict[str, timing.Creative]


def _hours(intervals: list[Interval]) -> float:
    return sum((e - s).total_seconds() for s, e in intervals) / 3600


def _playing(segments: list[timing.Segment]) -> list[Interval]:
    return [(s.starts_at, s.ends_at) for s in segments if s.items]


def _subtract(base: list[Interval], remove: list[Interval]) -> list[Interval]:
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


def _engine_inputs(session: Session, schedule: Schedule) -> _Inputs:
    owners = {
        o.id: OrganisationKind(o.kind)
        for o in session.exec(
            select(Organisation).where(col(Organisation.kind).in_(["national", "force"]))
        )
    }
    higher_rows = list(session.exec(select(Schedule).where(Schedule.priority > schedule.priority)))
    links = creative_ids_of(session, [schedule.id, *(s.id for s in higher_rows)])
    higher = [
        engine_schedule(s, links[s.id], owners[s.organisation_id])
        for s in higher_rows
        if s.organisation_id in owners
    ]
    subject = engine_schedule(schedule, links[schedule.id], owners[schedule.organisation_id])
    wanted = {c for s in [subject, *higher] for c in s.creative_ids}
    creatives = {
        c.id: engine_creative(c)
        for c in session.exec(select(Creative).where(col(Creative.id).in_(wanted)))
    }
    return _Inputs(subject, higher, creatives)


def schedule_reach(
    session: Session, *, schedule: Schedule, start: datetime, end: datetime
) -> ReachReport:
    inputs = _engine_inputs(session, schedule)
    rows = session.exec(
        select(Screen, Venue)
        .join(Venue, col(Venue.id) == col(Screen.venue_id))
        .where(col(Screen.revoked_at).is_(None), col(Venue.deleted_at).is_(None))
        .order_by(col(Screen.id))
    )
    per_screen: list[ScreenReach] = []
    for screen, venue in rows:
        view = engine_screen(screen, venue)
        if not timing.targets(inputs.schedule.target, view):
            continue
        on_air = timing.on_air_intervals(
            schedule=inputs.schedule, venue=view.venue, start=start, end=end
        )
        playable = _playing(
            timing.build_timeline(
                screen=view,
                schedules=[inputs.schedule],
                creatives=inputs.creatives,
                start=start,
                end=end,
            )
        )
        beaten = _playing(
            timing.build_timeline(
                screen=view,
                schedules=inputs.higher,
                creatives=inputs.creatives,
                start=start,
                end=end,
            )
        )
        per_screen.append(
            ScreenReach(
                screen_id=screen.id,
                name=screen.name,
                venue_id=venue.id,
                on_air_hours=round(_hours(on_air), 2),
                shown_hours=round(_hours(_subtract(playable, beaten)), 2),
            )
        )
    return ReachReport(
        schedule_id=schedule.id,
        from_=start,
        to=end,
        screens=len(per_screen),
        on_air_hours=round(sum(s.on_air_hours for s in per_screen), 2),
        shown_hours=round(sum(s.shown_hours for s in per_screen), 2),
        per_screen=per_screen,
    )
