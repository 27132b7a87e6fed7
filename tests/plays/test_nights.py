"""Which night a play belongs to, and the retention boundary the rollup respects."""

from datetime import UTC, date, datetime, timedelta

import pytest

from signage.plays.nights import BUCKET_SECONDS, night_bounds, night_of, night_of_bucket
from signage.plays.rollup import first_recomputable_night, retention_cutoff


@pytest.mark.parametrize(
    ("instant", "timezone", "night"),
    [
        (datetime(2026, 11, 28, 2, 0, tzinfo=UTC), "Europe/London", date(2026, 11, 27)),
        (datetime(2026, 11, 28, 5, 59, tzinfo=UTC), "Europe/London", date(2026, 11, 27)),
        (datetime(2026, 11, 28, 6, 0, tzinfo=UTC), "Europe/London", date(2026, 11, 28)),
        # 05:30Z in July is 06:30 BST: the next day already.
        (datetime(2026, 7, 11, 5, 30, tzinfo=UTC), "Europe/London", date(2026, 7, 11)),
        (datetime(2026, 7, 11, 4, 59, tzinfo=UTC), "Europe/London", date(2026, 7, 10)),
        # The clocks go back at 02:00 BST on 25 Oct 2026; 05:30 GMT is still the Saturday night.
        (datetime(2026, 10, 25, 5, 30, tzinfo=UTC), "Europe/London", date(2026, 10, 24)),
        (datetime(2026, 11, 27, 16, 0, tzinfo=UTC), "Pacific/Kiritimati", date(2026, 11, 28)),
    ],
)
def test_night_of(instant: datetime, timezone: str, night: date) -> None:
    assert night_of(instant, timezone) == night


def test_a_quarter_hour_bucket_is_one_night() -> None:
    start = datetime(2026, 11, 28, 5, 45, tzinfo=UTC)
    bucket = int(start.timestamp()) // BUCKET_SECONDS
    assert night_of_bucket(bucket, "Europe/London") == date(2026, 11, 27)
    assert night_of_bucket(bucket + 1, "Europe/London") == date(2026, 11, 28)


@pytest.mark.parametrize("timezone", ["Pacific/Kiritimati", "Europe/London", "Etc/GMT+12"])
def test_night_bounds_hold_the_night_everywhere(timezone: str) -> None:
    start, end = night_bounds(date(2026, 11, 27))
    assert night_of(start, timezone) < date(2026, 11, 27) < night_of(end, timezone)


def test_retention_never_reaches_a_night_the_rollup_may_recompute() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    first = first_recomputable_night(now, 400)
    oldest_accepted_play = now - timedelta(days=400)
    for timezone in ("Pacific/Kiritimati", "Europe/London", "Etc/GMT+12"):
        assert night_of(oldest_accepted_play, timezone) >= first
        assert night_of(retention_cutoff(now, 400), timezone) < first
