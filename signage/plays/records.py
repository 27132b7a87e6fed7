"""Checking one play record from a player, leniently read: any JSON value may arrive.

Each check gives a reason a person can act on; the record is rejected alone, never the batch.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from signage.core.schemas import is_storable

# A screen's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
# Nothing plays for a day on end; a longer play is a broken clock or counter.
MAX_DURATION_MS = 24 * 60 * 60 * 1000
MAX_PLAYS_PER_BATCH = 1000


class BadRecord(ValueError):
    """A record that cannot be stored; the message is the reason sent back."""


@dataclass(frozen=True)
class PlayRecord:
    id: str  # canonical UUID text, as stored
    sent_id: str  # as the player sent it, echoed back so it can match its queue
    creative_id: str
    started_at: datetime
    duration_ms: int


def sent_id_of(raw: Any) -> str | None:
    """The id to echo in a rejection: the player's own text, if it sent text."""
    if isinstance(raw, dict):
        value = raw.get("id")
        if isinstance(value, str) and is_storable(value) and len(value) <= 200:
            return value
    return None


def _play_id(raw: dict[str, Any]) -> str:
    value = raw.get("id")
    if value is None:
        raise BadRecord("id is missing; send the play's UUID")
    if not isinstance(value, str):
        raise BadRecord("id must be a UUID string")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise BadRecord("id is not a UUID") from None


def _creative_id(raw: dict[str, Any]) -> str:
    value = raw.get("creative_id")
    if value is None:
        raise BadRecord("creative_id is missing")
    if not isinstance(value, str):
        raise BadRecord("creative_id must be a string")
    return value


def _started_at(raw: dict[str, Any], *, now: datetime, oldest: datetime) -> datetime:
    value = raw.get("started_at")
    if value is None:
        raise BadRecord("started_at is missing")
    if not isinstance(value, str):
        raise BadRecord("started_at must be an RFC 3339 instant such as 2026-11-27T21:04:05.123Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRecord(
            "started_at is not an RFC 3339 instant such as 2026-11-27T21:04:05.123Z"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BadRecord("started_at has no UTC offset; add Z or +01:00")
    try:
        started = parsed.astimezone(UTC)
    except OverflowError:
        raise BadRecord("started_at is out of range") from None
    if started > now + CLOCK_SKEW:
        raise BadRecord("started_at is in the future; check the screen's clock")
    if started < oldest:
        raise BadRecord("started_at is older than the retention period; it cannot be reported")
    return started


def _duration_ms(raw: dict[str, Any]) -> int:
    value = raw.get("duration_ms")
    if value is None:
        raise BadRecord("duration_ms is missing")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRecord("duration_ms must be a whole number of milliseconds")
    if isinstance(value, float) and not value.is_integer():
        raise BadRecord("duration_ms must be a whole number of milliseconds")
    duration = int(value)
    if duration <= 0:
        raise BadRecord("duration_ms must be more than 0")
    if duration > MAX_DURATION_MS:
        raise BadRecord("duration_ms is longer than 24 hours")
    return duration


def check_record(raw: Any, *, now: datetime, oldest: datetime) -> PlayRecord:
    """The record as stored, or BadRecord with the first reason it cannot be."""
    if not isinstance(raw, dict):
        raise BadRecord(
            "a play must be a JSON object with id, creative_id, started_at, duration_ms"
        )
    play_id = _play_id(raw)
    creative_id = _creative_id(raw)
    started_at = _started_at(raw, now=now, oldest=oldest)
    duration_ms = _duration_ms(raw)
    if started_at + timedelta(milliseconds=duration_ms) > now + CLOCK_SKEW:
        raise BadRecord("the play ends in the future; report plays once they have ended")
    sent = raw["id"]
    assert isinstance(sent, str)
    return PlayRecord(
        id=play_id,
        sent_id=sent,
        creative_id=creative_id,
        started_at=started_at,
        duration_ms=duration_ms,
    )
