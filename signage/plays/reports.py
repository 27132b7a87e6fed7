"""Proof-of-play totals: plays and on-screen seconds per creative, venue, kind, force or night,
over the plays the caller may see (see the tenancy rule in `signage.plays.models`)."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col

from signage.core.bounds import check_range
from signage.core.errors import Invalid
from signage.core.tenancy import Caller, visible
from signage.creatives.models import Creative
from signage.organisations.models import Organisation
from signage.plays.models import Play, PlayReport, ReportRow, ReportTotals
from signage.plays.nights import bucket_of, night_of_bucket
from signage.venues.models import Venue

MAX_RANGE = timedelta(days=366)
DEFAULT_RANGE = timedelta(days=7)


class GroupBy(StrEnum):
    creative = "creative"
    venue = "venue"
    venue_kind = "venue_kind"
    force = "force"
    night = "night"


def report_range(
    start: datetime | None, end: datetime | None, *, now: datetime
) -> tuple[datetime, datetime]:
    """`from` and `to` in UTC with their defaults (the 7 days up to now), checked.

    Both are already within the API's range (`signage.core.bounds.Instant`), so the defaults
    cannot overflow; a default that would reach outside the range is refused like a value."""
    start = start.astimezone(UTC) if start is not None else None
    end = end.astimezone(UTC) if end is not None else None
    end = end or (start + DEFAULT_RANGE if start is not None else now)
    start = start or end - DEFAULT_RANGE
    if end <= start:
        raise Invalid("to: must be after from")
    if end - start > MAX_RANGE:
        raise Invalid("to: the range may span at most 366 days")
    check_range(start, end)
    return start, end


def in_range(caller: Caller, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """Plays the caller may see that started in [start, end)."""
    return [
        visible(caller, Play),
        col(Play.started_at) >= start,
        col(Play.started_at) < end,
    ]


_FORCES = Organisation.__table__.alias("forces")  # type: ignore[attr-defined]
_PLAYS = func.count()
_MS = func.coalesce(func.sum(col(Play.duration_ms)), 0)


def _grouped(group_by: GroupBy) -> Any:
    """(key, label, plays, ms) rows for every grouping but nights."""
    if group_by is GroupBy.creative:
        name = func.coalesce(func.max(col(Creative.name)), func.max(col(Play.creative_name)))
        return (
            select(col(Play.creative_id), name, _PLAYS, _MS)
            .select_from(Play)
            .outerjoin(Creative, col(Creative.id) == col(Play.creative_id))
            .group_by(col(Play.creative_id))
        )
    key: Any
    label: Any
    if group_by is GroupBy.venue:
        key, label = col(Venue.id), col(Venue.name)
    elif group_by is GroupBy.venue_kind:
        key, label = col(Venue.kind), col(Venue.kind)
    else:
        key, label = col(Venue.force_id), _FORCES.c.name
    query = (
        select(key, label, _PLAYS, _MS)
        .select_from(Play)
        .join(Venue, col(Venue.id) == col(Play.venue_id))
        .group_by(key, label)
    )
    if group_by is GroupBy.force:
        query = query.join(_FORCES, _FORCES.c.id == col(Venue.force_id))
    return query


def _seconds(ms: int) -> float:
    return round(ms / 1000, 3)


def _night_rows(session: Session, conditions: list[ColumnElement[bool]]) -> list[ReportRow]:
    bucket = bucket_of(col(Play.started_at), session.get_bind().dialect)
    query = (
        select(col(Venue.timezone), bucket, _PLAYS, _MS)
        .select_from(Play)
        .join(Venue, col(Venue.id) == col(Play.venue_id))
        .where(*conditions)
        .group_by(col(Venue.timezone), bucket)
    )
    plays: dict[str, int] = defaultdict(int)
    ms: dict[str, int] = defaultdict(int)
    for timezone, quarter, count, total in session.execute(query):
        night = night_of_bucket(int(quarter), str(timezone)).isoformat()
        plays[night] += int(count)
        ms[night] += int(total)
    return [
        ReportRow(key=night, label=night, plays=plays[night], seconds=_seconds(ms[night]))
        for night in sorted(plays)
    ]


def play_report(
    session: Session, *, caller: Caller, group_by: GroupBy, start: datetime, end: datetime
) -> PlayReport:
    conditions = in_range(caller, start, end)
    if group_by is GroupBy.night:
        rows = _night_rows(session, conditions)
    else:
        found = session.execute(_grouped(group_by).where(*conditions))
        rows = [
            ReportRow(
                key=str(key), label=str(label), plays=int(count), seconds=_seconds(int(total))
            )
            for key, label, count, total in found
        ]
        rows.sort(key=lambda r: (-r.plays, r.label, r.key))
    totals = ReportTotals(
        plays=sum(r.plays for r in rows), seconds=round(sum(r.seconds for r in rows), 3)
    )
    return PlayReport(group_by=group_by.value, from_=start, to=end, rows=rows, totals=totals)
