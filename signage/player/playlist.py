"""What a screen should show: the engine's timeline turned into the poll's JSON body.

The body depends only on the segment the screen is in (not on the exact instant of the poll), so
two polls between the same boundaries, with nothing edited, get the same bytes and ETag.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select
from starlette.responses import Response

from signage import timing
from signage.core.http import etag_matches
from signage.core.roles import OrganisationKind
from signage.creatives.models import Creative, CreativeStatus
from signage.organisations.models import Organisation
from signage.schedules.models import Schedule, ScheduleCreative
from signage.screens.models import Screen
from signage.venues.models import Venue

# The engine looks this far around "now": back to find where the current segment began, ahead
# to cover the contract's 24 h after the current segment ends.
LOOK_BACK = timedelta(days=1)
LOOK_AHEAD = timedelta(days=3)
COVER_AFTER_CURRENT = timedelta(hours=24)


@dataclass(frozen=True)
class PlaylistBody:
    body: bytes
    etag: str
    next_change_at: datetime | None


def engine_venue(venue: Venue) -> timing.Venue:
    return timing.Venue(
        id=venue.id,
        timezone=venue.timezone,
        nation=venue.nation,
        kind=venue.kind,
        force_id=venue.force_id,
        opening_hours=tuple(
            timing.parse_opening_period(p["day"], p["open"], p["close"])
            for p in venue.opening_hours
        ),
    )


def engine_screen(screen: Screen, venue: Venue) -> timing.Screen:
    return timing.Screen(
        id=screen.id,
        venue=engine_venue(venue),
        orientation=_orientation(screen.orientation),
        tags=frozenset(screen.tags),
    )


def _orientation(value: str | None) -> timing.model.Orientation | None:
    if value == "landscape":
        return "landscape"
    if value == "portrait":
        return "portrait"
    return None


def engine_schedule(
    schedule: Schedule, creative_ids: list[str], owner_kind: OrganisationKind
) -> timing.Schedule:
    target = schedule.target
    force_ids = frozenset(target.get("force_ids", ()))
    if owner_kind is OrganisationKind.force:
        # A force's schedules reach only its own area, whatever else they target.
        force_ids = frozenset({schedule.organisation_id})
    return timing.Schedule(
        id=schedule.id,
        creative_ids=tuple(creative_ids),
        priority=schedule.priority,
        weight=schedule.weight,
        target=timing.Target(
            force_ids=force_ids,
            venue_kinds=frozenset(target.get("venue_kinds", ())),
            venue_ids=frozenset(target.get("venue_ids", ())),
            screen_ids=frozenset(target.get("screen_ids", ())),
            tags=frozenset(target.get("tags", ())),
        ),
        windows=tuple(
            timing.parse_window(w["days"], w["start"], w["end"]) for w in schedule.windows
        ),
        start_date=schedule.start_date,
        end_date=schedule.end_date,
        exclude_dates=frozenset(date.fromisoformat(d) for d in schedule.exclude_dates),
    )


def engine_creative(creative: Creative) -> timing.Creative:
    return timing.Creative(
        id=creative.id,
        duration_ms=creative.duration_ms,
        shape=timing.shape_from_size(creative.width, creative.height),
        approved=creative.status == CreativeStatus.approved,
        valid_from=creative.valid_from,
        valid_until=creative.valid_until,
    )


@dataclass(frozen=True)
class PlaylistInputs:
    """Everything one screen's playlist is computed from, as plain data."""

    screen: timing.Screen
    schedules: list[timing.Schedule]
    creatives: dict[str, timing.Creative]
    media: dict[str, dict[str, Any]]


def media_entry(creative: Creative) -> dict[str, Any]:
    return {
        "url": f"/media/{creative.sha256}",
        "sha256": creative.sha256,
        "bytes": creative.bytes,
        "mime_type": creative.mime_type,
        "width": creative.width,
        "height": creative.height,
    }


def load_inputs(session: Session, screen: Screen) -> PlaylistInputs:
    """One screen's inputs straight from the database (the preview's path)."""
    venue = session.get(Venue, screen.venue_id)
    assert venue is not None  # foreign key
    engine_view = engine_screen(screen, venue)
    owners = owner_kinds(session)
    rows = list(session.exec(select(Schedule)))
    links: dict[str, list[str]] = {s.id: [] for s in rows}
    for link in session.exec(select(ScheduleCreative).order_by(col(ScheduleCreative.position))):
        links.setdefault(link.schedule_id, []).append(link.creative_id)
    schedules = [
        engine_schedule(s, links[s.id], owners[s.organisation_id])
        for s in rows
        if s.organisation_id in owners
    ]
    schedules = [s for s in schedules if timing.targets(s.target, engine_view)]
    wanted = {c for s in schedules for c in s.creative_ids}
    rows_c = list(session.exec(select(Creative).where(col(Creative.id).in_(wanted))))
    return PlaylistInputs(
        screen=engine_view,
        schedules=schedules,
        creatives={c.id: engine_creative(c) for c in rows_c},
        media={c.id: media_entry(c) for c in rows_c},
    )


