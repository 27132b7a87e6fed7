"""The loop built from the schedules sharing the top priority (contract rule 6)."""

from collections import defaultdict

from signage.timing import MAX_LOOP_ITEMS, Item, build_loop
from signage.timing.loop import LoopGroup, clear_loop_cache


def group(schedule_id: str, weight: int, *durations: int) -> LoopGroup:
    return (
        schedule_id,
        weight,
        tuple(Item(f"{schedule_id}-{n}", ms) for n, ms in enumerate(durations)),
    )


def shares(loop: tuple[Item, ...]) -> dict[str, int]:
    time: dict[str, int] = defaultdict(int)
    for item in loop:
        time[item.creative_id.split("-")[0]] += item.duration_ms
    return dict(time)


def test_single_schedule_plays_its_creatives_in_order() -> None:
    loop = build_loop((group("a", 1, 10_000, 5_000, 7_000),))
    assert [i.creative_id for i in loop] == ["a-0", "a-1", "a-2"]


def test_no_schedules_give_an_empty_loop() -> None:
    assert build_loop(()) == ()


def test_equal_weights_alternate_schedules() -> None:
    loop = build_loop(
        (group("a", 1, 10_000, 10_000, 10_000), group("b", 1, 10_000, 10_000, 10_000))
    )
    assert [i.creative_id for i in loop] == ["a-0", "b-0", "a-1", "b-1", "a-2", "b-2"]


def test_weights_share_time_not_slots_with_unequal_durations() -> None:
    loop = build_loop((group("a", 1, 10_000), group("b", 1, 30_000)))
    assert shares(loop) == {"a": 30_000, "b": 30_000}


def test_weights_share_time_in_proportion() -> None:
    loop = build_loop((group("a", 2, 10_000, 20_000), group("b", 1, 15_000)))
    time = shares(loop)
    assert time["a"] * 1 == time["b"] * 2


def test_each_schedule_keeps_its_creative_order_in_whole_passes() -> None:
    loop = build_loop((group("a", 3, 10_000, 6_000, 8_000), group("b", 1, 5_000)))
    played = [i.creative_id for i in loop if i.creative_id.startswith("a")]
    assert played == ["a-0", "a-1", "a-2"] * (len(played) // 3)
    assert len(played) % 3 == 0


def test_schedules_are_not_bunched() -> None:
    loop = build_loop(
        (group("a", 1, 10_000, 10_000), group("b", 1, 10_000, 10_000), group("c", 2, 10_000))
    )
    owners = [i.creative_id[0] for i in loop]
    assert all(x != y for x, y in zip(owners, owners[1:], strict=False) if x != "c")
    assert owners.count("c") == 4
    assert owners.count("a") == owners.count("b") == 2


def test_heavy_schedule_is_spread_through_the_loop() -> None:
    loop = build_loop((group("a", 3, 10_000), group("b", 1, 10_000)))
    assert [i.creative_id[0] for i in loop] == ["a", "a", "b", "a"]


def test_loop_is_capped_and_still_holds_every_schedule() -> None:
    loop = build_loop((group("a", 97, 7_001, 6_997), group("b", 89, 11_003), group("c", 1, 9_973)))
    assert len(loop) <= MAX_LOOP_ITEMS
    assert {i.creative_id[0] for i in loop} == {"a", "b", "c"}


def test_capped_loop_shares_stay_close_to_weights() -> None:
    groups = (group("a", 7, 10_000, 13_000), group("b", 3, 17_000), group("c", 1, 9_000))
    loop = build_loop(groups)
    total = sum(i.duration_ms for i in loop)
    time = shares(loop)
    for schedule_id, weight, items in groups:
        longest = max(i.duration_ms for i in loop)
        assert abs(time[schedule_id] - total * weight / 11) <= longest, schedule_id
        assert items


def test_more_creatives_than_the_cap_all_play_once() -> None:
    many = tuple(group(f"s{n:03d}", 1, 10_000) for n in range(250))
    loop = build_loop(many)
    assert len(loop) == 250


def test_loop_is_deterministic() -> None:
    groups = (group("a", 2, 10_000, 20_000), group("b", 3, 15_000), group("c", 1, 5_000))
    first = build_loop(groups)
    clear_loop_cache()
    assert build_loop(groups) == first
