"""Small builders for the schedule engine's inputs (kept beside the timing tests)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from signage.timing import (
    Creative,
    OpeningPeriod,
    Schedule,
    Screen,
    Target,
    Venue,
    parse_hhmm,
    parse_window,
)


def utc(text: str) -> datetime:
    """ "2026-11-27T20:00" -> aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def d(text: str) -> date:
    return date.fromisoformat(text)


def hours(*periods: tuple[str, str, str]) -> tuple[OpeningPeriod, ...]:
    return tuple(OpeningPeriod(day, parse_hhmm(o), parse_hhmm(c)) for day, o, c in periods)


def venue(
    *,
    id: str = "v1",
    timezone: str = "Europe/London",
    nation: str = "england",
    kind: str = "pub",
    force_id: str = "f1",
    opening_hours: tuple[OpeningPeriod, ...] = (),
) -> Venue:
    return Venue(
        id=id,
        timezone=timezone,
        nation=nation,
        kind=kind,
        force_id=force_id,
        opening_hours=opening_hours,
    )


def screen(
    *,
    id: str = "sc1",
    at: Venue | None = None,
    orientation: str | None = None,
    tags: Iterable[str] = (),
) -> Screen:
    return Screen(
        id=id,
        venue=at or venue(),
        orientation=orientation,  # type: ignore[arg-type]
        tags=frozenset(tags),
    )


def window(days: Iterable[str], start: str, end: str):  # type: ignore[no-untyped-def]
    return parse_window(list(days), start, end)


def schedule(
    id: str = "s1",
    *,
    creatives: Iterable[str] = ("c1",),
    windows: Iterable[tuple[Iterable[str], str, str]] = (
        (("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "00:00", "00:00"),
    ),
    priority: int = 50,
    weight: int = 1,
    target: Target | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    exclude_dates: Iterable[date] = (),
) -> Schedule:
    return Schedule(
        id=id,
        creative_ids=tuple(creatives),
        priority=priority,
        weight=weight,
        target=target or Target(),
        windows=tuple(window(*w) for w in windows),
        start_date=start_date,
        end_date=end_date,
        exclude_dates=frozenset(exclude_dates),
    )


def creative(
    id: str = "c1",
    *,
    duration_ms: int = 10_000,
    shape: str = "landscape",
    approved: bool = True,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> Creative:
    return Creative(
        id=id,
        duration_ms=duration_ms,
        shape=shape,  # type: ignore[arg-type]
        approved=approved,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def catalogue(*items: Creative) -> dict[str, Creative]:
    return {c.id: c for c in items}
