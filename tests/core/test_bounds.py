"""The range every instant and date the API accepts lies in (2000-01-01 to 2100-12-31)."""

from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from signage.core.bounds import CalendarDate, Instant, check_range
from signage.core.errors import Invalid

INSTANT = TypeAdapter(Instant)
CALENDAR_DATE = TypeAdapter(CalendarDate)

# Sent text -> the instant it is, in UTC: the ends of the range, given in several offsets.
INSTANTS_IN_RANGE = {
    "2000-01-01T00:00:00Z": datetime(2000, 1, 1, tzinfo=UTC),
    "2000-01-01T01:00:00+01:00": datetime(2000, 1, 1, tzinfo=UTC),
    "1999-12-31T23:00:00-01:00": datetime(2000, 1, 1, tzinfo=UTC),
    "2100-12-31T23:59:59.999999Z": datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    "2101-01-01T00:59:59+01:00": datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC),
    "2026-11-28T22:00:00+00:00": datetime(2026, 11, 28, 22, tzinfo=UTC),
}
INSTANTS_OUT_OF_RANGE = [
    "1999-12-31T23:59:59.999999Z",
    "2000-01-01T00:59:59+01:00",  # 23:59:59 UTC the day before
    "2101-01-01T00:00:00Z",
    "2100-12-31T23:00:00-01:00",  # midnight UTC on 1 January 2101
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC: not even a datetime there
    "9999-12-27T00:00:00Z",
    "9999-12-31T23:59:59-12:00",  # after year 9999 in UTC
]


@pytest.mark.parametrize(("sent", "expected"), INSTANTS_IN_RANGE.items())
def test_instant_at_the_bounds_is_taken_in_utc(sent: str, expected: datetime) -> None:
    parsed = INSTANT.validate_python(sent)
    assert parsed == expected
    assert parsed.utcoffset() is not None
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("sent", INSTANTS_OUT_OF_RANGE)
def test_instant_outside_the_bounds_is_refused_naming_the_range(sent: str) -> None:
    with pytest.raises(ValidationError, match="between 2000-01-01 and 2100-12-31"):
        INSTANT.validate_python(sent)


@pytest.mark.parametrize("sent", ["2026-11-28T22:00:00", "2026-11-28 22:00", "2026-11-28"])
def test_instant_without_an_offset_is_refused(sent: str) -> None:
    with pytest.raises(ValidationError):
        INSTANT.validate_python(sent)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [("2000-01-01", date(2000, 1, 1)), ("2100-12-31", date(2100, 12, 31))],
)
def test_date_at_the_bounds_is_taken(sent: str, expected: date) -> None:
    assert CALENDAR_DATE.validate_python(sent) == expected


@pytest.mark.parametrize("sent", ["1999-12-31", "2101-01-01", "0001-01-01", "9999-12-31"])
def test_date_outside_the_bounds_is_refused_naming_the_range(sent: str) -> None:
    with pytest.raises(ValidationError, match="between 2000-01-01 and 2100-12-31"):
        CALENDAR_DATE.validate_python(sent)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(1999, 12, 25, tzinfo=UTC), datetime(2000, 1, 1, tzinfo=UTC)),
        (datetime(2100, 12, 31, tzinfo=UTC), datetime(2101, 1, 7, tzinfo=UTC)),
    ],
)
def test_range_worked_out_past_the_bounds_is_refused(start: datetime, end: datetime) -> None:
    with pytest.raises(Invalid, match="between 2000-01-01 and 2100-12-31"):
        check_range(start, end)
