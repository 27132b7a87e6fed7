"""Contract "Time semantics (normative)", rules 1-5, on the real edge dates."""

from datetime import date, time, timedelta

from signage.timing import (
    bank_holidays,
    is_bank_holiday,
    local_to_utc,
    on_air_intervals,
)
from tests.timing.timing_factories import d, hours, schedule, utc, venue

LONDON = "Europe/London"


def intervals(sched, at=None, start="2026-11-20T00:00", end="2026-12-05T00:00"):  # type: ignore[no-untyped-def]
    return on_air_intervals(schedule=sched, venue=at or venue(), start=utc(start), end=utc(end))


def test_nonexistent_time_is_read_with_offset_before_gap() -> None:
    assert local_to_utc(LONDON, date(2027, 3, 28), time(1, 30)) == utc("2027-03-28T01:30")
    assert local_to_utc(LONDON, date(2026, 3, 29), time(1, 30)) == utc("2026-03-29T01:30")


def test_ambiguous_time_is_its_first_occurrence() -> None:
    assert local_to_utc(LONDON, date(2026, 10, 25), time(1, 30)) == utc("2026-10-25T00:30")
    assert local_to_utc(LONDON, date(2027, 10, 31), time(1, 30)) == utc("2027-10-31T00:30")


def test_window_times_are_venue_wall_clock() -> None:
    summer = schedule(windows=[(["fri"], "20:00", "23:00")])
    got = intervals(summer, start="2026-07-01T00:00", end="2026-07-06T00:00")
    assert got == [(utc("2026-07-03T19:00"), utc("2026-07-03T22:00"))]


def test_window_past_midnight_belongs_to_start_day() -> None:
    sched = schedule(windows=[(["fri"], "20:00", "04:00")])
    got = intervals(sched, start="2026-11-26T00:00", end="2026-11-30T00:00")
    assert got == [(utc("2026-11-27T20:00"), utc("2026-11-28T04:00"))]


def test_window_start_equal_end_is_24_hours() -> None:
    sched = schedule(windows=[(["sat"], "12:00", "12:00")])
    got = intervals(sched, start="2026-11-26T00:00", end="2026-12-03T00:00")
    assert got == [(utc("2026-11-28T12:00"), utc("2026-11-29T12:00"))]


def test_overnight_window_on_spring_forward_night_is_one_hour_shorter() -> None:
    sched = schedule(windows=[(["sat"], "20:00", "04:00")])
    got = intervals(sched, start="2026-03-27T00:00", end="2026-03-30T00:00")
    assert got == [(utc("2026-03-28T20:00"), utc("2026-03-29T03:00"))]


def test_overnight_window_on_fall_back_night_is_one_hour_longer() -> None:
    sched = schedule(windows=[(["sat"], "20:00", "04:00")])
    got = intervals(sched, start="2026-10-23T00:00", end="2026-10-27T00:00")
    assert got == [(utc("2026-10-24T19:00"), utc("2026-10-25T04:00"))]
    got = intervals(sched, start="2027-10-29T00:00", end="2027-11-02T00:00")
    assert got == [(utc("2027-10-30T19:00"), utc("2027-10-31T04:00"))]


def test_window_starting_in_spring_forward_gap_starts_before_the_gap_offset() -> None:
    sched = schedule(windows=[(["sun"], "01:30", "03:00")])
    got = intervals(sched, start="2027-03-27T00:00", end="2027-03-29T00:00")
    assert got == [(utc("2027-03-28T01:30"), utc("2027-03-28T02:00"))]


def test_window_ending_in_fall_back_overlap_ends_at_first_occurrence() -> None:
    sched = schedule(windows=[(["sat"], "22:00", "01:30")])
    got = intervals(sched, start="2026-10-23T00:00", end="2026-10-27T00:00")
    assert got == [(utc("2026-10-24T21:00"), utc("2026-10-25T00:30"))]


