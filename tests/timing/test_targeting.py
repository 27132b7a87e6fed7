"""Targeting: AND across keys, OR within a key; the index agrees with a full scan."""

import random

import pytest

from signage.timing import ScheduleIndex, Target, targets
from tests.timing.timing_factories import schedule, screen, venue

PUB = venue(id="v1", kind="pub", force_id="met")
SCREEN = screen(id="sc1", at=PUB, tags={"bar", "entrance"})


def fs(*values: str) -> frozenset[str]:
    return frozenset(values)


def test_empty_target_matches_every_screen() -> None:
    assert targets(Target(), SCREEN)


@pytest.mark.parametrize(
    "target",
    [
        Target(force_ids=fs("met", "gmp")),
        Target(venue_kinds=fs("pub")),
        Target(venue_ids=fs("v1")),
        Target(screen_ids=fs("sc1")),
        Target(tags=fs("entrance", "toilets")),
        Target(force_ids=fs("met"), venue_kinds=fs("pub", "bar"), tags=fs("bar")),
    ],
)
def test_target_matches_when_every_given_key_matches(target: Target) -> None:
    assert targets(target, SCREEN)


@pytest.mark.parametrize(
    "target",
    [
        Target(force_ids=fs("gmp")),
        Target(venue_kinds=fs("nightclub")),
        Target(venue_ids=fs("v2")),
        Target(screen_ids=fs("sc2")),
        Target(tags=fs("toilets")),
        Target(force_ids=fs("met"), venue_kinds=fs("nightclub")),
    ],
)
def test_target_fails_when_any_given_key_misses(target: Target) -> None:
    assert not targets(target, SCREEN)


def random_target(rng: random.Random) -> Target:
    def pick(pool: list[str]) -> frozenset[str]:
        if rng.random() < 0.6:
            return frozenset()
        return frozenset(rng.sample(pool, rng.randint(1, 2)))

    return Target(
        force_ids=pick(["f1", "f2", "f3"]),
        venue_kinds=pick(["pub", "bar", "nightclub"]),
        venue_ids=pick([f"v{n}" for n in range(6)]),
        screen_ids=pick([f"sc{n}" for n in range(12)]),
        tags=pick(["bar", "door", "toilets"]),
    )


def test_index_returns_exactly_the_schedules_targeting_each_screen() -> None:
    rng = random.Random(7)
    schedules = [schedule(f"s{n:03d}", target=random_target(rng)) for n in range(300)]
    index = ScheduleIndex(schedules)
    assert len(index) == 300
    for n in range(12):
        at = venue(
            id=f"v{n % 6}", kind=["pub", "bar", "nightclub"][n % 3], force_id=f"f{n % 3 + 1}"
        )
        tags = rng.sample(["bar", "door", "toilets"], rng.randint(0, 2))
        one = screen(id=f"sc{n}", at=at, tags=tags)
        expected = [s.id for s in schedules if targets(s.target, one)]
        assert [s.id for s in index.for_screen(one)] == expected


def test_index_does_not_scan_schedules_targeting_other_screens() -> None:
    others = [schedule(f"s{n:03d}", target=Target(screen_ids=fs(f"other{n}"))) for n in range(500)]
    mine = schedule("mine", target=Target(screen_ids=fs("sc1")))
    index = ScheduleIndex([*others, mine])
    assert index._by_screen.get("sc1") == [mine]
    assert [s.id for s in index.for_screen(SCREEN)] == ["mine"]
