from datetime import time, timedelta

import pytest

from signage.timing import (
    FixedTime,
    RelativeTime,
    parse_days,
    parse_hhmm,
    parse_window,
    parse_window_time,
    shape_from_size,
)


def test_parse_hhmm_reads_24_hour_time() -> None:
    assert parse_hhmm("20:05") == time(20, 5)
    assert parse_hhmm("00:00") == time(0, 0)
    assert parse_hhmm("23:59") == time(23, 59)


@pytest.mark.parametrize(
    "text", ["24:00", "7:00", "20:60", "", "20:00:00", "2000", " 20:00", "ab:cd"]
)
def test_parse_hhmm_rejects_malformed_or_out_of_range(text: str) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_hhmm(text)


def test_parse_window_time_fixed() -> None:
    assert parse_window_time("04:00") == FixedTime(time(4, 0))


@pytest.mark.parametrize(
    ("text", "anchor", "offset"),
    [
        ("open", "open", timedelta(0)),
        ("close", "close", timedelta(0)),
        ("open+01:30", "open", timedelta(hours=1, minutes=30)),
        ("open-00:15", "open", timedelta(minutes=-15)),
        ("close+00:30", "close", timedelta(minutes=30)),
        ("close-01:00", "close", timedelta(hours=-1)),
    ],
)
def test_parse_window_time_relative(text: str, anchor: str, offset: timedelta) -> None:
    assert parse_window_time(text) == RelativeTime(anchor, offset)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "close-1:00",
        "close-24:00",
        "close+",
        "opening",
        "open+00:60",
        "CLOSE",
        "close -01:00",
        "24:00",
    ],
)
def test_parse_window_time_rejects_bad_input_with_message(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S") as info:
        parse_window_time(text)
    assert text in str(info.value) or "24:00" in text


@pytest.mark.parametrize(
    "text", ["20:00", "open", "close", "open+01:30", "close-01:00", "close+00:30"]
)
def test_window_time_renders_back_to_contract_string(text: str) -> None:
    assert str(parse_window_time(text)) == text


def test_parse_days_accepts_weekdays_and_bank_holiday_selectors() -> None:
    days = parse_days(["fri", "sat", "bank_holiday_eve", "bank_holiday"])
    assert days == frozenset({"fri", "sat", "bank_holiday_eve", "bank_holiday"})


@pytest.mark.parametrize("days", [["friday"], [], "fri", ["Fri"]])
def test_parse_days_rejects_unknown_or_empty(days: list[str]) -> None:
    with pytest.raises(ValueError, match=r"day"):
        parse_days(days)


def test_parse_window_builds_window() -> None:
    window = parse_window(["fri"], "20:00", "close-01:00")
    assert window.is_relative
    assert not window.is_weekly


def test_shape_from_size() -> None:
    assert shape_from_size(1920, 1080) == "landscape"
    assert shape_from_size(1080, 1920) == "portrait"
    assert shape_from_size(1080, 1080) == "square"
    assert shape_from_size(1000, 1040) == "square"
    with pytest.raises(ValueError, match="positive"):
        shape_from_size(0, 10)