def test_window_emptied_by_the_gap_is_off_air() -> None:
    # 01:30 does not exist and reads as 01:30Z; 02:10 BST is 01:10Z: nothing is left.
    sched = schedule(windows=[(["sun"], "01:30", "02:10")])
    assert intervals(sched, start="2026-03-28T00:00", end="2026-03-30T00:00") == []


def test_exclude_dates_name_nights_by_start_date() -> None:
    sched = schedule(windows=[(["fri", "sat"], "20:00", "04:00")], exclude_dates=[d("2026-11-27")])
    got = intervals(sched, start="2026-11-27T00:00", end="2026-11-30T00:00")
    assert got == [(utc("2026-11-28T20:00"), utc("2026-11-29T04:00"))]


def test_end_date_is_inclusive_and_names_the_night() -> None:
    sched = schedule(windows=[(["fri", "sat"], "20:00", "04:00")], end_date=d("2026-11-27"))
    got = intervals(sched, start="2026-11-27T00:00", end="2026-12-10T00:00")
    assert got == [(utc("2026-11-27T20:00"), utc("2026-11-28T04:00"))]


def test_start_date_names_the_night() -> None:
    sched = schedule(windows=[(["fri", "sat"], "20:00", "04:00")], start_date=d("2026-11-28"))
    got = intervals(sched, start="2026-11-27T00:00", end="2026-11-30T00:00")
    assert got == [(utc("2026-11-28T20:00"), utc("2026-11-29T04:00"))]


def test_overlapping_windows_merge() -> None:
    sched = schedule(windows=[(["fri"], "20:00", "23:00"), (["fri"], "22:00", "02:00")])
    got = intervals(sched, start="2026-11-26T00:00", end="2026-11-30T00:00")
    assert got == [(utc("2026-11-27T20:00"), utc("2026-11-28T02:00"))]


def test_on_air_intervals_are_clipped_to_range() -> None:
    sched = schedule(windows=[(["fri"], "20:00", "04:00")])
    got = intervals(sched, start="2026-11-28T01:00", end="2026-11-28T02:00")
    assert got == [(utc("2026-11-28T01:00"), utc("2026-11-28T02:00"))]


# Bank holidays ----------------------------------------------------------------------------


def test_observed_bank_holidays_are_in_the_calendar() -> None:
    england = bank_holidays("england", 2026)
    assert date(2026, 12, 28) in england  # Boxing Day observed
    assert date(2026, 12, 26) in england


def test_st_andrews_day_is_a_bank_holiday_in_scotland_only() -> None:
    assert is_bank_holiday("scotland", date(2026, 11, 30))
    assert not is_bank_holiday("england", date(2026, 11, 30))


def test_bank_holiday_window_runs_in_scottish_venue_on_st_andrews_day() -> None:
    sched = schedule(windows=[(["bank_holiday"], "20:00", "23:00")])
    got = intervals(sched, at=venue(nation="scotland"))
    assert got == [(utc("2026-11-30T20:00"), utc("2026-11-30T23:00"))]


def test_bank_holiday_window_is_off_in_english_venue_on_st_andrews_day() -> None:
    sched = schedule(windows=[(["bank_holiday"], "20:00", "23:00")])
    assert intervals(sched, at=venue(nation="england")) == []


def test_bank_holiday_eve_is_sunday_before_st_andrews_day_in_scotland() -> None:
    sched = schedule(windows=[(["bank_holiday_eve"], "20:00", "02:00")])
    got = intervals(sched, at=venue(nation="scotland"))
    assert got == [(utc("2026-11-29T20:00"), utc("2026-11-30T02:00"))]
    assert intervals(sched, at=venue(nation="england")) == []


def test_boyne_and_its_observed_monday_are_bank_holidays_in_northern_ireland_only() -> None:
    sched = schedule(windows=[(["bank_holiday"], "20:00", "23:00")])
    window = {"start": "2026-07-10T00:00", "end": "2026-07-15T00:00"}
    got = intervals(sched, at=venue(nation="northern_ireland"), **window)
    assert got == [
        (utc("2026-07-12T19:00"), utc("2026-07-12T22:00")),
        (utc("2026-07-13T19:00"), utc("2026-07-13T22:00")),
    ]
    assert intervals(sched, at=venue(nation="england"), **window) == []


