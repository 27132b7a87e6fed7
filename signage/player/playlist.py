"""What a screen should show: the engine's timeline turned into the poll's JSON body.

The body depends only on the segment the screen is in (not on the exact instant of the poll), so
two polls between the same boundaries, with nothing edited, get the same bytes and ETag.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cached_property
from typing import Any

from signage import timing
from signage.player.gzip_body import SplicedGzip
from signage.takeovers.timing_inputs import PREFIX as TAKEOVER_PREFIX

# The engine looks this far around "now": back to find where the current segment began, ahead
# to cover the contract's 24 h after the current segment ends.
LOOK_BACK = timedelta(days=1)
LOOK_AHEAD = timedelta(days=3)
COVER_AFTER_CURRENT = timedelta(hours=24)


@dataclass(frozen=True)
class PlaylistInputs:
    """Everything one screen's playlist is computed from, as plain data."""

    screen: timing.Screen
    schedules: list[timing.Schedule]
    creatives: dict[str, timing.Creative]
    media: dict[str, dict[str, Any]]


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

    It is the body for any instant from ``compiled_at`` to ``valid_until``: when it must be
    compiled again even if nothing is edited (the next boundary, or the next UTC midnight, when
    the engine's day-aligned horizon moves). ``gzip`` holds the tail compressed once.
    """

    tail: bytes
    next_change_at: datetime | None
    valid_until: datetime
    compiled_at: datetime
    tail_digest: bytes
    # The takeovers (by id) on air in this body, for their delivery report.
    takeovers: tuple[str, ...] = ()

    @cached_property
    def gzip(self) -> SplicedGzip:
        # Built once, on first use: the poll's refresh builds it before any poll needs it;
        # the console's one-off compiles never pay for it.
        return SplicedGzip(self.tail[1:])

    def covers(self, now: datetime) -> bool:
        return self.compiled_at <= now < self.valid_until

    def etag_for(self, screen_id: str) -> str:
        # Hashing the shared part once and the screen id on top keeps a strong ETag (it
        # changes whenever the bytes do) without hashing every screen's whole body.
        return '"' + hashlib.sha256(self.tail_digest + screen_id.encode()).hexdigest()[:40] + '"'

    def body_for(self, screen_id: str) -> bytes:
        return _prefix(screen_id) + self.tail[1:]

    def gzip_body_for(self, screen_id: str) -> bytes:
        """``body_for`` gzipped (``Content-Encoding: gzip``): another representation, whose
        strong ETag is ``gzip_etag(etag_for(...))``."""
        return self.gzip.body(_prefix(screen_id))


def gzip_etag(etag: str) -> str:
    """The strong ETag of the gzipped body whose plain body has ``etag`` (RFC 9110 8.8.3: a
    content coding makes another representation, so it gets another strong validator)."""
    return etag[:-1] + '-gzip"'


def _prefix(screen_id: str) -> bytes:
    return b'{"screen_id":' + json.dumps(screen_id).encode() + b","


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
        compiled_at=now,
        tail_digest=hashlib.sha256(tail).digest(),
        takeovers=_takeovers_on_air(inputs, now, used),
    )


def _takeovers_on_air(inputs: PlaylistInputs, now: datetime, used: set[str]) -> tuple[str, ...]:
    found: list[str] = []
    for schedule in inputs.schedules:
        if schedule.priority != timing.TAKEOVER_PRIORITY:
            continue
        on_air = any(starts <= now < ends for starts, ends in schedule.spans)
        if on_air and not used.isdisjoint(schedule.creative_ids):
            found.append(schedule.id.removeprefix(TAKEOVER_PREFIX))
    return tuple(found)
