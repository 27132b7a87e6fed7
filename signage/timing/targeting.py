"""Which schedules target a screen, and an index to find them without scanning them all."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from signage.timing.model import Schedule, Screen, Target


def targets(target: Target, screen: Screen) -> bool:
    """Every non-empty key must match (AND); any value within a key matches (OR)."""
    venue = screen.venue
    if target.screen_ids and screen.id not in target.screen_ids:
        return False
    if target.venue_ids and venue.id not in target.venue_ids:
        return False
    if target.tags and target.tags.isdisjoint(screen.tags):
        return False
    if target.venue_kinds and venue.kind not in target.venue_kinds:
        return False
    return not (target.force_ids and venue.force_id not in target.force_ids)


class ScheduleIndex:
    """Built once from many schedules; `for_screen` returns those targeting a screen.

    Each targeted schedule is filed under the values of one of its keys, the most selective
    one given (screen ids, then venue ids, tags, venue kinds, force ids). A lookup gathers
    the buckets of the screen's own id, venue, tags, kind and force, plus the untargeted
    schedules, and checks the full target of each: the cost grows with the schedules that
    could target the screen, not with all schedules.
    """

    def __init__(self, schedules: Iterable[Schedule]) -> None:
        self._untargeted: list[Schedule] = []
        self._by_screen: dict[str, list[Schedule]] = defaultdict(list)
        self._by_venue: dict[str, list[Schedule]] = defaultdict(list)
        self._by_tag: dict[str, list[Schedule]] = defaultdict(list)
        self._by_kind: dict[str, list[Schedule]] = defaultdict(list)
        self._by_force: dict[str, list[Schedule]] = defaultdict(list)
        count = 0
        for schedule in sorted(schedules, key=lambda s: s.id):
            count += 1
            target = schedule.target
            keyed: tuple[frozenset[str], dict[str, list[Schedule]]] | None = None
            for values, bucket in (
                (target.screen_ids, self._by_screen),
                (target.venue_ids, self._by_venue),
                (target.tags, self._by_tag),
                (target.venue_kinds, self._by_kind),
                (target.force_ids, self._by_force),
            ):
                if values:
                    keyed = (values, bucket)
                    break
            if keyed is None:
                self._untargeted.append(schedule)
            else:
                for value in sorted(keyed[0]):
                    keyed[1][value].append(schedule)
        self._count = count

    def __len__(self) -> int:
        return self._count

    def for_screen(self, screen: Screen) -> list[Schedule]:
        """Schedules targeting `screen`, sorted by id."""
        venue = screen.venue
        found: dict[str, Schedule] = {}
        buckets = [
            self._by_screen.get(screen.id, ()),
            self._by_venue.get(venue.id, ()),
            self._by_kind.get(venue.kind, ()),
            self._by_force.get(venue.force_id, ()),
            *(self._by_tag.get(tag, ()) for tag in sorted(screen.tags)),
        ]
        for bucket in buckets:
            for schedule in bucket:
                if schedule.id not in found and targets(schedule.target, screen):
                    found[schedule.id] = schedule
        result = list(self._untargeted)
        if found:
            result.extend(found.values())
            result.sort(key=lambda s: s.id)
        return result