def owner_kinds(session: Session) -> dict[str, OrganisationKind]:
    """The organisations that may own schedules, by id."""
    return {
        o.id: OrganisationKind(o.kind)
        for o in session.exec(
            select(Organisation).where(col(Organisation.kind).in_(["national", "force"]))
        )
    }


def _instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _horizon(now: datetime) -> tuple[datetime, datetime]:
    # Day-aligned, so the body stays the same between boundaries: only a segment that began
    # before the look-back, or runs past the look-ahead, moves with it, once a day.
    midnight = datetime.combine(now.date(), time(0), tzinfo=UTC)
    return midnight - LOOK_BACK, midnight + LOOK_AHEAD


@dataclass(frozen=True)
class CompiledPlaylist:
    """The poll body minus the screen id, shared by every screen with the same inputs.

    ``valid_until`` is when it must be compiled again even if nothing is edited: the next
    boundary, or the next UTC midnight (when the engine's day-aligned horizon moves).
    """

    tail: bytes
    next_change_at: datetime | None
    valid_until: datetime
    tail_digest: bytes = b""

    def etag_for(self, screen_id: str) -> str:
        # Hashing the shared part once and the screen id on top keeps a strong ETag (it
        # changes whenever the bytes do) without hashing every screen's whole body.
        return '"' + hashlib.sha256(self.tail_digest + screen_id.encode()).hexdigest()[:40] + '"'

    def body_for(self, screen_id: str) -> bytes:
        return b'{"screen_id":' + json.dumps(screen_id).encode() + b"," + self.tail[1:]


def _timeline(inputs: PlaylistInputs, start: datetime, end: datetime) -> list[timing.Segment]:
    return timing.build_timeline(
        screen=inputs.screen,
        schedules=inputs.schedules,
        creatives=inputs.creatives,
        start=start,
        end=end,
    )


def compile_playlist(
    inputs: PlaylistInputs, *, now: datetime, poll_after_seconds: int
) -> CompiledPlaylist:
    start, end = _horizon(now)
    segments = _timeline(inputs, start, end)
    current = next(i for i, s in enumerate(segments) if s.starts_at <= now < s.ends_at)
    cover_until = segments[current].ends_at + COVER_AFTER_CURRENT
    if segments[current].ends_at < end < cover_until:
        # A long current segment: look further ahead so a full day after it is covered.
        end = cover_until + LOOK_BACK
        segments = _timeline(inputs, start, end)
    chosen = [s for s in segments[current:] if s.starts_at < cover_until]
    timeline: list[dict[str, Any]] = []
    used: set[str] = set()
    for segment in chosen:
        # The engine's horizon is not a real boundary: past it, "until further notice".
        ends_at = None if segment.ends_at >= end else segment.ends_at
        timeline.append(
            {
                "starts_at": _instant(segment.starts_at),
                "ends_at": _instant(ends_at),
                "items": [
                    {"creative_id": item.creative_id, "duration_ms": item.duration_ms}
                    for item in segment.items
                ],
            }
        )
        used.update(item.creative_id for item in segment.items)
    next_change = chosen[0].ends_at if chosen[0].ends_at < end else None
    document = {
        "timezone": inputs.screen.venue.timezone,
        "poll_after_seconds": poll_after_seconds,
        "next_change_at": _instant(next_change),
        "timeline": timeline,
        "media": {creative_id: inputs.media[creative_id] for creative_id in sorted(used)},
    }
    tail = json.dumps(document, separators=(",", ":")).encode()
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
    valid_until = min(next_change, midnight) if next_change is not None else midnight
    return CompiledPlaylist(
        tail=tail,
        next_change_at=next_change,
        valid_until=valid_until,
        tail_digest=hashlib.sha256(tail).digest(),
    )


def render(screen_id: str, compiled: CompiledPlaylist) -> PlaylistBody:
    """The full body: the screen id spliced in front of the shared compiled part."""
    return PlaylistBody(
        body=compiled.body_for(screen_id),
        etag=compiled.etag_for(screen_id),
        next_change_at=compiled.next_change_at,
    )


def build_body(
    inputs: PlaylistInputs, *, screen_id: str, now: datetime, poll_after_seconds: int
) -> PlaylistBody:
    compiled = compile_playlist(inputs, now=now, poll_after_seconds=poll_after_seconds)
    return render(screen_id, compiled)


def playlist_response(built: PlaylistBody, if_none_match: str | None) -> Response:
    headers = {"ETag": built.etag, "Cache-Control": "private, no-cache"}
    if etag_matches(if_none_match, built.etag):
        return Response(status_code=304, headers=headers)
    return Response(built.body, media_type="application/json", headers=headers)
