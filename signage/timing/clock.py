"""Timezones, wall-clock resolution and bank-holiday calendars (all cached)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

NATION_SUBDIVISIONS: dict[str, str] = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; ValueError (for a 422) if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        message = f"unknown timezone {name!r}: use an IANA name such as Europe/London"
        raise ValueError(message) from exc


@lru_cache(maxsize=1 << 16)
def local_to_utc(tz_name: str, day: date, at: time) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `tz_name`.

    Contract rule 3: a nonexistent time (spring-forward gap) is read with the offset in force
    before the gap and an ambiguous one (autumn overlap) is its first occurrence. Both are what
    zoneinfo does with fold=0 (01:30 on 2027-03-28 London -> 01:30Z; 01:30 on 2026-10-25 ->
    00:30Z), which the tests pin down.
    """
    local = datetime(day.year, day.month, day.day, at.hour, at.minute, tzinfo=zone(tz_name))
    return local.astimezone(UTC)


def local_date(tz_name: str, instant: datetime) -> date:
    return instant.astimezone(zone(tz_name)).date()


def night_range(tz_name: str, start: datetime, end: datetime) -> list[date]:
    """Night dates whose windows can touch [start, end).

    A window of night D lies within [D-1 day, D+3 days) of local time: relative starts may go
    up to 23:59 before the opening, relative ends up to 23:59 after a close on D+1.
    """
    first = local_date(tz_name, start) - timedelta(days=3)
    last = local_date(tz_name, end) + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@lru_cache(maxsize=256)
def bank_holidays(nation: str, year: int) -> frozenset[date]:
    """Bank holidays of `nation` in `year`: the days themselves and their observed substitutes
    (Boxing Day 2026 is Saturday 26 Dec and its substitute Monday 28 Dec; both count)."""
    try:
        subdiv = NATION_SUBDIVISIONS[nation]
    except KeyError:
        raise ValueError(
            f"unknown nation {nation!r}: use england, wales, scotland or northern_ireland"
        ) from None
    calendar = holidays.country_holidays("GB", subdiv=subdiv, years=year)
    return frozenset(calendar.keys())


def is_bank_holiday(nation: str, day: date) -> bool:
    return day in bank_holidays(nation, day.year)
