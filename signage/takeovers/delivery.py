"""When each screen was told about a takeover and when it fetched it, buffered in memory.

The poll and the events stream note these as dictionary inserts (neither writes to the
database); a background task writes them every couple of seconds. The first time of each is
kept: a later poll of the same body, here or on another replica, does not move it.
"""

import logging
from datetime import datetime
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import Engine, func
from sqlalchemy.dialects import postgresql, sqlite

from signage.core.db import writer
from signage.core.metrics import DATABASE_ERRORS
from signage.takeovers.models import TakeoverDelivery

logger = logging.getLogger("signage.takeovers.delivery")

FLUSH_EVERY_SECONDS = 2.0
FLUSH_SLICE = 1000
# A buffer that cannot be written (the database down for long) stops growing here.
MAX_PENDING = 500_000

Key = tuple[str, str]  # (takeover id, screen id)


class DeliveryLog:
    def __init__(self) -> None:
        self._nudged: dict[Key, datetime] = {}
        self._fetched: dict[Key, datetime] = {}

    def nudged(self, takeover_ids: tuple[str, ...], screen_id: str, at: datetime) -> None:
        for takeover_id in takeover_ids:
            if len(self._nudged) < MAX_PENDING:
                self._nudged.setdefault((takeover_id, screen_id), at)

    def fetched(self, takeover_ids: tuple[str, ...], screen_id: str, at: datetime) -> None:
        for takeover_id in takeover_ids:
            if len(self._fetched) < MAX_PENDING:
                self._fetched.setdefault((takeover_id, screen_id), at)

    def __len__(self) -> int:
        return len(self._nudged) + len(self._fetched)

    def flush(self, engine: Engine) -> int:
        """Write what is pending (keeping any earlier time already stored); returns how many
        rows were written."""
        nudged, self._nudged = self._nudged, {}
        fetched, self._fetched = self._fetched, {}
        keys = sorted(nudged.keys() | fetched.keys())
        if not keys:
            return 0
        rows: list[dict[str, Any]] = [
            {
                "takeover_id": t,
                "screen_id": s,
                "nudged_at": nudged.get((t, s)),
                "fetched_at": fetched.get((t, s)),
            }
            for t, s in keys
        ]
        written = 0
        try:
            for start in range(0, len(rows), FLUSH_SLICE):
                chunk = rows[start : start + FLUSH_SLICE]
                with writer(engine).begin() as connection:
                    connection.execute(_upsert(engine.dialect.name), chunk)
                written += len(chunk)
        except Exception:
            for row in rows[written:]:
                key = (row["takeover_id"], row["screen_id"])
                if row["nudged_at"] is not None:
                    self._nudged.setdefault(key, row["nudged_at"])
                if row["fetched_at"] is not None:
                    self._fetched.setdefault(key, row["fetched_at"])
            logger.exception("could not record takeover deliveries; will retry")
            DATABASE_ERRORS.labels("deliveries").inc()
        return written


def _upsert(dialect: str):  # type: ignore[no-untyped-def]  # either dialect's Insert
    table = TakeoverDelivery.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    excluded = insert.excluded
    # The earliest of the stored time and this one (NULL is "not yet").
    return insert.on_conflict_do_update(
        index_elements=["takeover_id", "screen_id"],
        set_={
            "nudged_at": func.coalesce(table.c.nudged_at, excluded.nudged_at),
            "fetched_at": func.coalesce(table.c.fetched_at, excluded.fetched_at),
        },
    )


async def flush_deliveries_forever(log: DeliveryLog, engine: Engine) -> None:
    while True:
        await anyio.sleep(FLUSH_EVERY_SECONDS)
        if len(log):
            await anyio.to_thread.run_sync(log.flush, engine)
