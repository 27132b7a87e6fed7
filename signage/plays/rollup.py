"""Nightly totals per screen and creative, and the retention period of raw plays.

The rollup recomputes whole nights (delete, then insert the fresh totals, in one transaction),
so running it twice gives the same rows. It recomputes the last few nights, and every night
that received a late play since its last successful run (a screen that was offline for a week
uploads its backlog when it reconnects).

Raw plays older than the retention period are deleted only once a completed rollup has seen
them: received before the start of the last successful rollup (less a safety margin for
requests that were still committing then).
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session, col

from signage.plays import tally
from signage.plays.models import Play, PlayNightly
from signage.plays.nights import bucket_of, night_bounds, night_of, night_of_bucket
from signage.venues.models import Venue

RECENT_NIGHTS = 3
# A batch's received_at is set before its transaction commits; allow for slow commits.
COMMIT_MARGIN = timedelta(minutes=5)


def _runs(nights: list[date]) -> list[tuple[date, date]]:
    """Consecutive nights as (first, last) pairs, so a scattered set is read in a few ranges."""
    runs: list[tuple[date, date]] = []
    for night in sorted(nights):
        if runs and night - runs[-1][1] <= timedelta(days=1):
            runs[-1] = (runs[-1][0], night)
        else:
            runs.append((night, night))
    return runs


def nights_to_roll(
    session: Session, *, now: datetime, since: datetime | None, retention_days: int
) -> set[date]:
    today = night_of(now, "UTC")
    nights = {today + timedelta(days=d) for d in range(-RECENT_NIGHTS, 2)}
    bucket = bucket_of(col(Play.started_at), session.get_bind().dialect)
    late = (
        select(col(Venue.timezone), bucket)
        .select_from(Play)
        .join(Venue, col(Venue.id) == col(Play.venue_id))
        .distinct()
    )
    if since is not None:
        late = late.where(col(Play.received_at) >= since - COMMIT_MARGIN)
    for timezone, quarter in session.execute(late):
        nights.add(night_of_bucket(int(quarter), str(timezone)))
    first = first_recomputable_night(now, retention_days)
    return {n for n in nights if n >= first}


def first_recomputable_night(now: datetime, retention_days: int) -> date:
    """The oldest night a late play may still arrive for (plays older than the retention period
    are refused), so the oldest the rollup recomputes."""
    return (now - timedelta(days=retention_days)).date() - timedelta(days=1)


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """Plays that started before this are deleted: the retention period, extended back to a
    point before the first recomputable night begins in any timezone, so a night is never
    recomputed after part of it was deleted."""
    night = first_recomputable_night(now, retention_days)
    start, _ = night_bounds(night)
    return start


def _totals(session: Session, first: date, last: date) -> dict[tuple[Any, ...], list[Any]]:
    """[plays, ms, a creative name] per (night, screen, creative, venue, owner, campaign)."""
    start, _ = night_bounds(first)
    _, end = night_bounds(last)
    bucket = bucket_of(col(Play.started_at), session.get_bind().dialect)
    keys = (
        col(Play.screen_id),
        col(Play.creative_id),
        col(Play.venue_id),
        col(Play.organisation_id),
        col(Play.campaign_id),
    )
    query = (
        select(
            col(Venue.timezone),
            bucket,
            *keys,
            func.count(),
            func.sum(col(Play.duration_ms)),
            func.max(col(Play.creative_name)),
        )
        .select_from(Play)
        .join(Venue, col(Venue.id) == col(Play.venue_id))
        .where(col(Play.started_at) >= start, col(Play.started_at) < end)
        .group_by(col(Venue.timezone), bucket, *keys)
    )
    totals: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, 0, ""])
    for timezone, quarter, *key, count, total, name in session.execute(query):
        night = night_of_bucket(int(quarter), str(timezone))
        if first <= night <= last:
            entry = totals[(night, *key)]
            entry[0] += int(count)
            entry[1] += int(total or 0)
            entry[2] = max(entry[2], str(name))
    return totals


def roll_up(session: Session, *, nights: set[date]) -> int:
    """Recompute the totals of these nights (per screen, and per venue for reports); returns
    how many per-screen rows they now have."""
    table = PlayNightly.__table__  # type: ignore[attr-defined]
    tally.hold_for_rollup(session)
    rows = 0
    for first, last in _runs(list(nights)):
        wanted = {n for n in nights if first <= n <= last}
        totals = _totals(session, first, last)
        session.execute(delete(table).where(table.c.night.in_(wanted)))
        values = [
            {
                "night": night,
                "screen_id": screen_id,
                "creative_id": creative_id,
                "venue_id": venue_id,
                "organisation_id": organisation_id,
                "campaign_id": campaign_id,
                "plays": plays,
                "duration_ms": ms,
            }
            for (night, screen_id, creative_id, venue_id, organisation_id, campaign_id), (
                plays,
                ms,
                _name,
            ) in totals.items()
            if night in wanted
        ]
        if values:
            session.execute(insert(table), values)
        tally.recompute(session, nights=wanted, totals=totals)
        rows += len(values)
    return rows


def apply_retention(
    session: Session, *, now: datetime, retention_days: int, rolled_up_at: datetime | None
) -> int:
    """Delete raw plays older than the retention period that a finished rollup has counted."""
    if rolled_up_at is None:
        return 0  # nothing is known to be rolled up yet: keep everything
    result = session.execute(
        delete(Play).where(
            col(Play.started_at) < retention_cutoff(now, retention_days),
            col(Play.received_at) < rolled_up_at - COMMIT_MARGIN,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
