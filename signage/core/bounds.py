"""Pydantic types for the instants and dates the API accepts, within its documented range.

Every request model and query parameter that takes an instant or a date uses these, so a value
near the ends of `datetime` (year 1 or 9999, where converting to a venue's local time or adding
a day overflows) is a 422 naming the range, never a server error deeper down.
"""

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

from signage.core.errors import Invalid
from signage.core.types import (
    EARLIEST_DATE,
    EARLIEST_INSTANT,
    LATEST_DATE,
    LATEST_INSTANT,
    RANGE_TEXT,
)


def _instant_in_range(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+14:00 or 9999-12-31T23:59-12:00: not even representable in UTC.
        raise ValueError(f"must be {RANGE_TEXT}") from None
    if not EARLIEST_INSTANT <= utc <= LATEST_INSTANT:
        raise ValueError(f"must be {RANGE_TEXT}")
    return utc


def _date_in_range(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be {RANGE_TEXT}")
    return value


# An RFC 3339 instant with its UTC offset (a naive one is a 422), within the range, in UTC.
Instant = Annotated[AwareDatetime, AfterValidator(_instant_in_range)]
# A calendar date within the range.
CalendarDate = Annotated[date, AfterValidator(_date_in_range)]


def check_range(start: datetime, end: datetime, *, names: tuple[str, str] = ("from", "to")) -> None:
    """A range worked out from defaults (`to` = `from` + 7 days, say) must stay in bounds too."""
    if start < EARLIEST_INSTANT:
        raise Invalid(f"{names[0]}: the range must be {RANGE_TEXT}")
    if end > LATEST_INSTANT:
        raise Invalid(f"{names[1]}: the range must be {RANGE_TEXT}")
