"""Property tests: build_timeline against a deliberately naive evaluator of the rules.

The reference evaluates one instant at a time straight from the contract's text: for every
night date near t, every window, it resolves the times with zoneinfo and checks t. It shares
only the loop builder (tested on its own) and the input dataclasses with the engine.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import holidays
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from signage.timing import (
    NATIONS,
    WEEKDAYS,
    Creative,
    FixedTime,
    Item,
    OpeningPeriod,
    RelativeTime,
    Schedule,
    Screen,
    Segment,
    Target,
    Venue,
    Window,
    build_loop,
    build_timeline,
)
from signage.timing.loop import clear_loop_cache

SUBDIV = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}
EDGE_DAYS = [  # (a Saturday or so, 00:00Z; the venue timezone that matters then)
    (datetime(2026, 3, 28, tzinfo=UTC), "Europe/London"),  # spring forward
    (datetime(2027, 3, 27, tzinfo=UTC), "Europe/London"),
    (datetime(2026, 10, 24, tzinfo=UTC), "Europe/London"),  # fall back
    (datetime(2027, 10, 30, tzinfo=UTC), "Europe/London"),
    (datetime(2026, 3, 7, tzinfo=UTC), "America/New_York"),  # spring forward
    (datetime(2026, 10, 31, tzinfo=UTC), "America/New_York"),  # fall back (1 Nov)
    (datetime(2026, 11, 28, tzinfo=UTC), "Europe/London"),  # St Andrew's Day weekend
    (datetime(2026, 7, 11, tzinfo=UTC), "Europe/London"),  # the Boyne
    (datetime(2026, 12, 25, tzinfo=UTC), "Europe/London"),  # Boxing Day observed
]
STEP = timedelta(minutes=15)


# Reference evaluator ----------------------------------------------------------------------


def ref_wall(tz: ZoneInfo, day: date, at: time) -> datetime:
    naive = datetime(day.year, day.month, day.day, at.hour, at.minute)
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


_HOLIDAYS: dict[tuple[str, int], set[date]] = {}


def ref_is_holiday(nation: str, day: date) -> bool:
    key = (nation, day.year)
    if key not in _HOLIDAYS:
        calendar = holidays.country_holidays("GB", subdiv=SUBDIV[nation], years=day.year)
        _HOLIDAYS[key] = set(calendar)
    return day in _HOLIDAYS[key]


def ref_on_air(schedule: Schedule, venue: Venue, t: datetime) -> bool:
    tz = ZoneInfo(venue.timezone)
    today = t.astimezone(tz).date()
    for back in range(-1, 4):
        night = today - timedelta(days=back)
        if schedule.start_date and night < schedule.start_date:
            continue
        if schedule.end_date and night > schedule.end_date:
            continue
        if night in schedule.exclude_dates:
            continue
        for window in schedule.windows:
            selected = (
                WEEKDAYS[night.weekday()] in window.days
                or ("bank_holiday" in window.days and ref_is_holiday(venue.nation, night))
                or (
                    "bank_holiday_eve" in window.days
                    and ref_is_holiday(venue.nation, night + timedelta(days=1))
                )
            )
            if not selected:
                continue
            for starts, ends in ref_window(window, venue, tz, night):
                if starts <= t < ends:
                    return True
    return False


def ref_window(
    window: Window, venue: Venue, tz: ZoneInfo, night: date
) -> list[tuple[datetime, datetime]]:
    start, end = window.start, window.end
    next_day = night + timedelta(days=1)
    if isinstance(start, FixedTime) and isinstance(end, FixedTime):
        ends_on = next_day if end.at <= start.at else night
        return [(ref_wall(tz, night, start.at), ref_wall(tz, ends_on, end.at))]
    found = []
    for period in venue.opening_hours:
        if period.day != WEEKDAYS[night.weekday()]:
            continue
        opens = ref_wall(tz, night, period.open)
        closes = ref_wall(tz, next_day if period.close <= period.open else night, period.close)
        if isinstance(start, RelativeTime):
            starts = (opens if start.anchor == "open" else closes) + start.offset
        else:
            starts = ref_wall(tz, night, start.at)
        if isinstance(end, RelativeTime):
            ends = (opens if end.anchor == "open" else closes) + end.offset
        else:
            local = starts.astimezone(tz)
            day = local.date() if end.at > local.time() else local.date() + timedelta(days=1)
            ends = ref_wall(tz, day, end.at)
        found.append((starts, ends))
    return found


def ref_targets(target: Target, screen: Screen) -> bool:
    checks = [
        (target.force_ids, {screen.venue.force_id}),
        (target.venue_kinds, {screen.venue.kind}),
        (target.venue_ids, {screen.venue.id}),
        (target.screen_ids, {screen.id}),
        (target.tags, set(screen.tags)),
    ]
    return all(not wanted or wanted & have for wanted, have in checks)


def ref_playlist(
    screen: Screen, schedules: list[Schedule], creatives: dict[str, Creative], t: datetime
) -> tuple[Item, ...]:
    playing: dict[int, list[tuple[str, int, tuple[Item, ...]]]] = defaultdict(list)
    for schedule in sorted(schedules, key=lambda s: s.id):
        if not ref_targets(schedule.target, screen) or not ref_on_air(schedule, screen.venue, t):
            continue
        items = []
        for creative_id in schedule.creative_ids:
            c = creatives.get(creative_id)
            if c is None or not c.approved or c.duration_ms <= 0:
                continue
            if screen.orientation and c.shape not in (screen.orientation, "square"):
                continue
            if (c.valid_from and t < c.valid_from) or (c.valid_until and t >= c.valid_until):
                continue
            items.append(Item(c.id, c.duration_ms))
        if items:
            playing[schedule.priority].append((schedule.id, schedule.weight, tuple(items)))
    if not playing:
        return ()
    return build_loop(tuple(playing[max(playing)]))


# Strategies -------------------------------------------------------------------------------

quarter = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))
# Times around the DST changes are over-represented.
clock = st.one_of(
    quarter, st.sampled_from([time(1, 0), time(1, 30), time(2, 0), time(2, 30), time(0, 45)])
)
offset = st.one_of(
    st.integers(-8, 8).map(lambda q: timedelta(minutes=15 * q)),
    st.sampled_from([timedelta(hours=23, minutes=45), -timedelta(hours=23, minutes=45)]),
)
window_time = st.one_of(
    clock.map(FixedTime),
    st.builds(RelativeTime, st.sampled_from(["open", "close"]), offset),
)
some_days = st.frozensets(
    # "sat" first: most edge dates are Saturdays, and examples shrink towards it.
    st.sampled_from(["sat", "fri", "sun", *WEEKDAYS[:4], "bank_holiday", "bank_holiday_eve"]),
    min_size=1,
    max_size=6,
)
days = st.one_of(st.just(frozenset(WEEKDAYS)), some_days)
windows = st.lists(st.builds(Window, days, window_time, window_time), min_size=1, max_size=2)
periods = st.lists(
    st.builds(OpeningPeriod, st.sampled_from(["sat", "fri", "sun", *WEEKDAYS[:4]]), clock, clock),
    min_size=0,
    max_size=8,
)
venues = partial(
    st.builds,
    Venue,
    id=st.sampled_from(["v1", "v2"]),
    nation=st.sampled_from(NATIONS),
    kind=st.sampled_from(["pub", "bar"]),
    force_id=st.just("f1"),
    opening_hours=periods.map(tuple),
)
tag_sets = st.frozensets(st.sampled_from(["bar", "door"]), max_size=2)
screens = partial(
    st.builds,
    Screen,
    id=st.just("sc1"),
    orientation=st.sampled_from([None, None, "landscape", "portrait"]),
    tags=tag_sets,
)
targets_ = st.one_of(
    st.just(Target()),
    st.just(Target()),
    st.builds(Target, tags=tag_sets),
    st.builds(Target, venue_kinds=st.frozensets(st.sampled_from(["pub", "bar"]), max_size=1)),
)


@st.composite
def scenarios(
    draw: st.DrawFn,
    edges: list[tuple[datetime, str]] = EDGE_DAYS,
    window_lists: st.SearchStrategy[list[Window]] = windows,
) -> tuple[Screen, list[Schedule], dict[str, Creative], datetime]:
    edge, tz_name = draw(st.sampled_from(edges))
    start = edge + draw(st.integers(0, 24)) * timedelta(hours=1)
    venue = draw(venues(timezone=st.just(tz_name)))
    moment = st.integers(-8, 30 * 4).map(lambda q: start + q * STEP)
    creatives: dict[str, Creative] = {}
    for n in range(draw(st.integers(1, 5))):
        valid_from = draw(st.one_of(st.none(), moment))
        valid_until = draw(st.one_of(st.none(), moment))
        creatives[f"c{n}"] = Creative(
            id=f"c{n}",
            duration_ms=draw(st.sampled_from([5_000, 10_000, 15_000, 30_000])),
            shape=draw(st.sampled_from(["landscape", "square", "square", "portrait"])),
            approved=draw(st.sampled_from([True, True, True, False])),
            valid_from=valid_from,
            valid_until=valid_until,
        )
    night = st.integers(-3, 2).map(lambda n: start.date() + timedelta(days=n))
    schedules = []
    for n in range(draw(st.integers(2, 5))):
        schedules.append(
            Schedule(
                id=f"s{n}",
                creative_ids=tuple(
                    draw(st.lists(st.sampled_from(sorted(creatives)), min_size=1, max_size=3))
                ),
                priority=draw(st.sampled_from([10, 50, 90])),
                weight=draw(st.integers(1, 4)),
                target=draw(targets_),
                windows=tuple(draw(window_lists)),
                start_date=draw(st.one_of(st.none(), st.none(), night)),
                end_date=draw(st.one_of(st.none(), st.none(), night)),
                exclude_dates=draw(st.frozensets(night, max_size=2)),
            )
        )
    return draw(screens(venue=st.just(venue))), schedules, creatives, start


# Fixed windows around the DST changes only, at the times that fall in gaps and overlaps.
dst_clock = st.sampled_from([time(0, 30), time(1, 0), time(1, 30), time(2, 0), time(2, 30)])
dst_scenarios = scenarios(
    edges=EDGE_DAYS[:6],
    window_lists=st.lists(
        st.builds(Window, days, dst_clock.map(FixedTime), dst_clock.map(FixedTime)),
        min_size=1,
        max_size=2,
    ),
)
SPAN = timedelta(hours=30)
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def segment_at(segments: list[Segment], t: datetime) -> Segment:
    return segments[bisect_right([s.starts_at for s in segments], t) - 1]


@PROPERTY_SETTINGS
@given(scenarios())
def test_segments_are_contiguous_ordered_and_merged(scenario) -> None:  # type: ignore[no-untyped-def]
    screen, schedules, creatives, start = scenario
    got = build_timeline(
        screen=screen, schedules=schedules, creatives=creatives, start=start, end=start + SPAN
    )
    assert got[0].starts_at == start
    assert got[-1].ends_at == start + SPAN
    for before, after in zip(got, got[1:], strict=False):
        assert before.ends_at == after.starts_at
        assert before.items != after.items
    assert all(s.starts_at < s.ends_at for s in got)


@PROPERTY_SETTINGS
@given(scenarios())
def test_timeline_matches_naive_evaluation_minute_by_minute(scenario) -> None:  # type: ignore[no-untyped-def]
    screen, schedules, creatives, start = scenario
    got = build_timeline(
        screen=screen, schedules=schedules, creatives=creatives, start=start, end=start + SPAN
    )
    target(float(len(got)), label="segments")
    t = start
    while t < start + SPAN:
        assert segment_at(got, t).items == ref_playlist(screen, schedules, creatives, t), t
        t += timedelta(minutes=1)


@PROPERTY_SETTINGS
@given(dst_scenarios)
def test_dst_nights_match_naive_evaluation(scenario) -> None:  # type: ignore[no-untyped-def]
    screen, schedules, creatives, start = scenario
    got = build_timeline(
        screen=screen, schedules=schedules, creatives=creatives, start=start, end=start + SPAN
    )
    t = start
    while t < start + SPAN:
        assert segment_at(got, t).items == ref_playlist(screen, schedules, creatives, t), t
        t += timedelta(minutes=5)


@PROPERTY_SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_same_input_gives_same_output(scenario, rng) -> None:  # type: ignore[no-untyped-def]
    screen, schedules, creatives, start = scenario
    first = build_timeline(
        screen=screen, schedules=schedules, creatives=creatives, start=start, end=start + SPAN
    )
    shuffled = list(schedules)
    rng.shuffle(shuffled)
    reordered = dict(sorted(creatives.items(), reverse=True))
    clear_loop_cache()
    again = build_timeline(
        screen=screen, schedules=shuffled, creatives=reordered, start=start, end=start + SPAN
    )
    assert first == again


groups = st.lists(
    st.tuples(
        st.integers(1, 10),
        st.lists(
            st.sampled_from([5_000, 7_500, 10_000, 15_000, 20_000, 30_000]), min_size=1, max_size=4
        ),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(groups)
def test_loop_shares_time_by_weight_within_one_item(spec) -> None:  # type: ignore[no-untyped-def]
    loop_groups = tuple(
        (f"s{n}", weight, tuple(Item(f"s{n}-{k}", ms) for k, ms in enumerate(durations)))
        for n, (weight, durations) in enumerate(spec)
    )
    loop = build_loop(loop_groups)
    total = sum(i.duration_ms for i in loop)
    weights = sum(w for w, _ in spec)
    longest = max(i.duration_ms for i in loop)
    for schedule_id, weight, items in loop_groups:
        mine = [i for i in loop if i.creative_id.startswith(f"{schedule_id}-")]
        assert abs(sum(i.duration_ms for i in mine) - total * weight / weights) <= longest
        # whole passes, in the given order
        assert mine == list(items) * (len(mine) // len(items))
