"""Benchmarks for the schedule engine. Run: uv run python tests/benchmarks/bench_timing.py

Figures are CPU time of this process (time.process_time), steadier than wall time when
the machine is busy.

(a) the 48-hour timeline of one screen under 500 schedules (target < 5 ms);
(b) 10,000 screens sharing 200 schedules, through a ScheduleIndex (total and per screen);
(c) cost grows with the schedules targeting a screen, not with all schedules.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from signage.timing import (
    Creative,
    Schedule,
    ScheduleIndex,
    Screen,
    Target,
    Venue,
    build_timeline,
    parse_hhmm,
    parse_window,
)
from signage.timing.model import OpeningPeriod

SCREENS = 10_000
START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
END = START + timedelta(hours=48)
WINDOW_PATTERNS = [
    [(["fri", "sat"], "20:00", "04:00")],
    [(["fri", "sat", "bank_holiday_eve"], "21:00", "03:00")],
    [(["thu", "fri", "sat"], "22:00", "02:00")],
    [(["sun", "mon", "tue", "wed", "thu"], "19:00", "23:30")],
    [(["fri"], "close-01:00", "close+00:30"), (["sat"], "close-01:00", "close+00:30")],
    [(["sat"], "open", "close")],
    [(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "23:00", "01:00")],
    [(["fri", "sat"], "18:00", "20:00"), (["fri", "sat"], "01:00", "03:00")],
    [(["bank_holiday"], "12:00", "12:00")],
    [(["fri"], "20:00", "22:00"), (["sat"], "20:00", "22:00")],
]
HOURS = (
    OpeningPeriod("thu", parse_hhmm("17:00"), parse_hhmm("00:00")),
    OpeningPeriod("fri", parse_hhmm("17:00"), parse_hhmm("03:00")),
    OpeningPeriod("sat", parse_hhmm("12:00"), parse_hhmm("03:00")),
)
PATTERNS = [tuple(parse_window(*w) for w in pattern) for pattern in WINDOW_PATTERNS]


def make_creatives(rng: random.Random, count: int) -> dict[str, Creative]:
    creatives = {}
    for n in range(count):
        bounded = rng.random() < 0.2
        creatives[f"c{n:05d}"] = Creative(
            id=f"c{n:05d}",
            duration_ms=rng.choice([5_000, 10_000, 15_000, 20_000, 30_000]),
            shape=rng.choice(["landscape", "landscape", "square", "portrait"]),
            approved=rng.random() < 0.9,
            valid_from=START + timedelta(hours=rng.randint(0, 30)) if bounded else None,
        )
    return creatives


def make_schedules(
    rng: random.Random, count: int, creatives: list[str], target: Callable[[int], Target]
) -> list[Schedule]:
    return [
        Schedule(
            id=f"s{n:05d}",
            creative_ids=tuple(rng.sample(creatives, rng.randint(1, 4))),
            priority=rng.choice([30, 50, 50, 70, 90]),
            weight=rng.randint(1, 5),
            target=target(n),
            windows=rng.choice(PATTERNS),
            start_date=date(2026, 11, 1) if rng.random() < 0.8 else date(2026, 11, 28),
            end_date=None if rng.random() < 0.8 else date(2026, 11, 27),
        )
        for n in range(count)
    ]


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(first call, median of the rest) in milliseconds of this process's CPU time, which
    is steadier than wall time on a busy machine."""
    samples = []
    for _ in range(repeat):
        began = time.process_time()
        function()
        samples.append((time.process_time() - began) * 1000)
    return samples[0], statistics.median(samples[1:])


def venue(n: int) -> Venue:
    return Venue(
        id=f"v{n:05d}",
        timezone="Europe/London",
        nation=["england", "wales", "scotland", "northern_ireland"][n % 4],
        kind=["pub", "bar", "nightclub", "fast_food"][n % 4],
        force_id=f"f{n % 40:02d}",
        opening_hours=HOURS,
    )


