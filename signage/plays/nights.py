"""Which night a play belongs to: the venue-local date the night started on.

The day turns at 06:00 local time, so a play at 02:00 on Saturday counts for Friday night and
one at 07:00 on Saturday for Saturday. Plays are grouped in SQL by quarter-hour of UTC (every
timezone in use today is offset from UTC by whole quarter-hours, and clocks change on the
hour), so a quarter-hour never straddles the cutoff, and only the groups are mapped to nights
here: a year of plays becomes at most some 35,000 groups per timezone, whatever the volume.
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, Integer, cast, func
from sqlalchemy.engine import Dialect

NIGHT_CUTOFF = timedelta(hours=6)
BUCKET_SECONDS = 900


def bucket_of(started_at: Any, dialect: Dialect) -> ColumnElement[Any]:
    """The quarter-hour (seconds since the epoch // 900) of a UTC timestamp column, in SQL."""
    if dialect.name == "sqlite":
        # Stored as naive UTC text; strftime('%s') reads it as UTC.
        seconds = cast(func.strftime("%s", started_at), Integer)
        return seconds / BUCKET_SECONDS  # integer division on integers
    epoch = func.extract("epoch", started_at)
    return cast(func.floor(epoch / BUCKET_SECONDS), BigInteger)


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def night_of(instant: datetime, timezone: str) -> date:
    """The night an instant belongs to in a timezone (06:00 local cutoff)."""
    local = instant.astimezone(_zone(timezone))
    return (local.replace(tzinfo=None) - NIGHT_CUTOFF).date()


def night_of_bucket(bucket: int, timezone: str) -> date:
    return night_of(datetime.fromtimestamp(int(bucket) * BUCKET_SECONDS, UTC), timezone)


def night_bounds(night: date) -> tuple[datetime, datetime]:
    """A UTC range that holds the night in every timezone (-12:00 to +14:00), generously."""
    start = datetime(night.year, night.month, night.day, tzinfo=UTC) + NIGHT_CUTOFF
    return start - timedelta(hours=15), start + timedelta(days=1, hours=13)
