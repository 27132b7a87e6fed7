"""The exported calendars as two real clients expand them, against the preview (the engine):
ical.js, the parser Thunderbird uses, run in Node, and recurring-ical-events. Over two years,
for windows past midnight and on DST nights, in London and New York: no differences.

Also the VTIMEZONE itself, transition by transition, against the zone database."""

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from signage.timing import Schedule, on_air_intervals
from signage.timing.ics import schedule_to_ical
from signage.timing.vtimezone import transitions
from signage.timing.windows import merge_intervals
from tests.timing.test_ics_export import ics_intervals
from tests.timing.timing_factories import d, schedule, utc, venue

HARNESS = Path(__file__).parent / "icaljs"
FROM, TO = utc("2027-01-01T00:00"), utc("2029-01-01T00:00")
Interval = tuple[datetime, datetime]


@pytest.fixture(scope="session")
def node() -> str:
    """Node with ical.js installed from the committed lock file."""
    found = shutil.which("node")
    assert found, "Debian's nodejs is needed (make setup installs it)"
    if not (HARNESS / "node_modules" / "ical.js").is_dir():
        npm = shutil.which("npm")
        assert npm, "Debian's npm is needed (make setup installs it)"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=HARNESS,
            check=True,
            timeout=300,
        )
    return found


def icaljs_intervals(node: str, ical: bytes, start: datetime, end: datetime) -> list[Interval]:
    ran = subprocess.run(
        [node, str(HARNESS / "expand.mjs"), start.isoformat(), end.isoformat()],
        input=ical,
        capture_output=True,
        check=True,
        timeout=60,
    )
    found = []
    for _uid, starts, ends in json.loads(ran.stdout):
        s = datetime.fromisoformat(starts.replace("Z", "+00:00"))
        e = datetime.fromisoformat(ends.replace("Z", "+00:00"))
        found.append((max(s, start), min(e, end)))
    return merge_intervals([i for i in found if i[0] < i[1]])


def dates_of(component: Any, name: str) -> list[datetime]:
    """The values of a list property (EXDATE, RDATE), however many lines it is written on."""
    found = component.get(name)
    if found is None:
        return []
    lines = found if isinstance(found, list) else [found]
    return [value.dt for line in lines for value in line.dts]


CASES = [
    pytest.param(
        "Europe/London",
        schedule(windows=[(["fri", "sat"], "20:00", "04:00")], start_date=d("2026-06-01")),
        id="london-weekend-nights-past-midnight",
    ),
    pytest.param(
        "Europe/London",
        schedule(
            windows=[(["sat", "sun"], "22:00", "01:30")],
            start_date=d("2026-01-01"),
            end_date=d("2028-10-29"),
            exclude_dates=[d("2027-12-25")],
        ),
        id="london-ends-in-the-autumn-overlap",
    ),
    pytest.param(
        "Europe/London",
        schedule(windows=[(["sun"], "01:30", "02:30")], start_date=d("2026-01-01")),
        id="london-inside-the-spring-gap",
    ),
    pytest.param(
        "Europe/London",
        schedule(windows=[(["sun"], "00:30", "03:00")], start_date=d("2026-01-01")),
        id="london-across-both-changes",
    ),
    pytest.param(
        "America/New_York",
        schedule(windows=[(["thu", "sat"], "21:00", "03:00")], start_date=d("2026-01-01")),
        id="new-york-past-midnight",
    ),
    pytest.param(
        "America/New_York",
        schedule(windows=[(["sun"], "01:00", "04:00")], start_date=d("2026-11-01")),
        id="new-york-across-both-changes",
    ),
]


@pytest.mark.parametrize(("timezone", "sched"), CASES)
def test_icaljs_and_recurring_ical_events_agree_with_the_preview(
    node: str, timezone: str, sched: Schedule
) -> None:
    ical = schedule_to_ical(sched, timezone=timezone, name="Walk Away")
    place = venue(timezone=timezone)
    expected = on_air_intervals(schedule=sched, venue=place, start=FROM, end=TO)
    assert expected
    assert icaljs_intervals(node, ical, FROM, TO) == expected
    assert ics_intervals(ical, FROM, TO) == expected


def test_a_night_that_cannot_air_is_an_exdate(node: str) -> None:
    # 01:30 to 02:30 on Sunday 28 March 2027 does not exist in London: the clocks go from
    # 01:00 straight to 02:00. The engine airs nothing that night; the calendar says so with an
    # EXDATE (clients would otherwise show an hour their own way) and no event in its place.
    sched = schedule(windows=[(["sun"], "01:30", "02:30")], start_date=d("2027-03-01"))
    calendar = Calendar.from_ical(schedule_to_ical(sched, timezone="Europe/London", name="Gap"))
    (event,) = [e for e in calendar.walk("VEVENT") if "RRULE" in e]
    exdates = [when.replace(tzinfo=None) for when in dates_of(event, "EXDATE")]
    assert datetime(2027, 3, 28, 1, 30) in exdates
    spring = (utc("2027-03-27T00:00"), utc("2027-03-30T00:00"))
    ical = schedule_to_ical(sched, timezone="Europe/London", name="Gap")
    assert icaljs_intervals(node, ical, *spring) == []


@pytest.mark.parametrize("name", ["Europe/London", "America/New_York", "Australia/Sydney"])
def test_vtimezone_transitions_are_the_zone_databases(name: str) -> None:
    """Each observance's onsets, read back as RFC 5545 defines them (the local time in the
    TZOFFSETFROM wall clock), are the instants at which zoneinfo's offset changes."""
    calendar = Calendar.from_ical(
        schedule_to_ical(
            schedule(windows=[(["fri"], "20:00", "23:00")], start_date=d("2026-01-01")),
            timezone=name,
            name="Zone",
        )
    )
    (component,) = calendar.walk("VTIMEZONE")
    read: list[tuple[datetime, timedelta]] = []
    for observance in component.subcomponents:
        before = observance["TZOFFSETFROM"].td
        after = observance["TZOFFSETTO"].td
        onsets = [observance["DTSTART"].dt, *dates_of(observance, "RDATE")]
        for onset in onsets:
            if before != after:
                read.append(((onset - before).replace(tzinfo=UTC), after))
    read.sort()
    zone = ZoneInfo(name)
    assert read, "the zone changes its clocks"
    for at, after in read:
        assert at.astimezone(zone).utcoffset() == after
        assert (at - timedelta(seconds=1)).astimezone(zone).utcoffset() != after
    # And none is missing: every change zoneinfo knows in the years the calendar covers.
    first, last = read[0][0].year, read[-1][0].year
    known = [t.at for t in transitions(name, first, last)]
    assert [at for at, _ in read] == known