def bench_one_screen() -> None:
    rng = random.Random(1)
    creatives = make_creatives(rng, 600)
    schedules = make_schedules(rng, 500, sorted(creatives), lambda n: Target())
    screen = Screen(id="sc00000", venue=venue(0), orientation="landscape")

    def run() -> list[object]:
        return list(
            build_timeline(
                screen=screen, schedules=schedules, creatives=creatives, start=START, end=END
            )
        )

    segments = len(run())
    first, median = timed(run, 30)
    print(f"(a) 48 h timeline, 1 screen, 500 schedules all targeting it: {segments} segments")
    print(f"    first {first:.2f} ms, then median {median:.2f} ms (target < 5 ms)")
    # Realistic: 500 schedules in the system, 30 of them target this screen.
    targeted = make_schedules(
        rng,
        500,
        sorted(creatives),
        lambda n: Target() if n % 17 == 0 else Target(screen_ids=frozenset({f"x{n}"})),
    )
    index = ScheduleIndex(targeted)

    def run_indexed() -> object:
        return build_timeline(
            screen=screen,
            schedules=index.for_screen(screen),
            creatives=creatives,
            start=START,
            end=END,
        )

    first, median = timed(run_indexed, 30)
    count = len(index.for_screen(screen))
    print(f"    500 schedules, {count} targeting it (via index): median {median:.2f} ms")


def bench_fleet() -> None:
    rng = random.Random(2)
    creatives = make_creatives(rng, 400)
    kinds = ["pub", "bar", "nightclub", "fast_food"]

    def target(n: int) -> Target:
        choice = n % 5
        if choice == 0:
            return Target()
        if choice == 1:
            return Target(force_ids=frozenset({f"f{n % 40:02d}"}))
        if choice == 2:
            return Target(venue_kinds=frozenset({kinds[n % 4]}))
        if choice == 3:
            return Target(venue_ids=frozenset({f"v{rng.randrange(3000):05d}"}))
        return Target(tags=frozenset({rng.choice(["bar", "door", "toilets"])}))

    schedules = make_schedules(rng, 200, sorted(creatives), target)
    screens = [
        Screen(
            id=f"sc{n:05d}",
            venue=venue(n % 3000),
            orientation=rng.choice(["landscape", "portrait", None]),
            tags=frozenset(rng.sample(["bar", "door", "toilets"], rng.randint(0, 2))),
        )
        for n in range(SCREENS)
    ]
    began = time.process_time()
    index = ScheduleIndex(schedules)
    built = (time.process_time() - began) * 1000
    began = time.process_time()
    candidates = 0
    for screen in screens:
        mine = index.for_screen(screen)
        candidates += len(mine)
        build_timeline(screen=screen, schedules=mine, creatives=creatives, start=START, end=END)
    total = time.process_time() - began
    print(f"(b) {SCREENS:,} screens, 200 schedules: index built in {built:.1f} ms;")
    print(
        f"    all 48 h timelines in {total:.2f} s = {total / SCREENS * 1000:.3f} ms per screen "
        f"(avg {candidates / SCREENS:.1f} schedules targeting each)"
    )


def bench_scaling() -> None:
    rng = random.Random(3)
    creatives = make_creatives(rng, 600)
    screen = Screen(id="sc00000", venue=venue(0), orientation=None)
    print("(c) per-screen cost (index lookup + 48 h timeline), median of 30:")
    for total, targeting in [(500, 10), (5_000, 10), (500, 500)]:

        def target(n: int, targeting: int = targeting) -> Target:
            if n < targeting:
                return Target(screen_ids=frozenset({"sc00000"}))
            return Target(screen_ids=frozenset({f"other{n}"}))

        index = ScheduleIndex(make_schedules(rng, total, sorted(creatives), target))

        def run(index: ScheduleIndex = index) -> object:
            return build_timeline(
                screen=screen,
                schedules=index.for_screen(screen),
                creatives=creatives,
                start=START,
                end=END,
            )

        _, median = timed(run, 31)
        print(f"    {total:>5} schedules, {targeting:>3} targeting the screen: {median:.3f} ms")


if __name__ == "__main__":
    bench_one_screen()
    bench_fleet()
    bench_scaling()
