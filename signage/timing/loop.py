"""One playlist loop from the schedules sharing the top priority (contract rule 6).

How the loop is made:

1. Passes. Each schedule plays whole passes over its eligible creatives (in their given
   order), so the loop repeats cleanly: repeating it never breaks a schedule's order. Schedule
   i with weight w_i and pass length P_i plays n_i passes, chosen so n_i * P_i / w_i is the
   same for every schedule (the least common multiple of the P_i / w_i). Its share of
   on-screen time over one loop is then exactly w_i / sum(w).
2. Cap. When that exact loop would exceed MAX_LOOP_ITEMS (200) items, the engine searches
   pass counts (at least one pass each) within the cap that minimise the largest deviation
   from the weighted shares; this is best effort, usually within one item's duration. When
   one pass of every schedule alone exceeds 200 items, the cap rises to that (every creative
   must appear).
3. Interleaving. Every item gets an ideal position in the loop: the midpoint of its time
   within its own schedule's run, as a fraction of that run. Items are sorted by position,
   ties broken by schedule id then by order. This spreads each schedule evenly (no bunching),
   keeps each schedule's order, and is deterministic.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from math import gcd, lcm

from signage.timing.model import Item

MAX_LOOP_ITEMS = 200
_SEARCH_BUDGET = 1500

# One group per schedule: (schedule id, weight, its eligible items in order).
LoopGroup = tuple[str, int, tuple[Item, ...]]


def _exact_passes(groups: tuple[LoopGroup, ...], cap: int) -> list[int] | None:
    units = [Fraction(sum(i.duration_ms for i in items), weight) for _, weight, items in groups]
    common = units[0]
    for index, unit in enumerate(units[1:], start=1):
        common = Fraction(
            lcm(common.numerator, unit.numerator), gcd(common.denominator, unit.denominator)
        )
        size = sum(common / units[j] * len(groups[j][2]) for j in range(index + 1))
        if size > cap:
            return None
    return [int(common / unit) for unit in units]


def _approximate_passes(groups: tuple[LoopGroup, ...], cap: int) -> list[int]:
    lengths = [len(items) for _, _, items in groups]
    pass_ms = [sum(i.duration_ms for i in items) for _, _, items in groups]
    weights = [weight for _, weight, _ in groups]
    total_weight = sum(weights)
    units = [p / w for p, w in zip(pass_ms, weights, strict=True)]
    best: tuple[float, int, list[int]] | None = None
    budget = _SEARCH_BUDGET
    for unit in sorted(set(units), reverse=True):
        k = 1
        while budget > 0:
            budget -= 1
            target = k * unit
            passes = [max(1, round(target / u)) for u in units]
            size = sum(n * length for n, length in zip(passes, lengths, strict=True))
            if size > cap:
                break
            loop_ms = sum(n * p for n, p in zip(passes, pass_ms, strict=True))
            error = max(
                abs(n * p - w * loop_ms / total_weight)
                for n, p, w in zip(passes, pass_ms, weights, strict=True)
            )
            if best is None or (error, size) < (best[0], best[1]):
                best = (error, size, passes)
            k += 1
    return best[2] if best is not None else [1] * len(groups)


def build_loop(groups: tuple[LoopGroup, ...]) -> tuple[Item, ...]:
    """The loop for schedules of equal priority; `groups` must be sorted by schedule id and
    their items must have positive durations. Results are cached."""
    key = tuple(
        (schedule_id, weight, tuple((i.creative_id, i.duration_ms) for i in items))
        for schedule_id, weight, items in groups
        if items
    )
    return _cached_loop(key)


_PlainGroup = tuple[str, int, tuple[tuple[str, int], ...]]


@lru_cache(maxsize=8192)
def _cached_loop(key: tuple[_PlainGroup, ...]) -> tuple[Item, ...]:
    groups = tuple(
        (schedule_id, weight, tuple(Item(c, ms) for c, ms in items))
        for schedule_id, weight, items in key
    )
    if not groups:
        return ()
    if len(groups) == 1:
        return groups[0][2]
    cap = max(MAX_LOOP_ITEMS, sum(len(items) for _, _, items in groups))
    passes = _exact_passes(groups, cap) or _approximate_passes(groups, cap)
    runs = [items * count for (_, _, items), count in zip(groups, passes, strict=True)]
    run_lengths = [sum(i.duration_ms for i in run) for run in runs]
    # Position of an item = (2 * elapsed + duration) / (2 * run length), compared exactly
    # over a common denominator.
    common = lcm(*run_lengths)
    keyed: list[tuple[int, int, int, Item]] = []
    for index, (run, run_ms) in enumerate(zip(runs, run_lengths, strict=True)):
        scale = common // run_ms
        elapsed = 0
        for order, item in enumerate(run):
            keyed.append(((2 * elapsed + item.duration_ms) * scale, index, order, item))
            elapsed += item.duration_ms
    keyed.sort(key=lambda entry: entry[:3])
    return tuple(entry[3] for entry in keyed)


def clear_loop_cache() -> None:
    _cached_loop.cache_clear()
