"""The poll's in-memory state: who the screens are and what each should show, per process.

A `Snapshot` holds every live screen (by token hash), the schedules (indexed by target) and the
creatives, loaded in a few queries whenever the database's playlist version moves. Compiled
playlists are shared by screens with the same inputs (same venue, orientation, tags and
candidate schedules) and rendered per screen once; a poll is then dictionary lookups.
"""

import asyncio
import contextlib
import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from signage import timing
from signage.core.gc_pause import collector_paused
from signage.core.threads import run_in_daemon_thread
from signage.core.versioning import CHANGED, Part, read_version
from signage.player.playlist import CompiledPlaylist, PlaylistInputs, compile_playlist
from signage.schedules.timing_inputs import (
    CreativeInputs,
    load_creatives,
    load_schedules,
    load_screens,
)

CHECK_EVERY_SECONDS = 0.5
# How long a poll waits for a refresh that is due before serving the snapshot it has.
FRESH_WAIT_SECONDS = 0.5
# How long a poll waits for a refresh whose database has answered (reading and compiling).
LOAD_WAIT_SECONDS = 5.0
# How long the first polls wait for the first snapshot before answering 503.
FIRST_LOAD_WAIT_SECONDS = 5.0
# After a failed refresh, the last good snapshot serves this long before the next try.
RETRY_AFTER_FAILURE_SECONDS = 1.0

logger = logging.getLogger("signage.player.state")

# What a compiled playlist depends on once targeting is resolved: the venue's clock and hours
# (not which venue it is), the screen's orientation, and the schedules that target the screen.
CompileKey = tuple[object, str | None, tuple[str, ...]]


@dataclass
class ScreenEntry:
    id: str
    engine: timing.Screen


@dataclass
class Snapshot:
    version: int
    by_token: dict[str, ScreenEntry]
    by_id: dict[str, ScreenEntry]
    index: timing.ScheduleIndex
    creatives: dict[str, timing.Creative]
    media: dict[str, dict[str, Any]]
    compiled: dict[CompileKey, CompiledPlaylist] = field(default_factory=dict)
    keys: dict[str, CompileKey] = field(default_factory=dict)
    # Per screen only the compiled playlist it uses and its ETag: bodies are spliced on demand
    # (a 304 needs none), so memory grows with distinct playlists, not with screens.
    etags: dict[str, tuple[CompiledPlaylist, str]] = field(default_factory=dict)

    def inputs_for(self, screen: ScreenEntry) -> tuple[CompileKey, PlaylistInputs]:
        schedules = self.index.for_screen(screen.engine)
        key = self.keys.get(screen.id)
        if key is None:
            venue = screen.engine.venue
            key = (
                (venue.timezone, venue.nation, venue.opening_hours),
                screen.engine.orientation,
                tuple(sorted(s.id for s in schedules)),
            )
            self.keys[screen.id] = key
        wanted = {c for s in schedules for c in s.creative_ids}
        inputs = PlaylistInputs(
            screen=screen.engine,
            schedules=list(schedules),
            creatives={c: self.creatives[c] for c in wanted if c in self.creatives},
            media={c: self.media[c] for c in wanted if c in self.media},
        )
        return key, inputs

    def playlist_for(
        self, screen: ScreenEntry, *, now: datetime, poll_after: int
    ) -> tuple[CompiledPlaylist, str]:
        """The screen's compiled playlist and ETag; the body is ``compiled.body_for(id)``."""
        cached = self.etags.get(screen.id)
        if cached is not None and now < cached[0].valid_until:
            return cached
        key, inputs = self.inputs_for(screen)
        compiled = self.compiled.get(key)
        if compiled is None or now >= compiled.valid_until:
            compiled = compile_playlist(inputs, now=now, poll_after_seconds=poll_after)
            self.compiled[key] = compiled
        entry = (compiled, compiled.etag_for(screen.id))
        self.etags[screen.id] = entry
        return entry


class Programmes:
    """The schedules and creatives of the last few versions, for one-screen snapshots (the
    previews, a screen's page and week): every screen's page reads the same thousand
    schedules, so they are read once per version of the programme (and of the estate, which
    holds the organisations whose kinds the schedules' reach depends on). Never stale: an edit
    is a new key. One per app (its database): versions are counters of one database."""

    def __init__(self, size: int = 2) -> None:
        self._size = size
        self._kept: dict[tuple[int, int], tuple[timing.ScheduleIndex, CreativeInputs]] = {}
        self._lock = threading.Lock()

    def load(self, session: Session) -> tuple[timing.ScheduleIndex, CreativeInputs]:
        connection = session.connection()
        # Read before the rows: nothing is kept under a version older than its data.
        key = (read_version(connection, Part.programme), read_version(connection, Part.estate))
        with self._lock:
            found = self._kept.get(key)
        if found is None:
            schedules = load_schedules(session)
            used = load_creatives(session, (c for s in schedules for c in s.creative_ids))
            found = (timing.ScheduleIndex(schedules), used)  # an index is only read
            with self._lock:
                if len(self._kept) >= self._size:
                    self._kept.pop(next(iter(self._kept)))
                self._kept[key] = found
        return found


