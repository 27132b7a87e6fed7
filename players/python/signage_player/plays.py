"""Proof of play: a disk spool of plays, uploaded in idempotent batches.

Each play is one JSON line appended (and fsynced) to plays.jsonl the moment it is recorded,
so a crash loses at most the play that was on screen. A play's id is a UUID made here, once;
the server counts an id once however often it arrives, so the upload may simply resend until
it hears an answer. A record leaves the spool only when the server named its id (accepted,
duplicate or rejected): nothing is dropped on a lost answer, and nothing is counted twice.
"""

import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from signage_player.client import MAX_PLAYS_PER_BATCH, PlaysReply
from signage_player.schedule import format_instant
from signage_player.store import write_atomically

log = logging.getLogger(__name__)


class PlaysSender(Protocol):
    def post_plays(self, plays: list[dict[str, Any]]) -> PlaysReply: ...


@dataclass(frozen=True)
class UploadResult:
    sent: int
    settled: int
    rejected: list[dict[str, Any]]


def new_play(creative_id: str, started_at: datetime, duration_ms: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "creative_id": creative_id,
        "started_at": format_instant(started_at),
        "duration_ms": int(duration_ms),
    }


class PlaySpool:
    def __init__(self, path: Path) -> None:
        self.path = path
        # Appends come from the playback thread, uploads from the network thread.
        self._lock = threading.Lock()

    def append(self, play: dict[str, Any]) -> None:
        line = json.dumps(play, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)

    def pending(self) -> list[dict[str, Any]]:
        """Every spooled play, once each, oldest first."""
        with self._lock:
            return self._read()

    def _read(self) -> list[dict[str, Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        plays: dict[str, dict[str, Any]] = {}
        for number, line in enumerate(raw.splitlines(), 1):
            try:
                play = json.loads(line)
            except ValueError:
                # Only a crash mid-append makes a broken line (the last one): skip it.
                log.warning("skipping a broken line %d in %s", number, self.path)
                continue
            if isinstance(play, dict) and isinstance(play.get("id"), str):
                plays.setdefault(play["id"], play)
        return list(plays.values())

    def remove(self, ids: set[str]) -> None:
        """Drop settled ids; the rest (and anything appended meanwhile) stays."""
        if not ids:
            return
        with self._lock:
            keep = [play for play in self._read() if play["id"] not in ids]
            data = b"".join(json.dumps(p, separators=(",", ":")).encode() + b"\n" for p in keep)
            write_atomically(self.path, data)

    def set_aside(self, suffix: str) -> Path | None:
        """Move the spool away unsent (kept on disk): after the screen's token was revoked,
        its plays must not be reported under whichever screen this device pairs as next."""
        with self._lock:
            if not self.path.exists():
                return None
            target = self.path.with_name(f"{self.path.stem}-{suffix}.jsonl.unsent")
            os.replace(self.path, target)
            return target

    def upload(self, sender: PlaysSender, batch_size: int = MAX_PLAYS_PER_BATCH) -> UploadResult:
        """Send every pending play in batches; raises on the first failed batch, after
        removing what earlier batches settled."""
        pending = self.pending()
        sent = settled = 0
        rejected: list[dict[str, Any]] = []
        for start in range(0, len(pending), batch_size):
            batch = pending[start : start + batch_size]
            reply = sender.post_plays(batch)
            sent += len(batch)
            done = reply.settled_ids() & {play["id"] for play in batch}
            self.remove(done)
            settled += len(done)
            rejected += reply.rejected
            for bad in reply.rejected:
                log.warning("server rejected play %s: %s", bad.get("id"), bad.get("reason"))
        return UploadResult(sent=sent, settled=settled, rejected=rejected)
