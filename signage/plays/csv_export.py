"""Plays as a UK Outsmart Playout digital file (v1.7, `playout-digital-file-format.md`).

UTF-8, no header row (unless asked for, for people), LF after every record including the last,
19 fields in the standard's order. Times are UTC with milliseconds; each has the venue's UTC
offset at that instant beside it (`Z` in winter, `+01:00` in British Summer Time). The SPACE ids
come from the screen (`frameid`) and the campaign (`spacebuyerid`, `spaceagencyid`,
`spacebrandid`); `missing_space_ids` says which are unset, for the export to refuse.

What the standard's field validation (v2.0, `playout-field-validation.md`) would reject is
not written: a play that has not ended yet ("must not be in the future"), and a play that
overlaps an earlier one on the same frame by more than 1.5 seconds (the overlapping play rule:
the earlier stands). Text that a spreadsheet would run as a formula (starting with =, +, -,
@, a tab or a carriage return) is written with a leading apostrophe.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, or_, select
from sqlmodel import Session, col

from signage.campaigns.models import Campaign
from signage.core.tenancy import Caller
from signage.plays.models import Play
from signage.plays.reports import in_range
from signage.screens.models import Screen
from signage.venues.models import Venue

FIELDS = (
    "frameid",
    "startdate",
    "startutcoffset",
    "enddate",
    "endutcoffset",
    "spotlength",
    "shareoftime",
    "orderid",
    "lineid",
    "spacebuyerid",
    "spaceagencyid",
    "spacebrandid",
    "buyercampaignref",
    "creativeid",
    "creativename",
    "thirdpartycreativeref",
    "creativetriggerevent",
    "playerref",
    "mediaownerplayoutref",
)
CREATIVE_NAME_MAX = 128  # the standard's limit for creativename
PAGE_SIZE = 2000
# The overlapping play rule's tolerance.
OVERLAP_TOLERANCE = timedelta(milliseconds=1500)
# How many of each kind of object without its ids a refusal names.
MISSING_LISTED = 50
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Space:
    """A play's SPACE ids: its screen's frame and its campaign's buyer, agency and brand."""

    frameid: str | None
    buyer: int | None
    agency: int | None
    brand: int | None


def _id(value: int | None) -> str:
    return "" if value is None else str(value)


def utc_timestamp(instant: datetime) -> str:
    """`2026-11-27T21:04:05.123`: UTC, milliseconds, no offset (that is the next field)."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}"


def utc_offset(instant: datetime, zone: ZoneInfo) -> str:
    """The zone's offset from UTC at the instant: `Z`, `+01:00`, `-03:30`."""
    offset = instant.astimezone(zone).utcoffset() or timedelta(0)
    if not offset:
        return "Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _text(value: str, limit: int | None = None) -> str:
    # One record per line: a line break inside a name would split the record.
    flat = " ".join(value.splitlines()).strip()
    if flat.startswith(_FORMULA_STARTS):
        flat = "'" + flat  # read as text, never run, by a spreadsheet that opens the file
    return flat[:limit] if limit is not None else flat


def record(play: Play, zone: ZoneInfo, space: Space | None = None) -> list[str]:
    space = space or Space(None, None, None, None)
    end = play.started_at + timedelta(milliseconds=play.duration_ms)
    return [
        space.frameid or "",
        utc_timestamp(play.started_at),
        utc_offset(play.started_at, zone),
        utc_timestamp(end),
        utc_offset(end, zone),
        str(play.duration_ms),
        "",  # shareoftime: for scrollers only
        play.campaign_id,
        "",  # lineid
        _id(space.buyer),
        _id(space.agency),
        _id(space.brand),
        "",  # buyercampaignref
        play.creative_id,
        _text(play.creative_name, CREATIVE_NAME_MAX),
        "",  # thirdpartycreativeref
        "",  # creativetriggerevent
        play.screen_id,
        play.id,
    ]