def test_boxing_day_observed_monday_is_a_bank_holiday_night() -> None:
    sched = schedule(windows=[(["bank_holiday"], "20:00", "23:00")])
    got = intervals(sched, start="2026-12-27T00:00", end="2026-12-30T00:00")
    assert got == [(utc("2026-12-28T20:00"), utc("2026-12-28T23:00"))]


def test_bank_holiday_eve_before_boxing_day_observed() -> None:
    sched = schedule(windows=[(["bank_holiday_eve"], "20:00", "23:00")])
    got = intervals(sched, start="2026-12-27T00:00", end="2026-12-28T12:00")
    assert got == [(utc("2026-12-27T20:00"), utc("2026-12-27T23:00"))]


def test_weekday_and_bank_holiday_selectors_combine_as_or() -> None:
    sched = schedule(windows=[(["fri", "bank_holiday"], "20:00", "23:00")])
    got = intervals(sched, start="2026-12-24T00:00", end="2026-12-30T00:00")
    starts = [s.date() for s, _ in got]
    assert starts == [d("2026-12-25"), d("2026-12-26"), d("2026-12-28")]


# Other timezones -------------------------------------------------------------------------


def test_new_york_venue_reads_windows_in_its_own_timezone() -> None:
    sched = schedule(windows=[(["fri"], "20:00", "02:00")])
    got = intervals(sched, at=venue(timezone="America/New_York"))
    assert got == [
        (utc("2026-11-21T01:00"), utc("2026-11-21T07:00")),
        (utc("2026-11-28T01:00"), utc("2026-11-28T07:00")),
    ]


def test_new_york_spring_forward_gap_uses_offset_before_gap() -> None:
    # 02:30 on 2026-03-08 does not exist in New York; EST (-05:00) applies.
    assert local_to_utc("America/New_York", date(2026, 3, 8), time(2, 30)) == utc(
        "2026-03-08T07:30"
    )


def test_dublin_venue_in_summer_is_one_hour_ahead_of_utc() -> None:
    sched = schedule(windows=[(["sat"], "21:00", "01:00")])
    got = intervals(
        sched, at=venue(timezone="Europe/Dublin"), start="2026-07-03T00:00", end="2026-07-06T00:00"
    )
    assert got == [(utc("2026-07-04T20:00"), utc("2026-07-05T00:00"))]


# Relative windows ------------------------------------------------------------------------

FRI_LATE = hours(("fri", "20:00", "03:00"))


def test_relative_window_around_close_is_ninety_minutes() -> None:
    sched = schedule(windows=[(["fri"], "close-01:00", "close+00:30")])
    got = intervals(sched, at=venue(opening_hours=FRI_LATE))
    assert got == [
        (utc("2026-11-21T02:00"), utc("2026-11-21T03:30")),
        (utc("2026-11-28T02:00"), utc("2026-11-28T03:30")),
    ]
    assert all(e - s == timedelta(minutes=90) for s, e in got)


def test_relative_window_is_off_when_venue_has_no_period_that_day() -> None:
    sched = schedule(windows=[(["sat"], "close-01:00", "close")])
    assert intervals(sched, at=venue(opening_hours=FRI_LATE)) == []


def test_relative_window_is_off_when_day_not_selected() -> None:
    sched = schedule(windows=[(["sat"], "open", "close")])
    at = venue(opening_hours=hours(("fri", "20:00", "03:00"), ("sat", "20:00", "03:00")))
    got = intervals(sched, at=at, start="2026-11-27T00:00", end="2026-11-30T00:00")
    assert got == [(utc("2026-11-28T20:00"), utc("2026-11-29T03:00"))]


def test_plain_end_after_relative_start_runs_past_midnight() -> None:
    sched = schedule(windows=[(["fri"], "open+01:00", "02:00")])
    got = intervals(
        sched, at=venue(opening_hours=FRI_LATE), start="2026-11-26T00:00", end="2026-11-30T00:00"
    )
    assert got == [(utc("2026-11-27T21:00"), utc("2026-11-28T02:00"))]


