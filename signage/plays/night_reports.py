"""Proof-of-play totals for whole nights, from the nightly totals (`signage.plays.tally`)
rather than raw plays, so a report costs the same whatever the number of plays or screens.

A night is the venue's own (the day turning at 06:00 local time), so "the nights of 27 to 29
November" are, in every venue, the plays from 06:00 local time on the 27th to 06:00 on the
30th. Every grouping comes from one statement, grouped by night, creative, kind of venue and
force, and is summed here. Kinds, forces and owners are the venues' when their plays were
counted (`PlayTally`), where `signage.plays.reports` reads raw plays with the venues' current
ones; they differ only for a venue that changed since.
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from signage.core.errors import Invalid
from signage.core.tenancy import Caller, visible
from signage.core.types import EARLIEST_DATE, LATEST_DATE, RANGE_TEXT
from signage.creatives.models import Creative
from signage.organisations.models import Organisation
from signage.plays.models import PlayReport, PlayTally, ReportRow, ReportTotals
from signage.plays.reports import GroupBy

NIGHT_GROUPINGS = (GroupBy.night, GroupBy.creative, GroupBy.venue_kind, GroupBy.force)
MAX_NIGHTS = 366
DEFAULT_NIGHTS = 7


def _within(**nights: date | None) -> None:
    for name, night in nights.items():
        if night is not None and not EARLIEST_DATE <= night <= LATEST_DATE:
            raise Invalid(f"{name}: the range must be {RANGE_TEXT}")


def night_range(first: date | None, last: date | None, *, today: date) -> tuple[date, date]:
    """The nights asked for, first to last inclusive, with their defaults (the 7 nights ending
    with `today`), checked."""
    # Checked before the defaults are worked out from them (a far date would overflow), then
    # the defaults too.
    _within(first=first, last=last)
    span = timedelta(days=DEFAULT_NIGHTS - 1)
    last = last or (first + span if first is not None else today)
    first = first or last - span
    _within(first=first, last=last)
    if last < first:
        raise Invalid("last: must not be before first")
    if (last - first).days >= MAX_NIGHTS:
        raise Invalid(f"last: the range may span at most {MAX_NIGHTS} nights")
    return first, last


_T = PlayTally


def _names(session: Session, model: Any, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    found = session.execute(select(col(model.id), col(model.name)).where(col(model.id).in_(ids)))
    return {str(key): str(name) for key, name in found}


def _rows(
    totals: Mapping[str, list[int]], labels: Mapping[str, str], *, by_key: bool = False
) -> list[ReportRow]:
    rows = [
        ReportRow(key=key, label=labels.get(key, key), plays=plays, seconds=round(ms / 1000, 3))
        for key, (plays, ms) in totals.items()
    ]
    if by_key:
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.plays, r.label, r.key))
    return rows


def night_reports(
    session: Session,
    *,
    caller: Caller,
    first: date,
    last: date,
    start: datetime,
    end: datetime,
) -> dict[GroupBy, PlayReport]:
    """The plays of the nights first to last, inclusive, per night, creative, kind of venue and
    force. `start` and `end` are what the reports say they cover (`from` and `to`)."""
    query = (
        select(
            col(_T.night),
            col(_T.creative_id),
            col(_T.venue_kind),
            col(_T.force_id),
            func.max(col(_T.creative_name)),
            func.sum(col(_T.plays)),
            func.sum(col(_T.duration_ms)),
        )
        .where(visible(caller, _T), col(_T.night) >= first, col(_T.night) <= last)
        .group_by(col(_T.night), col(_T.creative_id), col(_T.venue_kind), col(_T.force_id))
    )
    sums: dict[GroupBy, dict[str, list[int]]] = {
        g: defaultdict(lambda: [0, 0]) for g in NIGHT_GROUPINGS
    }
    played_as: dict[str, str] = {}
    for night, creative_id, kind, force_id, name, plays, ms in session.execute(query):
        played_as[str(creative_id)] = str(name)
        for group_by, key in (
            (GroupBy.night, night.isoformat()),
            (GroupBy.creative, str(creative_id)),
            (GroupBy.venue_kind, str(kind)),
            (GroupBy.force, str(force_id)),
        ):
            entry = sums[group_by][key]
            entry[0] += int(plays)
            entry[1] += int(ms or 0)
    creatives = played_as | _names(session, Creative, set(played_as))
    forces = _names(session, Organisation, set(sums[GroupBy.force]))
    rows = {
        GroupBy.night: _rows(sums[GroupBy.night], {}, by_key=True),
        GroupBy.creative: _rows(sums[GroupBy.creative], creatives),
        GroupBy.venue_kind: _rows(sums[GroupBy.venue_kind], {}),
        GroupBy.force: _rows(sums[GroupBy.force], forces),
    }
    return {
        group_by: PlayReport(
            group_by=group_by.value,
            from_=start,
            to=end,
            rows=found,
            totals=ReportTotals(
                plays=sum(r.plays for r in found),
                seconds=round(sum(r.seconds for r in found), 3),
            ),
        )
        for group_by, found in rows.items()
    }
