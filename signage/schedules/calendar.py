"""Schedules as iCalendar (RFC 5545), so staff see the campaign calendar in Outlook.

Window times are wall-clock times at each venue, so the calendar is written in one venue's
terms: a given venue's timezone, nation (bank holidays) and opening hours, or else
Europe/London and England with no opening hours, in which case windows relative to opening
hours have nothing to resolve against and are left out.

A feed is read in two steps so that no transaction stays open while it is written:
`load_calendar` turns the rows into the engine's plain data in a short session, and
`render_calendar` writes the file from that data alone. The file is a pure function of that
data (its DTSTAMP is derived from the first night), so it is kept, per distinct input, in a
small cache: a calendar client re-fetching an unchanged feed costs a lookup, and any edit to a
schedule, a name or the venue is a different input, never a stale answer.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from signage import timing
from signage.core.roles import OrganisationKind
from signage.organisations.models import Organisation
from signage.schedules.models import Schedule
from signage.schedules.service import creative_ids_of
from signage.schedules.timing_inputs import timing_schedule, timing_venue
from signage.timing import ics
from signage.venues.models import Venue

# How far ahead a feed lists its dated events (bank-holiday nights, opening-hour windows).
# Writing them costs about 0.25 ms an event, and a venue open every night gives each such
# window one event a day: a year keeps a large organisation's feed to a few seconds, once.
MAX_CALENDAR_DAYS = 366

# Feeds kept, most recently used first, up to this many bytes in all.
CACHE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class CalendarInputs:
    """Everything a feed is written from, as plain, hashable data."""

    schedules: tuple[tuple[timing.Schedule, str], ...]  # (schedule, its name)
    revisions: tuple[tuple[str, ics.Revision], ...]  # (schedule id, its revision)
    name: str
    timezone: str
    nation: str
    opening_hours: tuple[timing.OpeningPeriod, ...]
    today: date
    horizon_days: int


def load_calendar(
    session: Session,
    *,
    schedules: list[Schedule],
    name: str,
    venue: Venue | None,
    today: date,
    horizon_days: int,
) -> CalendarInputs:
    links = creative_ids_of(session, [s.id for s in schedules])
    owner_ids = {s.organisation_id for s in schedules}
    kinds = {
        o.id: OrganisationKind(o.kind)
        for o in session.exec(select(Organisation).where(col(Organisation.id).in_(owner_ids)))
    }
    pairs = tuple(
        (timing_schedule(s, links[s.id], kinds[s.organisation_id]), s.name) for s in schedules
    )
    place = timing_venue(venue) if venue is not None else None
    return CalendarInputs(
        schedules=pairs,
        revisions=tuple((s.id, ics.Revision(s.revision, s.updated_at)) for s in schedules),
        name=name,
        timezone=place.timezone if place else "Europe/London",
        nation=place.nation if place else "england",
        opening_hours=place.opening_hours if place else (),
        # From today on: staff plan forward, and one-off nights (bank holidays, opening-hour
        # windows) are listed for `horizon_days` from here.
        today=today,
        horizon_days=horizon_days,
    )


class _FeedCache:
    """Least recently used feeds, bounded by their total size; safe across worker threads."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._feeds: OrderedDict[CalendarInputs, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, inputs: CalendarInputs) -> bytes | None:
        with self._lock:
            body = self._feeds.get(inputs)
            if body is not None:
                self._feeds.move_to_end(inputs)
            return body

    def put(self, inputs: CalendarInputs, body: bytes) -> None:
        if len(body) > self._max_bytes:
            return
        with self._lock:
            if inputs in self._feeds:
                return
            self._feeds[inputs] = body
            self._bytes += len(body)
            while self._bytes > self._max_bytes:
                _, dropped = self._feeds.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._feeds.clear()
            self._bytes = 0


feeds = _FeedCache(CACHE_BYTES)


# Written into a kept feed as its DTSTAMP and replaced with the moment of each export as it
# is served (RFC 5545: when the object was created): the rest of the feed is kept per input.
_STAMP = datetime(2000, 1, 1, tzinfo=UTC)
_STAMP_LINE = b"DTSTAMP:20000101T000000Z"


def render_calendar(inputs: CalendarInputs, *, now: datetime) -> bytes:
    """The feed's bytes: pure, no session (run it in a worker thread); cached per input,
    stamped with `now`."""
    body = feeds.get(inputs)
    if body is None:
        body = ics.organisation_feed(
            inputs.schedules,
            timezone=inputs.timezone,
            nation=inputs.nation,
            opening_hours=inputs.opening_hours,
            name=inputs.name,
            horizon_start=inputs.today,
            horizon_days=inputs.horizon_days,
            dtstamp=_STAMP,
            revisions=dict(inputs.revisions),
            feed=True,
        )
        feeds.put(inputs, body)
    stamp = now.astimezone(UTC).strftime("DTSTAMP:%Y%m%dT%H%M%SZ").encode()
    return body.replace(_STAMP_LINE, stamp)