def read_snapshot(
    session: Session,
    *,
    version: int,
    screen_id: str | None = None,
    programmes: Programmes | None = None,
) -> Snapshot:
    """Every live screen (or just ``screen_id``, for the preview), every schedule and the
    creatives they use, as the engine sees them: the one loader the poll and preview share.
    A one-screen snapshot reads the schedules through ``programmes`` (the app's) if given."""
    with collector_paused():
        screens = load_screens(session, screen_id=screen_id)
        if screen_id is None or programmes is None:
            schedules = load_schedules(session)
            used = load_creatives(session, (c for s in schedules for c in s.creative_ids))
            index = timing.ScheduleIndex(schedules)
        else:
            index, used = programmes.load(session)
    entries = {s.id: ScreenEntry(s.id, s.timing) for s in screens}
    return Snapshot(
        version=version,
        by_token={s.token_hash: entries[s.id] for s in screens if s.token_hash},
        by_id=entries,
        index=index,
        creatives=used.creatives,
        media=used.media,
    )


def load_snapshot(engine: Engine) -> Snapshot:
    with Session(engine) as session:
        # The version is read first: data read after it is at least that new, so a change
        # racing with this load is picked up by the next check rather than lost.
        version = read_version(session.connection())
        return read_snapshot(session, version=version)


class PlaylistState:
    """Keeps this process's snapshot current: checked against the database version at most
    every half second, and at once after this process itself committed a change.

    Refreshes run on one thread of their own. A poll that finds the snapshot due waits a
    moment for the refresh it started and otherwise serves the snapshot it has
    (stale-while-revalidate): once a process has loaded a snapshot, a database that is down,
    slow or hung never turns a screen's poll into an error or a hang.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self._dirty = True
        self._start_lock = threading.Lock()
        self._refresh: Future[None] | None = None
        self._refresh_started = 0.0
        self._answered_at = -1.0
        self._failure: str | None = None
        self._failed_at = 0.0
        event.listen(OrmSession, "after_commit", self._on_commit)

    def _on_commit(self, session: OrmSession) -> None:
        # A writer session is bound to an option engine sharing this engine's pool.
        changed = session.info.get(CHANGED, False)
        if changed and session.get_bind().engine.pool is self._engine.pool:
            self._dirty = True

    def needs_check(self) -> bool:
        now = time.monotonic()
        if self._failure is not None and now - self._failed_at < RETRY_AFTER_FAILURE_SECONDS:
            return False  # the last try failed: serve what there is, try again shortly
        return (
            self._dirty or self._snapshot is None or now - self._checked_at >= CHECK_EVERY_SECONDS
        )

    def refresh(self) -> Snapshot:
        """Check the version and reload if it moved (blocking; raises if the database fails)."""
        self._dirty = False
        with self._engine.connect() as connection:
            version = read_version(connection)
        self._answered_at = time.monotonic()  # the database is answering: worth waiting for
        if self._snapshot is None or version != self._snapshot.version:
            self._snapshot = load_snapshot(self._engine)
        self._checked_at = time.monotonic()
        return self._snapshot

    def _refresh_in_background(self) -> None:
        try:
            self.refresh()
        except Exception as exc:  # any database failure: keep serving, retry later
            self._dirty = True
            self._failed_at = time.monotonic()
            if self._failure is None:
                logger.warning(
                    "playlists could not be refreshed; serving the last good ones: %s", exc
                )
            self._failure = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        else:
            if self._failure is not None:
                logger.warning("playlists refresh recovered")
            self._failure = None

    def _start_refresh(self) -> "Future[None]":
        with self._start_lock:
            if self._refresh is None or self._refresh.done():
                self._refresh_started = time.monotonic()
                self._refresh = run_in_daemon_thread(self._refresh_in_background, "playlists")
            return self._refresh

    async def for_poll(self) -> Snapshot | None:
        """The snapshot to serve now, or None when none was ever loaded (the caller says 503).

        A due refresh is started (one at a time) and waited for briefly: a fresh edit is served
        at once when the database is well, the last good snapshot when it is not.
        """
        snapshot = self._snapshot
        if snapshot is not None and not self.needs_check():
            return snapshot
        if self.needs_check():
            refresh = self._start_refresh()
            waited = asyncio.shield(asyncio.wrap_future(refresh))
            while not refresh.done():
                # Until the database has answered this refresh's first query, wait only
                # briefly (it may be down or hung); once it has, the rest is reading and
                # compiling, worth waiting for so that an edit is served at once, even on a
                # busy machine.
                answered = self._answered_at >= self._refresh_started
                if snapshot is None:
                    budget = FIRST_LOAD_WAIT_SECONDS
                else:
                    budget = LOAD_WAIT_SECONDS if answered else FRESH_WAIT_SECONDS
                remaining = self._refresh_started + budget - time.monotonic()
                if remaining <= 0:
                    break
                step = remaining if answered or snapshot is None else min(remaining, 0.05)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(waited), step)
        return self._snapshot

    @property
    def cached(self) -> Snapshot | None:
        return self._snapshot

    def health(self) -> dict[str, object]:
        """What /readyz reports about the playlists this process serves."""
        report: dict[str, object] = {"loaded": self._snapshot is not None}
        if self._snapshot is not None and self._checked_at:
            report["checked_seconds_ago"] = round(time.monotonic() - self._checked_at, 1)
        if self._failure is not None:
            report["last_error"] = self._failure
        return report

    def close(self) -> None:
        # Idempotent: an app served twice (a test client and a live server) closes twice.
        if event.contains(OrmSession, "after_commit", self._on_commit):
            event.remove(OrmSession, "after_commit", self._on_commit)
