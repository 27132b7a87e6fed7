"""Parsers for the contract's time strings. Errors are ValueError with a message for people."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time, timedelta

from signage.timing.model import (
    DAY_SELECTORS,
    WEEKDAYS,
    Anchor,
    FixedTime,
    OpeningPeriod,
    RelativeTime,
    Window,
    WindowTime,
)

_HHMM = re.compile(r"(\d\d):(\d\d)")
_RELATIVE = re.compile(r"(open|close)(?:([+-])(.*))?")


def parse_hhmm(text: str) -> time:
    """Parse a 24-hour "HH:MM" between 00:00 and 23:59 ("24:00" is not accepted)."""
    if not isinstance(text, str):
        raise ValueError('a time must be a string like "20:00"')
    match = _HHMM.fullmatch(text)
    if match is None:
        raise ValueError(f'"{text}" is not a time: use 24-hour "HH:MM", e.g. "20:00"')
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValueError(f'"{text}" is not a time of day: use "00:00" to "23:59"')
    return time(hours, minutes)


def parse_window_time(text: str) -> WindowTime:
    """Parse "HH:MM", "open", "close", or "open"/"close" followed by "+HH:MM" or "-HH:MM"."""
    if not isinstance(text, str):
        raise ValueError('a window time must be a string like "20:00" or "close-01:00"')
    relative = _RELATIVE.fullmatch(text)
    if relative is None:
        if _HHMM.fullmatch(text) is None:
            raise ValueError(
                f'"{text}" is not a window time: use "HH:MM", "open", "close", '
                'or an offset such as "open+01:00" or "close-00:30"'
            )
        return FixedTime(parse_hhmm(text))
    anchor_text, sign, offset_text = relative.groups()
    anchor: Anchor = "open" if anchor_text == "open" else "close"
    if sign is None:
        return RelativeTime(anchor, timedelta(0))
    if _HHMM.fullmatch(offset_text) is None:
        raise ValueError(f'"{text}": the offset after "{anchor}{sign}" must be "HH:MM"')
    hours, minutes = int(offset_text[:2]), int(offset_text[3:])
    if hours > 23 or minutes > 59:
        raise ValueError(f'"{text}": the offset must be between 00:00 and 23:59')
    offset = timedelta(hours=hours, minutes=minutes)
    return RelativeTime(anchor, -offset if sign == "-" else offset)


def parse_days(days: Iterable[str]) -> frozenset[str]:
    """Validate day selectors: weekdays "mon".."sun", "bank_holiday", "bank_holiday_eve"."""
    if isinstance(days, str):
        raise ValueError('days must be a list, e.g. ["fri", "sat"]')
    result = frozenset(days)
    unknown = sorted(d for d in result if d not in DAY_SELECTORS)
    if unknown:
        raise ValueError(
            f"unknown day {unknown[0]!r}: use {', '.join(WEEKDAYS)}, bank_holiday, bank_holiday_eve"
        )
    if not result:
        raise ValueError("a window needs at least one day")
    return result


def parse_window(days: Iterable[str], start: str, end: str) -> Window:
    """Build a Window from its contract form, e.g. (["fri"], "20:00", "close-01:00")."""
    return Window(parse_days(days), parse_window_time(start), parse_window_time(end))


def parse_opening_period(day: str, open_: str, close: str) -> OpeningPeriod:
    if day not in WEEKDAYS:
        raise ValueError(f"unknown day {day!r}: use {', '.join(WEEKDAYS)}")
    return OpeningPeriod(day, parse_hhmm(open_), parse_hhmm(close))
