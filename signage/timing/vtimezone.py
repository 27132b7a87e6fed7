"""VTIMEZONE components written from the zone database, the way every client reads them.

RFC 5545 3.6.5: each observance's DTSTART (and RDATE) is the local time of the onset *in the
wall clock before it*, the TZOFFSETFROM time: in London summer time begins at 01:00 GMT, so
`DTSTART:20270328T010000`, and in New York at 02:00 EST. icalendar's own generator writes the
onset in the new wall clock and puts every RDATE on one comma-separated line, which ical.js
(Thunderbird) reads only the first value of; the result was an hour out all summer.

So the transitions are found with `zoneinfo` itself (the offset probed each day, each change
bisected to the second) over the years asked for, and written as one STANDARD and one DAYLIGHT
observance per distinct (offsets, name), each onset after the first on an RDATE line of its
own. Observances with one RDATE per line are what RFC 5545 calls a list of onsets and what
ical.js, recurring-ical-events and Outlook all read.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from signage.timing.clock import zone

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Transition:
    """A change of a zone's offset: at `at` (UTC), from `before` to `after`."""

    at: datetime
    before: timedelta
    after: timedelta
    name: str  # the abbreviation in force after it (GMT, BST, EST, EDT)
    dst: bool  # whether daylight saving time is in force after it

    @property
    def onset(self) -> datetime:
        """The local time of the change in the wall clock before it (naive), as RFC 5545
        wants DTSTART and RDATE."""
        return (self.at + self.before).replace(tzinfo=None)


def _offset(name: str, instant: datetime) -> tuple[timedelta, str, bool]:
    local = instant.astimezone(zone(name))
    dst = local.dst()
    return local.utcoffset() or timedelta(0), local.tzname() or name, bool(dst)


@lru_cache(maxsize=64)
def transitions(name: str, first_year: int, last_year: int) -> tuple[Transition, ...]:
    """Every change of offset (or of name or DST flag) from 1 January of `first_year` to the end
    of `last_year`, UTC."""
    found: list[Transition] = []
    instant = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    state = _offset(name, instant)
    while instant < end:
        following = min(instant + _DAY, end)
        after = _offset(name, following)
        if after != state:
            # Bisect to the second: offsets change on whole seconds in every zone.
            low, high = instant, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if _offset(name, middle) == state:
                    low = middle
                else:
                    high = middle
            found.append(Transition(high, state[0], after[0], after[1], after[2]))
            state = after
        instant = following
    return tuple(found)


def vtimezone(name: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of `name` for events from `first_year` to `last_year`: every transition
    between them, and the offset in force at the start of `first_year` as an observance of its
    own (so a client knows the offset before the first change)."""
    component = Timezone()
    component.add("tzid", name)
    offset, abbreviation, dst = _offset(name, datetime(first_year, 1, 1, tzinfo=UTC))
    found = transitions(name, first_year, last_year)
    groups: dict[tuple[timedelta, timedelta, str, bool], list[datetime]] = defaultdict(list)
    # The observance in force on 1 January, whatever came before (a zone may never change).
    groups[(offset, offset, abbreviation, dst)].append(datetime(first_year, 1, 1))
    for change in found:
        groups[(change.before, change.after, change.name, change.dst)].append(change.onset)
    for (before, after, abbreviation, is_dst), onsets in groups.items():
        observance = TimezoneDaylight() if is_dst else TimezoneStandard()
        observance.add("dtstart", onsets[0])
        observance.add("tzoffsetfrom", before)
        observance.add("tzoffsetto", after)
        observance.add("tzname", abbreviation)
        for onset in onsets[1:]:
            observance.add("rdate", onset)  # one per line: ical.js reads only a line's first
        component.add_component(observance)
    return component


def years_of(first: date, last: date) -> tuple[int, int]:
    """The years of transitions a calendar from `first` to `last` needs (a year either side,
    for clients that look back from the first event or ahead of the last)."""
    return first.year - 1, last.year + 1