def test_plain_end_after_relative_start_past_midnight_is_read_after_the_start() -> None:
    late = venue(opening_hours=hours(("fri", "23:30", "04:00")))
    sched = schedule(windows=[(["fri"], "open+01:00", "03:00")])
    got = intervals(sched, at=late, start="2026-11-26T00:00", end="2026-11-30T00:00")
    assert got == [(utc("2026-11-28T00:30"), utc("2026-11-28T03:00"))]


def test_plain_start_with_relative_end_resolves_against_the_period() -> None:
    sched = schedule(windows=[(["fri"], "22:00", "close-00:30")])
    got = intervals(
        sched, at=venue(opening_hours=FRI_LATE), start="2026-11-26T00:00", end="2026-11-30T00:00"
    )
    assert got == [(utc("2026-11-27T22:00"), utc("2026-11-28T02:30"))]


def test_relative_end_before_plain_start_is_off() -> None:
    early = venue(opening_hours=hours(("fri", "12:00", "18:00")))
    sched = schedule(windows=[(["fri"], "20:00", "close")])
    assert intervals(sched, at=early) == []


def test_relative_offsets_are_absolute_across_spring_forward() -> None:
    # Close 03:00 BST is 02:00Z; two real hours before is 00:00Z (00:00 GMT), not 01:00.
    at = venue(opening_hours=hours(("sat", "20:00", "03:00")))
    sched = schedule(windows=[(["sat"], "close-02:00", "close")])
    got = intervals(sched, at=at, start="2026-03-27T00:00", end="2026-03-30T00:00")
    assert got == [(utc("2026-03-29T00:00"), utc("2026-03-29T02:00"))]


def test_closing_time_in_the_gap_is_read_before_the_gap() -> None:
    at = venue(opening_hours=hours(("sat", "20:00", "01:30")))
    sched = schedule(windows=[(["sat"], "close-01:00", "close")])
    got = intervals(sched, at=at, start="2027-03-26T00:00", end="2027-03-30T00:00")
    assert got == [(utc("2027-03-28T00:30"), utc("2027-03-28T01:30"))]


def test_relative_window_on_fall_back_night_uses_real_hours() -> None:
    at = venue(opening_hours=hours(("sat", "20:00", "03:00")))
    sched = schedule(windows=[(["sat"], "open", "close")])
    got = intervals(sched, at=at, start="2026-10-23T00:00", end="2026-10-27T00:00")
    assert got == [(utc("2026-10-24T19:00"), utc("2026-10-25T03:00"))]


def test_relative_window_applies_to_each_period_starting_that_day() -> None:
    at = venue(opening_hours=hours(("fri", "12:00", "15:00"), ("fri", "18:00", "01:00")))
    sched = schedule(windows=[(["fri"], "close-00:30", "close")])
    got = intervals(sched, at=at, start="2026-11-26T00:00", end="2026-11-30T00:00")
    assert got == [
        (utc("2026-11-27T14:30"), utc("2026-11-27T15:00")),
        (utc("2026-11-28T00:30"), utc("2026-11-28T01:00")),
    ]


def test_opening_period_closing_at_open_time_is_24_hours() -> None:
    at = venue(opening_hours=hours(("fri", "06:00", "06:00")))
    sched = schedule(windows=[(["fri"], "open", "close")])
    got = intervals(sched, at=at, start="2026-11-26T00:00", end="2026-11-30T00:00")
    assert got == [(utc("2026-11-27T06:00"), utc("2026-11-28T06:00"))]


def test_relative_window_on_bank_holiday_needs_an_opening_period_that_weekday() -> None:
    at = venue(nation="scotland", opening_hours=hours(("mon", "18:00", "00:00")))
    sched = schedule(windows=[(["bank_holiday"], "open", "close")])
    assert intervals(sched, at=at) == [(utc("2026-11-30T18:00"), utc("2026-12-01T00:00"))]
