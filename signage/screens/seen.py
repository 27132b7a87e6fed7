"""What screens report about themselves, buffered in memory and written in batches.

The poll must not write to the database, and status reports need not either: the latest
sighting (and player version, and what is playing) of each screen waits here and a background
task writes it every few seconds in a few statements, and once more at shutdown.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import Engine, bindparam, update

from signage.core.db import writer
from signage.core.metrics import DATABASE_ERRORS
from signage.screens.models import Screen

logger = logging.getLogger("signage.screens.seen")

FLUSH_EVERY_SECONDS = 5.0
FLUSH_SLICE = 1000
FLUSH_PAUSE_SECONDS = 0.005


@dataclass
class Sighting:
    at: datetime
    player: str | None = None
    reported_playing: bool = False
    playing_creative_id: str | None = None


class SeenBuffer:
    def __init__(self) -> None:
        self._pending: dict[str, Sighting] = {}

    def saw(self, screen_id: str, at: datetime) -> None:
        known = self._pending.get(screen_id)
        if known is None:
            self._pending[screen_id] = Sighting(at)
        else:
            known.at = at

    def reported(
        self,
        screen_id: str,
        at: datetime,
        *,
        player: str | None,
        reported_playing: bool,
        playing_creative_id: str | None,
    ) -> None:
        sighting = self._pending.setdefault(screen_id, Sighting(at))
        sighting.at = at
        if player is not None:
            sighting.player = player
        if reported_playing:
            sighting.reported_playing = True
            sighting.playing_creative_id = playing_creative_id

    def latest(self, screen_id: str) -> Sighting | None:
        return self._pending.get(screen_id)

    def __len__(self) -> int:
        return len(self._pending)

    def flush(self, engine: Engine) -> int:
        """Write what is pending; returns how many screens were updated."""
        pending, self._pending = self._pending, {}
        if not pending:
            return 0
        table = Screen.__table__  # type: ignore[attr-defined]
        seen = (
            update(table)
            .where(table.c.id == bindparam("screen_id"))
            # Never move last_seen backwards (another process may have seen it later).
            .where((table.c.last_seen_at.is_(None)) | (table.c.last_seen_at < bindparam("seen")))
            .values(last_seen_at=bindparam("seen"))
        )
        player = (
            update(table)
            .where(table.c.id == bindparam("screen_id"))
            .values(player=bindparam("player_value"))
        )
        playing = (
            update(table)
            .where(table.c.id == bindparam("screen_id"))
            .values(playing_creative_id=bindparam("playing"))
        )
        # In short transactions with a pause between them: at 100,000 screens one transaction
        # held SQLite's write lock for seconds, and every edit queued behind it.
        items = list(pending.items())
        written: set[str] = set()
        try:
            for start in range(0, len(items), FLUSH_SLICE):
                chunk = items[start : start + FLUSH_SLICE]
                seen_rows = [{"screen_id": sid, "seen": s.at} for sid, s in chunk]
                player_rows = [
                    {"screen_id": sid, "player_value": s.player}
                    for sid, s in chunk
                    if s.player is not None
                ]
                playing_rows = [
                    {"screen_id": sid, "playing": s.playing_creative_id}
                    for sid, s in chunk
                    if s.reported_playing
                ]
                with writer(engine).begin() as connection:
                    connection.execute(seen, seen_rows)
                    if player_rows:
                        connection.execute(player, player_rows)
                    if playing_rows:
                        connection.execute(playing, playing_rows)
                written.update(sid for sid, _ in chunk)
                if start + FLUSH_SLICE < len(items):
                    time.sleep(FLUSH_PAUSE_SECONDS)
        except Exception:
            # Keep the reports for the next round rather than lose them to a blip.
            for screen_id, sighting in pending.items():
                if screen_id not in written:
                    self._pending.setdefault(screen_id, sighting)
            logger.exception("could not record what screens reported; will retry")
            DATABASE_ERRORS.labels("reports").inc()
        return len(written)


async def flush_seen_forever(buffer: SeenBuffer, engine: Engine) -> None:
    while True:
        await anyio.sleep(FLUSH_EVERY_SECONDS)
        await anyio.to_thread.run_sync(buffer.flush, engine)


def get_seen(request: Request) -> SeenBuffer:
    seen: SeenBuffer = request.app.state.seen
    return seen


# The process's buffer, made by `create_app`.
SeenDep = Annotated[SeenBuffer, Depends(get_seen)]
