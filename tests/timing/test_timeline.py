"""build_timeline: segments, priorities, eligibility and validity (contract rule 6)."""

from datetime import timedelta

import pytest

from signage.timing import Item, ScheduleIndex, Segment, Target, build_timeline, playlist_at
from tests.timing.timing_factories import catalogue, creative, hours, schedule, screen, utc, venue

FRIDAY_NIGHT = [(["fri"], "20:00", "04:00")]
START, END = utc("2026-11-27T12:00"), utc("2026-11-28T12:00")


def timeline(schedules, creatives, at=None, start=START, end=END):  # type: ignore[no-untyped-def]
    return build_timeline(
        screen=at or screen(), schedules=schedules, creatives=creatives, start=start, end=end
    )


def ids(segment: Segment) -> list[str]:
    return [i.creative_id for i in segment.items]


def test_nothing_on_air_is_one_empty_segment() -> None:
    assert timeline([], {}) == [Segment(START, END, ())]


def test_segments_cover_window_and_gaps() -> None:
    got = timeline([schedule(windows=FRIDAY_NIGHT)], catalogue(creative("c1")))
    assert got == [
        Segment(START, utc("2026-11-27T20:00"), ()),
        Segment(utc("2026-11-27T20:00"), utc("2026-11-28T04:00"), (Item("c1", 10_000),)),
        Segment(utc("2026-11-28T04:00"), END, ()),
    ]


def test_timeline_starts_inside_a_segment() -> None:
    got = timeline(
        [schedule(windows=FRIDAY_NIGHT)], catalogue(creative("c1")), start=utc("2026-11-27T22:13")
    )
    assert got[0].starts_at == utc("2026-11-27T22:13")
    assert ids(got[0]) == ["c1"]


def test_higher_priority_overrides_lower_while_on_air() -> None:
    low = schedule("low", creatives=["c1"], windows=FRIDAY_NIGHT, priority=10)
    high = schedule("high", creatives=["c2"], windows=[(["fri"], "22:00", "23:00")], priority=90)
    got = timeline([low, high], catalogue(creative("c1"), creative("c2")))
    assert [(s.starts_at, ids(s)) for s in got] == [
        (START, []),
        (utc("2026-11-27T20:00"), ["c1"]),
        (utc("2026-11-27T22:00"), ["c2"]),
        (utc("2026-11-27T23:00"), ["c1"]),
        (utc("2026-11-28T04:00"), []),
    ]


def test_equal_priority_schedules_share_the_loop() -> None:
    a = schedule("a", creatives=["c1"], windows=FRIDAY_NIGHT)
    b = schedule("b", creatives=["c2"], windows=FRIDAY_NIGHT, weight=2)
    got = timeline([a, b], catalogue(creative("c1"), creative("c2")))
    assert ids(got[1]) == ["c2", "c1", "c2"]


def test_unapproved_creatives_are_ignored() -> None:
    sched = schedule(creatives=["c1", "c2"], windows=FRIDAY_NIGHT)
    got = timeline([sched], catalogue(creative("c1", approved=False), creative("c2")))
    assert ids(got[1]) == ["c2"]


def test_unknown_creative_ids_are_ignored() -> None:
    sched = schedule(creatives=["gone", "c2"], windows=FRIDAY_NIGHT)
    assert ids(timeline([sched], catalogue(creative("c2")))[1]) == ["c2"]


def test_schedule_without_eligible_creatives_does_not_block_lower_priority() -> None:
    high = schedule("high", creatives=["c2"], windows=FRIDAY_NIGHT, priority=90)
    low = schedule("low", creatives=["c1"], windows=FRIDAY_NIGHT, priority=10)
    got = timeline([high, low], catalogue(creative("c1"), creative("c2", approved=False)))
    assert ids(got[1]) == ["c1"]


@pytest.mark.parametrize(
    ("orientation", "expected"),
    [
        ("landscape", ["land", "square"]),
        ("portrait", ["port", "square"]),
        (None, ["land", "port", "square"]),
    ],
)
def test_creatives_fit_screen_orientation(orientation: str | None, expected: list[str]) -> None:
    sched = schedule(creatives=["land", "port", "square"], windows=FRIDAY_NIGHT)
    creatives = catalogue(
        creative("land", shape="landscape"),
        creative("port", shape="portrait"),
        creative("square", shape="square"),
    )
    got = timeline([sched], creatives, at=screen(orientation=orientation))
    assert ids(got[1]) == expected


def test_portrait_screen_falls_back_to_lower_priority_when_nothing_fits() -> None:
    high = schedule("high", creatives=["land"], windows=FRIDAY_NIGHT, priority=90)
    low = schedule("low", creatives=["port"], windows=FRIDAY_NIGHT, priority=10)
    creatives = catalogue(creative("land"), creative("port", shape="portrait"))
    got = timeline([high, low], creatives, at=screen(orientation="portrait"))
    assert ids(got[1]) == ["port"]


def test_validity_window_splits_segments() -> None:
    sched = schedule(creatives=["c1", "c2"], windows=FRIDAY_NIGHT)
    creatives = catalogue(
        creative("c1"),
        creative("c2", valid_from=utc("2026-11-27T22:00"), valid_until=utc("2026-11-28T01:00")),
    )
    got = timeline([sched], creatives)
    assert [(s.starts_at, ids(s)) for s in got] == [
        (START, []),
        (utc("2026-11-27T20:00"), ["c1"]),
        (utc("2026-11-27T22:00"), ["c1", "c2"]),
        (utc("2026-11-28T01:00"), ["c1"]),
        (utc("2026-11-28T04:00"), []),
    ]