def _page(
    session: Session, caller: Caller, start: datetime, end: datetime, after: tuple[Any, ...] | None
) -> list[tuple[Play, str, Space]]:
    query = (
        select(
            Play,
            col(Venue.timezone),
            col(Screen.frameid),
            col(Campaign.spacebuyerid),
            col(Campaign.spaceagencyid),
            col(Campaign.spacebrandid),
        )
        .join(Venue, col(Venue.id) == col(Play.venue_id))
        .outerjoin(Screen, col(Screen.id) == col(Play.screen_id))
        .outerjoin(Campaign, col(Campaign.id) == col(Play.campaign_id))
        .where(*in_range(caller, start, end))
        .order_by(col(Play.started_at), col(Play.id))
        .limit(PAGE_SIZE)
    )
    if after is not None:
        started_at, play_id = after
        query = query.where(
            or_(
                col(Play.started_at) > started_at,
                and_(col(Play.started_at) == started_at, col(Play.id) > play_id),
            )
        )
    return [
        (play, str(timezone), Space(frameid, buyer, agency, brand))
        for play, timezone, frameid, buyer, agency, brand in session.execute(query)
    ]


def missing_space_ids(
    session: Session, *, caller: Caller, start: datetime, end: datetime
) -> list[dict[str, str]]:
    """The screens without a frame id and the campaigns without a buyer or brand id among the
    plays the file would hold (up to MISSING_LISTED of each): the mandatory SPACE ids."""
    conditions = in_range(caller, start, end)
    screens = session.execute(
        select(col(Screen.id), col(Screen.name))
        .where(col(Screen.frameid).is_(None))
        .where(col(Screen.id).in_(select(col(Play.screen_id)).where(*conditions)))
        .order_by(col(Screen.name), col(Screen.id))
        .limit(MISSING_LISTED)
    ).all()
    campaigns = session.execute(
        select(
            col(Campaign.id),
            col(Campaign.name),
            col(Campaign.spacebuyerid),
            col(Campaign.spacebrandid),
        )
        .where(or_(col(Campaign.spacebuyerid).is_(None), col(Campaign.spacebrandid).is_(None)))
        .where(col(Campaign.id).in_(select(col(Play.campaign_id)).where(*conditions)))
        .order_by(col(Campaign.name), col(Campaign.id))
        .limit(MISSING_LISTED)
    ).all()
    missing = [
        {"object": "screen", "id": str(i), "name": str(n), "field": "frameid"} for i, n in screens
    ]
    for campaign_id, name, buyer, brand in campaigns:
        for field, value in (("spacebuyerid", buyer), ("spacebrandid", brand)):
            if value is None:
                missing.append(
                    {
                        "object": "campaign",
                        "id": str(campaign_id),
                        "name": str(name),
                        "field": field,
                    }
                )
    return missing


def playout_lines(
    engine: Engine,
    *,
    caller: Caller,
    start: datetime,
    end: datetime,
    now: datetime,
    header: bool = False,
) -> Iterator[bytes]:
    """The file, a page of plays at a time (keyset pagination), so a year of plays streams
    in constant memory. Each page is read in its own short session. Plays not ended by `now`
    and plays overlapping an earlier one on their frame are left out (module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    if header:
        writer.writerow(FIELDS)
    zones: dict[str, ZoneInfo] = {}
    # The end of the last play written on each screen (plays come in order of their start).
    ends: dict[str, datetime] = {}
    after: tuple[Any, ...] | None = None
    while True:
        with Session(engine) as session:
            page = _page(session, caller, start, end, after)
        for play, timezone, space in page:
            finished = play.started_at + timedelta(milliseconds=play.duration_ms)
            if finished > now:
                continue  # not over yet: a future end time is refused
            previous = ends.get(play.screen_id)
            if previous is not None and previous - play.started_at > OVERLAP_TOLERANCE:
                continue  # overlaps the play before it on this frame: the earlier stands
            ends[play.screen_id] = max(finished, previous or finished)
            zone = zones.get(timezone) or zones.setdefault(timezone, ZoneInfo(timezone))
            writer.writerow(record(play, zone, space))
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        if len(page) < PAGE_SIZE:
            return
        last = page[-1][0]
        after = (last.started_at, last.id)
