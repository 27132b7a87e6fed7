"""Counting attempts per key in the database, atomically, so every replica shares the limits.

A key (``login:account:<email>``, ``login:addr:<ip>``, ``pair:addr:<ip>``, ``claim:user:<id>``)
has one row: how many attempts in its current window and when that window ends. The window
opens at the first attempt and lasts ``window_seconds``; the first attempt after it has ended
opens the next one. An attempt is counted with one upsert that returns the new count, so
concurrent requests (threads, workers, replicas) cannot both see "one left": each gets its own
number, and exactly ``limit`` of them are within it.

Callers count an attempt *before* the work it guards (a password check, a pairing code
lookup), refuse it when it is over the limit, and hand the count back (`refund`) when the
attempt turned out to be one that should not count, such as a correct password. A refused
attempt should not count either: the caller rolls back the transaction it was counted in.

Rows whose window has ended are deleted a few at a time whenever a new window opens, so the
table holds about one row per key active in the last window, without a timed job.
"""

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col, select, update
from starlette.requests import Request

from signage.core.errors import TooManyRequests
from signage.core.models import instant_field
from signage.core.types import utcnow

KEY_LENGTH = 255
# How many ended windows one new window deletes: enough to keep up with any rate of new keys
# (each new key deletes up to this many old ones), small enough to stay a quick statement.
PURGE_BATCH = 100


class ThrottleCounter(SQLModel, table=True):
    """Attempts counted for one key in its current window."""

    __tablename__ = "throttle_counters"

    key: str = Field(primary_key=True, max_length=KEY_LENGTH)
    count: int
    window_ends_at: datetime = instant_field(nullable=False, index=True)


def key_part(value: str) -> str:
    """A value (an email, an address) as it goes into a key: as typed when it is short and
    printable, else a digest, so any input gives a key that fits and that databases accept."""
    if len(value) <= 120 and value.isprintable():
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def client_address(request: Request) -> str:
    """The address a request came from. uvicorn takes it from X-Forwarded-For only when the
    connection comes from a trusted proxy (--forwarded-allow-ips, default 127.0.0.1)."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` attempts for ``key`` in a window of ``window_seconds``."""

    key: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: its number in the key's window, and when that window ends."""

    key: str
    count: int
    limit: int
    window_ends_at: datetime

    @property
    def over_limit(self) -> bool:
        return self.count > self.limit

    def retry_after(self, now: datetime | None = None) -> int:
        """Whole seconds until the window ends (at least 1), for a Retry-After header."""
        remaining = (self.window_ends_at - (now or utcnow())).total_seconds()
        return max(1, math.ceil(remaining))


def count_attempts(
    session: Session, limits: Sequence[Limit], *, now: datetime | None = None
) -> list[Attempt]:
    """Count one attempt for each limit's key, in ``session``'s transaction, in the order given.

    On PostgreSQL each key's row stays locked until that transaction ends: keep it short, and
    count the keys of one kind of request always in the same order (so two requests never
    wait for each other crosswise).
    """
    now = now or utcnow()
    attempts = [_count(session, limit, now) for limit in limits]
    if any(attempt.count == 1 for attempt in attempts):
        # After the last count: the purge never waits, so nothing waits while holding it.
        _purge_some(session, now)
    return attempts


def _count(session: Session, limit: Limit, now: datetime) -> Attempt:
    table = ThrottleCounter.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    new_row = insert(table).values(
        key=limit.key, count=1, window_ends_at=now + timedelta(seconds=limit.window_seconds)
    )
    # In the update, the table's columns are the existing row; a window that has ended
    # starts again from this attempt.
    ended = table.c.window_ends_at <= now
    upsert = new_row.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((ended, 1), else_=table.c.count + 1),
            "window_ends_at": case(
                (ended, new_row.excluded.window_ends_at), else_=table.c.window_ends_at
            ),
        },
    ).returning(table.c.count, table.c.window_ends_at)
    count, window_ends_at = session.execute(upsert).one()
    return Attempt(key=limit.key, count=count, limit=limit.limit, window_ends_at=window_ends_at)


def refund(session: Session, attempt: Attempt) -> None:
    """Take back an attempt that should not count (the password was right, say).

    Only within the window it was counted in: a window that has since restarted is left alone.
    """
    session.execute(
        update(ThrottleCounter)
        .where(
            col(ThrottleCounter.key) == attempt.key,
            col(ThrottleCounter.window_ends_at) == attempt.window_ends_at,
            col(ThrottleCounter.count) > 0,
        )
        .values(count=col(ThrottleCounter.count) - 1)
    )


def refuse(
    detail: str, attempts: Sequence[Attempt], *, now: datetime | None = None
) -> TooManyRequests:
    """The 429 for the attempts that are over their limit, retrying when the last window ends."""
    now = now or utcnow()
    seconds = max(a.retry_after(now) for a in attempts if a.over_limit)
    return TooManyRequests(detail, headers={"Retry-After": str(seconds)})


def _purge_some(session: Session, now: datetime) -> None:
    # SKIP LOCKED (PostgreSQL; SQLite has one writer at a time anyway): a purge never waits
    # for, or deadlocks with, a request that is counting an attempt on an ended window.
    ended = (
        select(ThrottleCounter.key)
        .where(col(ThrottleCounter.window_ends_at) <= now)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(ThrottleCounter).where(col(ThrottleCounter.key).in_(ended)))
