"""Column types shared by every table, and the range of instants and dates the API accepts."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and always hands back aware UTC datetimes.

    SQLite keeps no offset, so without this the same column would come back naive there and
    aware on PostgreSQL, and comparisons between the two would raise.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Every instant and date the API accepts lies in this documented range (a 422 outside it):
# far enough for any campaign, and far from the ends of `datetime`, where converting an instant
# to a venue's local time or adding a day would overflow.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
EARLIEST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
RANGE_TEXT = "between 2000-01-01 and 2100-12-31"
