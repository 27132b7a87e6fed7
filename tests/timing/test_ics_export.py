"""ICS export, cross-checked against recurring_ical_events reading our own output."""

from datetime import UTC, date, datetime

import pytest
import recurring_ical_events
from icalendar import Calendar

from signage.timing import Schedule, on_air_intervals
from signage.timing.ics import organisation_feed, schedule_to_ical
from signage.timing.windows import merge_intervals
from tests.timing.timing_factories import d, hours, schedule, utc, venue

TWO_YEARS = (utc("2026-01-01T00:00"), utc("2028-01-01T00:00"))


def ics_intervals(ical: bytes, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    calendar = Calendar.from_ical(ical)
    found = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        starts = event["DTSTART"].dt.astimezone(UTC)
        ends = event["DTEND"].dt.astimezone(UTC)
        found.append((max(starts, start), min(ends, end)))
    return merge_intervals([i for i in found if i[0] < i[1]])


WEEKLY = [
    pytest.param(
        schedule(
            windows=[(["fri", "sat"], "20:00", "04:00")],
            start_date=d("2026-01-01"),
            end_date=d("2027-11-20"),
            exclude_dates=[d("2026-03-28"), d("2026-10-24"), d("2026-12-25"), d("2027-01-01")],
        ),
        id="weekend-nights-across-dst",
    ),
    pytest.param(
        schedule(
            windows=[(["mon", "wed"], "18:00", "23:00"), (["sun"], "12:00", "12:00")],
            start_date=d("2026-02-10"),
        ),
        id="several-windows-no-end",
    ),
    pytest.param(
        schedule(windows=[(["sat", "sun"], "22:00", "01:30")], start_date=d("2026-01-01")),
        id="ends-in-the-autumn-overlap",
    ),
    pytest.param(
        schedule(windows=[(["sun"], "01:30", "03:00")], start_date=d("2026-01-01")),
        id="starts-in-the-spring-gap",
    ),
]


@pytest.mark.parametrize("sched", WEEKLY)
def test_weekly_windows_match_recurring_ical_events_over_two_years(sched: Schedule) -> None:
    ical = schedule_to_ical(sched, timezone="Europe/London", name="Walk Away")
    expected = on_air_intervals(schedule=sched, venue=venue(), start=TWO_YEARS[0], end=TWO_YEARS[1])
    assert expected
    assert ics_intervals(ical, *TWO_YEARS) == expected


def test_weekly_window_in_new_york_matches_recurring_ical_events() -> None:
    sched = schedule(
        windows=[(["thu", "sat"], "21:00", "03:00")],
        start_date=d("2026-01-01"),
        end_date=d("2027-06-30"),
    )
    ny = venue(timezone="America/New_York")
    ical = schedule_to_ical(sched, timezone="America/New_York", name="NY")
    expected = on_air_intervals(schedule=sched, venue=ny, start=TWO_YEARS[0], end=TWO_YEARS[1])
    assert ics_intervals(ical, *TWO_YEARS) == expected


def test_weekly_window_is_one_vevent_with_rrule_exdate_and_vtimezone() -> None:
    sched = schedule(
        windows=[(["fri", "sat"], "20:00", "04:00")],
        start_date=d("2026-11-01"),
        end_date=d("2026-12-31"),
        exclude_dates=[d("2026-11-27")],
    )
    text = schedule_to_ical(sched, timezone="Europe/London", name="Walk Away").decode()
    assert text.count("BEGIN:VEVENT") == 1
    assert "DTSTART;TZID=Europe/London:20261106T200000" in text
    assert "DTEND;TZID=Europe/London:20261107T040000" in text
    assert "RRULE:FREQ=WEEKLY;UNTIL=20261231T200000Z;BYDAY=FR,SA" in text
    assert "EXDATE;TZID=Europe/London:20261127T200000" in text
    assert "BEGIN:VTIMEZONE" in text
    assert "TZID:Europe/London" in text


def test_ics_output_is_deterministic() -> None:
    sched = schedule(windows=[(["fri"], "20:00", "04:00")], start_date=d("2026-11-01"))
    first = schedule_to_ical(sched, timezone="Europe/London", name="x")
    assert first == schedule_to_ical(sched, timezone="Europe/London", name="x")


def test_bank_holiday_windows_are_expanded_as_single_events() -> None:
    sched = schedule(windows=[(["bank_holiday"], "20:00", "23:00")], start_date=d("2026-11-01"))
    ical = schedule_to_ical(
        sched, timezone="Europe/London", name="x", nation="scotland", horizon_days=61
    )
    got = ics_intervals(ical, utc("2026-11-01T00:00"), utc("2027-01-01T00:00"))
    assert [s.date() for s, _ in got] == [
        date(2026, 11, 30),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2026, 12, 28),
    ]


def test_relative_windows_are_expanded_with_venue_hours() -> None:
    at = venue(opening_hours=hours(("fri", "20:00", "03:00")))
    sched = schedule(windows=[(["fri"], "close-01:00", "close+00:30")], start_date=d("2026-03-01"))
    ical = schedule_to_ical(
        sched, timezone="Europe/London", name="x", opening_hours=at.opening_hours, horizon_days=366
    )
    start, end = utc("2026-03-01T00:00"), utc("2027-03-01T00:00")
    assert ics_intervals(ical, start, end) == on_air_intervals(
        schedule=sched, venue=at, start=start, end=end
    )


def test_schedule_without_start_date_needs_a_horizon() -> None:
    sched = schedule(windows=[(["fri"], "20:00", "04:00")])
    with pytest.raises(ValueError, match="horizon_start"):
        schedule_to_ical(sched, timezone="Europe/London", name="x")
    text = schedule_to_ical(
        sched, timezone="Europe/London", name="x", horizon_start=date(2026, 11, 23)
    ).decode()
    assert "DTSTART;TZID=Europe/London:20261127T200000" in text


def test_organisation_feed_combines_schedules() -> None:
    a = schedule("a", windows=[(["fri"], "20:00", "04:00")], start_date=d("2026-11-01"))
    b = schedule("b", windows=[(["sat"], "21:00", "02:00")], start_date=d("2026-11-01"))
    ical = organisation_feed([(b, "B"), (a, "A")], timezone="Europe/London", name="Met")
    calendar = Calendar.from_ical(ical)
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["A", "B"]
    assert len(calendar.walk("VTIMEZONE")) == 1
