"""Plays as a UK Outsmart Playout digital file (v1.7, `playout-digital-file-format.md`).

UTF-8, no header row (unless asked for, for people), LF after every record including the last,
19 fields in the standard's order. Times are UTC with milliseconds; each has the venue's UTC
offset at that instant beside it (`Z` in winter, `+01:00` in British Summer Time). The SPACE ids
(frame, buyer, agency, brand) are left empty until they are configured.
"""

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, or_, select
from sqlmodel import Session, col

from signage.core.tenancy import Caller
from signage.plays.models import Play
from signage.plays.reports import in_range
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
    return flat[:limit] if limit is not None else flat


def record(play: Play, zone: ZoneInfo) -> list[str]:
    end = play.started_at + timedelta(milliseconds=play.duration_ms)
    return [
        "",  # frameid: the screen's SPACE frame id, once configured
        utc_timestamp(play.started_at),
        utc_offset(play.started_at, zone),
        utc_timestamp(end),
        utc_offset(end, zone),
        str(play.duration_ms),
        "",  # shareoftime: for scrollers only
        play.campaign_id,
        "",  # lineid
        "",  # spacebuyerid
        "",  # spaceagencyid
        "",  # spacebrandid
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
) -> list[tuple[Play, str]]:
    query = (
        select(Play, col(Venue.timezone))
        .join(Venue, col(Venue.id) == col(Play.venue_id))
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
    return [(play, str(timezone)) for play, timezone in session.execute(query)]


def playout_lines(
    engine: Engine, *, caller: Caller, start: datetime, end: datetime, header: bool = False
) -> Iterator[bytes]:
    """The file, a page of plays at a time (keyset pagination), so a year of plays streams
    in constant memory. Each page is read in its own short session."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    if header:
        writer.writerow(FIELDS)
    zones: dict[str, ZoneInfo] = {}
    after: tuple[Any, ...] | None = None
    while True:
        with Session(engine) as session:
            page = _page(session, caller, start, end, after)
        for play, timezone in page:
            zone = zones.get(timezone) or zones.setdefault(timezone, ZoneInfo(timezone))
            writer.writerow(record(play, zone))
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        if len(page) < PAGE_SIZE:
            return
        last = page[-1][0]
        after = (last.started_at, last.id)