def test_expired_creatives_release_the_priority() -> None:
    high = schedule("high", creatives=["c2"], windows=FRIDAY_NIGHT, priority=90)
    low = schedule("low", creatives=["c1"], windows=FRIDAY_NIGHT, priority=10)
    creatives = catalogue(creative("c1"), creative("c2", valid_until=utc("2026-11-27T23:00")))
    got = timeline([high, low], creatives)
    assert [ids(s) for s in got] == [[], ["c2"], ["c1"], []]
    assert got[2].starts_at == utc("2026-11-27T23:00")


def test_valid_until_is_exclusive_and_valid_from_inclusive() -> None:
    sched = schedule(creatives=["c1"], windows=FRIDAY_NIGHT)
    bounded = creative(
        "c1", valid_from=utc("2026-11-27T21:00"), valid_until=utc("2026-11-27T22:00")
    )
    creatives = catalogue(bounded)
    at = screen()
    assert playlist_at(
        screen=at, schedules=[sched], creatives=creatives, at=utc("2026-11-27T21:00")
    ) == (Item("c1", 10_000),)
    assert (
        playlist_at(screen=at, schedules=[sched], creatives=creatives, at=utc("2026-11-27T22:00"))
        == ()
    )


def test_adjacent_segments_with_the_same_loop_merge() -> None:
    a = schedule("a", windows=[(["fri"], "20:00", "22:00"), (["fri"], "22:00", "23:00")])
    b = schedule("b", windows=[(["fri"], "23:00", "01:00")])
    got = timeline([a, b], catalogue(creative("c1")))
    assert [(s.starts_at, s.ends_at, ids(s)) for s in got][1] == (
        utc("2026-11-27T20:00"),
        utc("2026-11-28T01:00"),
        ["c1"],
    )
    assert len(got) == 3


def test_schedules_not_targeting_the_screen_are_ignored() -> None:
    other = schedule("other", windows=FRIDAY_NIGHT, target=Target(screen_ids=frozenset({"x"})))
    assert timeline([other], catalogue(creative("c1"))) == [Segment(START, END, ())]


def test_timeline_is_returned_in_utc() -> None:
    from zoneinfo import ZoneInfo

    start = START.astimezone(ZoneInfo("America/New_York"))
    got = timeline([schedule(windows=FRIDAY_NIGHT)], catalogue(creative("c1")), start=start)
    assert got[0].starts_at.utcoffset() == timedelta(0)
    assert got[0].starts_at == START


def test_empty_range_is_rejected() -> None:
    with pytest.raises(ValueError, match="after"):
        timeline([], {}, start=END, end=START)


def test_naive_instants_are_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        timeline([], {}, start=START.replace(tzinfo=None))


def test_timeline_across_fall_back_keeps_loop_for_the_long_night() -> None:
    sched = schedule(windows=[(["sat"], "20:00", "04:00")])
    got = timeline(
        [sched],
        catalogue(creative("c1")),
        start=utc("2026-10-24T12:00"),
        end=utc("2026-10-25T12:00"),
    )
    on_air = [s for s in got if s.items]
    assert len(on_air) == 1
    assert on_air[0].ends_at - on_air[0].starts_at == timedelta(hours=9)


def test_relative_window_plays_around_closing_time() -> None:
    at = screen(at=venue(opening_hours=hours(("fri", "20:00", "03:00"))))
    sched = schedule(windows=[(["fri"], "close-01:00", "close+00:30")])
    got = timeline([sched], catalogue(creative("c1")), at=at)
    assert [(s.starts_at, s.ends_at, ids(s)) for s in got][1] == (
        utc("2026-11-28T02:00"),
        utc("2026-11-28T03:30"),
        ["c1"],
    )


def test_bank_holiday_schedule_plays_only_in_the_right_nation() -> None:
    sched = schedule(windows=[(["bank_holiday"], "20:00", "23:00")])
    start, end = utc("2026-11-30T12:00"), utc("2026-12-01T12:00")
    scottish = screen(at=venue(nation="scotland"))
    english = screen(at=venue(nation="england"))
    creatives = catalogue(creative("c1"))
    assert [ids(s) for s in timeline([sched], creatives, at=scottish, start=start, end=end)] == [
        [],
        ["c1"],
        [],
    ]
    assert timeline([sched], creatives, at=english, start=start, end=end) == [
        Segment(start, end, ())
    ]


def test_index_candidates_give_the_same_timeline_as_all_schedules() -> None:
    mine = schedule("a", windows=FRIDAY_NIGHT, target=Target(tags=frozenset({"bar"})))
    others = [
        schedule(f"o{n}", windows=FRIDAY_NIGHT, target=Target(screen_ids=frozenset({f"x{n}"})))
        for n in range(50)
    ]
    everyone = schedule("z", creatives=["c2"], windows=FRIDAY_NIGHT)
    at = screen(tags={"bar"})
    all_schedules = [mine, *others, everyone]
    creatives = catalogue(creative("c1"), creative("c2"))
    candidates = ScheduleIndex(all_schedules).for_screen(at)
    assert [s.id for s in candidates] == ["a", "z"]
    assert timeline(candidates, creatives, at=at) == timeline(all_schedules, creatives, at=at)


def test_playlist_at_returns_the_loop_playing_then() -> None:
    sched = schedule(windows=FRIDAY_NIGHT)
    creatives = catalogue(creative("c1"))
    at = screen()
    assert playlist_at(
        screen=at, schedules=[sched], creatives=creatives, at=utc("2026-11-28T03:59")
    ) == (Item("c1", 10_000),)
    assert (
        playlist_at(screen=at, schedules=[sched], creatives=creatives, at=utc("2026-11-28T04:00"))
        == ()
    )
