"""What to show at an instant, from a playlist body alone: pure functions, no I/O, no clock.

The server sends a timeline of segments covering at least the next 24 hours; each segment's
`items` is one loop that repeats from the segment's `starts_at` until its `ends_at`. The loop
position is counted from `starts_at`, not from when this player started, so a restarted player
resumes mid-loop and screens showing the same playlist stay in step. Because everything is
derived from the cached body and an instant, playback continues offline through boundaries.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Slot:
    """One showing of one item: from `starts_at` to `ends_at` (cut short by the segment end)."""

    creative_id: str
    duration_ms: int  # the item's nominal duration, as scheduled
    starts_at: datetime
    ends_at: datetime


def parse_instant(value: str) -> datetime:
    """An RFC 3339 instant as an aware UTC datetime (`Z` is accepted on Python 3.11)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # the contract always sends an offset; be lenient anyway
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_instant(value: datetime) -> str:
    """UTC with milliseconds and `Z`, the form plays are reported in."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bounds(segment: dict[str, Any]) -> tuple[datetime, datetime | None]:
    ends = segment.get("ends_at")
    return parse_instant(segment["starts_at"]), parse_instant(ends) if ends else None


def segment_at(body: dict[str, Any], at: datetime) -> dict[str, Any] | None:
    """The timeline segment containing `at` (starts_at <= at < ends_at), if any."""
    for segment in body.get("timeline") or []:
        starts, ends = _bounds(segment)
        if starts <= at and (ends is None or at < ends):
            found: dict[str, Any] = segment
            return found
    return None


def _playable(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    # A zero or negative duration would make the loop walk forever; such items are skipped.
    return [
        (str(item["creative_id"]), int(item["duration_ms"]))
        for item in items
        if int(item.get("duration_ms") or 0) > 0
    ]


def slot_at(body: dict[str, Any], at: datetime) -> Slot | None:
    """The item showing at `at`, or None when nothing is on air (or `at` is off the timeline)."""
    segment = segment_at(body, at)
    if segment is None:
        return None
    items = _playable(segment.get("items") or [])
    if not items:
        return None
    seg_start, seg_end = _bounds(segment)
    loop_ms = sum(duration for _, duration in items)
    elapsed_ms = (at - seg_start) // _MS
    position = elapsed_ms % loop_ms
    loop_start = seg_start + timedelta(milliseconds=elapsed_ms - position)
    offset = 0
    for creative_id, duration in items:
        if position < offset + duration:
            starts = loop_start + timedelta(milliseconds=offset)
            ends = starts + timedelta(milliseconds=duration)
            if seg_end is not None and seg_end < ends:
                ends = seg_end
            return Slot(creative_id, duration, starts, ends)
        offset += duration
    raise AssertionError("unreachable: position is below the loop's length")


def next_change(body: dict[str, Any], at: datetime) -> datetime | None:
    """When what is on screen may next change: the end of the current item or segment,
    whichever comes first; the first segment's start if `at` is before the timeline;
    None past its end (only a fresh poll can tell)."""
    slot = slot_at(body, at)
    if slot is not None:
        return slot.ends_at
    segment = segment_at(body, at)
    if segment is not None:
        return _bounds(segment)[1]
    later = [_bounds(s)[0] for s in body.get("timeline") or [] if _bounds(s)[0] > at]
    return min(later) if later else None


def media_for(body: dict[str, Any], creative_id: str) -> dict[str, Any] | None:
    """The playlist's `media` entry for a creative (url, sha256, bytes, mime_type, ...)."""
    entry = (body.get("media") or {}).get(creative_id)
    return entry if isinstance(entry, dict) else None
