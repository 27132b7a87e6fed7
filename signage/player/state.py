"""The poll's in-memory state: who the screens are and what each should show, per process.

A `Snapshot` (signage/player/snapshot.py) holds every live screen (by token hash), the
schedules and the creatives. It is read whole at start, then kept current by reading only the
rows the change log names since its version (`read_changes`); `PlaylistState` decides when,
on a thread of its own, so a poll is dictionary lookups and a splice of precompiled bytes.
"""

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from signage import timing
from signage.core.gc_pause import collector_paused, settle_heap
from signage.core.metrics import COMPILE_SECONDS, DATABASE_ERRORS, REFRESH_SECONDS
from signage.core.notify import ChangeListener, libpq_url
from signage.core.threads import run_in_daemon_thread
from signage.core.versioning import CHANGED, Part, changes_since, read_version
from signage.player.snapshot import Programme, ScreenEntryInput, Snapshot, build_snapshot
from signage.schedules.timing_inputs import (
    LoadedScreen,
    load_creatives,
    load_schedules,
    load_screens,
)
from signage.takeovers.timing_inputs import load_takeovers
from signage.takeovers.timing_inputs import schedule_id as takeover_schedule_id

CHECK_EVERY_SECONDS = 0.5
# How often the ticker asks whether a check is due.
TICK_SECONDS = 0.1
# While a PostgreSQL listener hears every edit at once, the version check is only the fallback.
CHECK_WHILE_LISTENING_SECONDS = 5.0
# How long a poll waits for a refresh that is due before serving the snapshot it has.
FRESH_WAIT_SECONDS = 0.5
# How long a poll waits for a refresh whose database has answered (reading and compiling).
LOAD_WAIT_SECONDS = 5.0
# How long the first polls wait for the first snapshot before answering 503.
FIRST_LOAD_WAIT_SECONDS = 5.0
# After a failed refresh, the last good snapshot serves this long before the next try.
RETRY_AFTER_FAILURE_SECONDS = 1.0

# Playlists that expire within this many seconds are compiled for then, ahead of time.
COMPILE_AHEAD_SECONDS = 60.0

logger = logging.getLogger("signage.player.state")


@dataclass(frozen=True)
class RefreshTimes:
    """How long the last refresh took to read and to compile (what the metrics report)."""

    incremental: bool
    read_seconds: float
    compile_seconds: float


# What a compiled playlist depends on once targeting is resolved: the venue's clock and hours
# (not which venue it is), the screen's orientation, and the schedules that target the screen.
class Programmes:
    """The schedules and creatives of the last few versions, for one-screen snapshots (the
    previews, a screen's page and week): every screen's page reads the same thousand
    schedules, so they are read once per version of the programme (and of the estate, which
    holds the organisations whose kinds the schedules' reach depends on). Never stale: an edit
    is a new key. One per app (its database): versions are counters of one database."""

    def __init__(self, size: int = 2) -> None:
        self._size = size
        self._kept: dict[tuple[int, int], tuple[timing.ScheduleIndex, Programme]] = {}
        self._lock = threading.Lock()

    def load(self, session: Session) -> tuple[timing.ScheduleIndex, Programme]:
        connection = session.connection()
        # Read before the rows: nothing is kept under a version older than its data.
        key = (read_version(connection, Part.programme), read_version(connection, Part.estate))
        with self._lock:
            found = self._kept.get(key)
        if found is None:
            programme = _programme(session)
            found = (timing.ScheduleIndex(programme.schedules.values()), programme)
            with self._lock:
                if len(self._kept) >= self._size:
                    self._kept.pop(next(iter(self._kept)))
                self._kept[key] = found
        return found


def _programme(session: Session) -> Programme:
    schedules = [*load_schedules(session), *load_takeovers(session, datetime.now(UTC))]
    used = load_creatives(session, (c for s in schedules for c in s.creative_ids))
    return Programme({s.id: s for s in schedules}, used.creatives, used.media)


def _inputs(screens: Iterable[LoadedScreen]) -> Iterator[ScreenEntryInput]:
    return (ScreenEntryInput(s.id, s.timing, s.token_hash) for s in screens)


def read_snapshot(
    session: Session,
    *,
    version: int,
    screen_id: str | None = None,
    programmes: Programmes | None = None,
) -> Snapshot:
    """Every live screen (or just ``screen_id``, for the preview), every schedule and the
    creatives they use, as the engine sees them: the one loader the poll and preview share.
    A one-screen snapshot reads the schedules through ``programmes`` (the app's) if given.
    Nothing is compiled yet (``Snapshot.compile_all``, or lazily by ``playlist_for``)."""
    with collector_paused():
        screens = load_screens(session, screen_id=screen_id)
        if screen_id is None or programmes is None:
            programme = _programme(session)
        else:
            index, programme = programmes.load(session)
            return build_snapshot(version, _inputs(screens), programme, index=index)
        return build_snapshot(version, _inputs(screens), programme)


def load_snapshot(engine: Engine) -> Snapshot:
    with Session(engine) as session:
        # The version is read first: data read after it is at least that new, so a change
        # racing with this load is picked up by the next check rather than lost.
        version = read_version(session.connection())
        return read_snapshot(session, version=version)


# Kinds of change that a refresh reads again row by row; any other (an organisation, whose
# kind decides which schedules count; a campaign) means reading the whole programme again,
# still without the screens.
_ESTATE_ROWS = {"screens", "venues"}
_PROGRAMME_ROWS = {"schedules", "creatives", "takeovers"}


def read_changes(session: Session, old: Snapshot, version: int) -> Snapshot | None:
    """The snapshot at ``version`` built from ``old`` by reading again only what changed
    since, or None when the change log does not reach back to ``old`` (read everything)."""
    connection = session.connection()
    changes = changes_since(connection, old.version, version)
    if changes is None:
        return None
    by_kind: dict[str, set[str]] = {}
    for kind, row_id in changes:
        by_kind.setdefault(kind, set()).add(row_id)
    with collector_paused():
        screens: dict[str, ScreenEntryInput | None] = {}
        screen_ids = by_kind.get("screens", set())
        venue_ids = by_kind.get("venues", set())
        if screen_ids or venue_ids:
            for screen_id in screen_ids:
                screens[screen_id] = None  # unless read again below: revoked or moved away
            for venue_id in venue_ids:
                for screen_id in old.by_venue.get(venue_id, ()):
                    screens[screen_id] = None
            loaded = load_screens(session, screen_ids=screen_ids, venue_ids=venue_ids)
            screens.update((s.id, s) for s in _inputs(loaded))
        programme: Programme | None = None
        if set(by_kind) - _ESTATE_ROWS - _PROGRAMME_ROWS:
            programme = _programme(session)
        elif by_kind.keys() & _PROGRAMME_ROWS:
            programme = _programme_changed(
                session,
                old.programme,
                by_kind.get("schedules", set()),
                by_kind.get("creatives", set()),
                by_kind.get("takeovers", set()),
            )
        return old.updated(version, screens=screens, programme=programme)


def _programme_changed(
    session: Session,
    old: Programme,
    schedule_ids: set[str],
    creative_ids: set[str],
    takeover_ids: set[str],
) -> Programme:
    schedules = dict(old.schedules)
    for schedule_id in [*schedule_ids, *(takeover_schedule_id(t) for t in takeover_ids)]:
        schedules.pop(schedule_id, None)  # unless read again: deleted
    schedules.update((s.id, s) for s in load_schedules(session, schedule_ids))
    if takeover_ids:
        found = load_takeovers(session, datetime.now(UTC), takeover_ids)
        schedules.update((s.id, s) for s in found)
    wanted = {c for s in schedules.values() for c in s.creative_ids}
    creatives = {c: v for c, v in old.creatives.items() if c in wanted and c not in creative_ids}
    media = {c: v for c, v in old.media.items() if c in creatives}
    used = load_creatives(session, wanted - creatives.keys())
    creatives.update(used.creatives)
    media.update(used.media)
    return Programme(schedules, creatives, media)


class PlaylistState:
    """Keeps this process's snapshot current: checked against the database version every half
    second (every five while PostgreSQL's NOTIFY is heard), at once when a notification says
    another process changed something, and at once after this process itself committed one.

    Refreshes run on one thread of their own, started by a ticker of their own, never by the
    request path: polls are served from the snapshot there is while the next one is read and
    compiled. A poll waits only for a change this process made itself (an editor who saved
    and then looks sees the edit) and for the first load, both briefly: once a process has
    loaded a snapshot, a database that is down, slow or hung never turns a screen's poll into
    an error or a hang.
    """

    def __init__(self, engine: Engine, *, poll_after_seconds: int = 30) -> None:
        self._engine = engine
        self._poll_after = poll_after_seconds
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self._dirty = True
        # This process's own commits: counted, and applied by the refresh that began after.
        self._local_wanted = 0
        self._local_applied = 0
        self._start_lock = threading.Lock()
        self._refresh: Future[None] | None = None
        self._refresh_started = 0.0
        self._answered_at = -1.0
        self._failure: str | None = None
        self._failed_at = 0.0
        self.last_refresh: RefreshTimes | None = None
        self.full_loads = 0  # snapshots read from scratch (the first, and any the log missed)
        self._listener: ChangeListener | None = None
        self._ticker: threading.Thread | None = None
        self._stopped = threading.Event()
        # Called on the refresh's thread with the snapshot before and the one now served.
        self.on_publish: list[Callable[[Snapshot | None, Snapshot], None]] = []
        event.listen(OrmSession, "after_commit", self._on_commit)

    def _on_commit(self, session: OrmSession) -> None:
        # A writer session is bound to an option engine sharing this engine's pool.
        changed = session.info.get(CHANGED, False)
        if changed and session.get_bind().engine.pool is self._engine.pool:
            self._local_wanted += 1
            self._start_refresh()

    def needs_check(self) -> bool:
        now = time.monotonic()
        if self._failure is not None and now - self._failed_at < RETRY_AFTER_FAILURE_SECONDS:
            return False  # the last try failed: serve what there is, try again shortly
        every = CHECK_WHILE_LISTENING_SECONDS if self.listening else CHECK_EVERY_SECONDS
        return (
            self._dirty
            or self._snapshot is None
            or self._local_applied < self._local_wanted
            or now - self._checked_at >= every
        )

    def must_wait(self) -> bool:
        """Whether a poll should wait for the refresh: none loaded yet, or this process's own
        change not in it yet."""
        return self._snapshot is None or self._local_applied < self._local_wanted

    @property
    def listening(self) -> bool:
        """Whether edits from other processes are heard at once (PostgreSQL's NOTIFY)."""
        return self._listener is not None and self._listener.listening

    def _heard_change(self) -> None:
        self._dirty = True
        self._start_refresh()

    def refresh(self) -> Snapshot:
        """Check the version and bring the snapshot up to it if it moved, reading only what
        changed when the change log reaches back far enough (blocking; raises if the
        database fails). Every playlist the new snapshot needs is compiled before it is
        published; those expiring within a minute are compiled ahead."""
        self._dirty = False
        local = self._local_wanted  # committed before the version below is read
        with self._engine.connect() as connection:
            version = read_version(connection)
        self._answered_at = time.monotonic()  # the database is answering: worth waiting for
        snapshot = self._snapshot
        if snapshot is None or version != snapshot.version:
            started = time.perf_counter()
            fresh: Snapshot | None = None
            with Session(self._engine) as session:
                if snapshot is not None:
                    fresh = read_changes(session, snapshot, version)
                incremental = fresh is not None
                if fresh is None:
                    fresh = read_snapshot(session, version=version)
                    self.full_loads += 1
            loaded = time.perf_counter()
            fresh.compile_all(datetime.now(UTC), self._poll_after)
            self.last_refresh = RefreshTimes(
                incremental=incremental,
                read_seconds=loaded - started,
                compile_seconds=time.perf_counter() - loaded,
            )
            kind = "incremental" if incremental else "full"
            REFRESH_SECONDS.labels(kind).observe(self.last_refresh.read_seconds)
            COMPILE_SECONDS.observe(self.last_refresh.compile_seconds)
            previous, self._snapshot = self._snapshot, fresh
            snapshot = fresh
            for listener in self.on_publish:
                try:
                    listener(previous, fresh)
                except Exception:  # a listener's failure must not stop the refreshes
                    logger.exception("a playlist listener failed")
            if not incremental:
                # A full load made the fleet's objects anew; an incremental one made a few,
                # which the young generations handle.
                settle_heap()
        self._local_applied = max(self._local_applied, local)
        snapshot.compile_ahead(datetime.now(UTC), COMPILE_AHEAD_SECONDS, self._poll_after)
        self._checked_at = time.monotonic()
        return snapshot

    def _refresh_in_background(self) -> None:
        try:
            self.refresh()
        except Exception as exc:  # any database failure: keep serving, retry later
            DATABASE_ERRORS.labels("refresh").inc()
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

    def warm_up(self) -> None:
        """Start loading the snapshot and keeping it current in the background, and on
        PostgreSQL listening for edits (the app's startup calls this)."""
        self._stopped.clear()
        if self._listener is None and self._engine.dialect.name == "postgresql":
            self._listener = ChangeListener(libpq_url(self._engine), self._heard_change)
            self._listener.start()
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="playlists-tick", daemon=True)
            self._ticker.start()
        if self._snapshot is None:
            self._start_refresh()

    def _tick(self) -> None:
        while not self._stopped.wait(TICK_SECONDS):
            if self.needs_check():
                self._start_refresh()

    def _start_refresh(self) -> "Future[None]":
        return self._running_refresh()[0]

    def _running_refresh(self) -> "tuple[Future[None], float]":
        """The refresh under way (started now if none is) and when it started."""
        with self._start_lock:
            if self._refresh is None or self._refresh.done():
                self._refresh_started = time.monotonic()
                self._refresh = run_in_daemon_thread(self._refresh_in_background, "playlists")
            return self._refresh, self._refresh_started

    async def for_poll(self) -> Snapshot | None:
        """The snapshot to serve now, or None when none was ever loaded (the caller says 503).

        A due refresh is started (one at a time, in the background). The poll waits for it
        only when it must (``must_wait``), and then briefly: a fresh edit is served at once
        when the database is well, the last good snapshot when it is not.
        """
        snapshot = self._snapshot
        if self.needs_check():
            self._start_refresh()
        if snapshot is not None and not self.must_wait():
            return snapshot
        # Two rounds at most: a refresh already under way (started by a notification, or at
        # startup) may have read the version before the change this poll must see.
        for _round in range(2):
            if not self.must_wait():
                break
            refresh, started = self._running_refresh()
            if not await self._wait_for(refresh, started, first_load=snapshot is None):
                break  # out of time, or the database failed: serve what there is
        return self._snapshot

    async def after_check(self) -> tuple[Snapshot | None, bool]:
        """The snapshot once a version check that began after this call has ended, and
        whether one did (it may take too long, or the database may fail): for a device token
        this process does not know, which may be a screen paired or given a new token through
        another process a moment ago. Polls waiting so share one check; a check that finds
        nothing new is one query."""
        asked = time.monotonic()
        for _round in range(2):
            refresh, started = self._running_refresh()
            if not await self._wait_for(refresh, started, first_load=self._snapshot is None):
                return self._snapshot, False
            if started >= asked:
                return self._snapshot, True
        return self._snapshot, False

    async def _wait_for(self, refresh: "Future[None]", started: float, *, first_load: bool) -> bool:
        """Wait for ``refresh``, within a budget; whether it ended and the database answered."""
        waited = asyncio.shield(asyncio.wrap_future(refresh))
        while not refresh.done():
            # Until the database has answered this refresh's first query, wait only briefly
            # (it may be down or hung); once it has, the rest is reading and compiling, worth
            # waiting for so that an edit is served at once, even on a busy machine.
            answered = self._answered_at >= started
            if first_load:
                budget = FIRST_LOAD_WAIT_SECONDS
            else:
                budget = LOAD_WAIT_SECONDS if answered else FRESH_WAIT_SECONDS
            remaining = started + budget - time.monotonic()
            if remaining <= 0:
                break
            step = remaining if answered or first_load else min(remaining, 0.05)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(waited), step)
        return refresh.done() and self._failure is None

    @property
    def cached(self) -> Snapshot | None:
        return self._snapshot

    def metric_values(self) -> Iterator[tuple[str, str, float]]:
        """This process's snapshot, for /metrics (scraped from whichever worker answers)."""
        yield (
            "signage_playlists_listening",
            "1 while this process hears edits at once (PostgreSQL NOTIFY)",
            1.0 if self.listening else 0.0,
        )
        snapshot = self._snapshot
        if snapshot is not None:
            yield ("signage_snapshot_version", "Playlist version held", float(snapshot.version))
            yield ("signage_snapshot_screens", "Live screens held", float(len(snapshot.by_id)))
            yield (
                "signage_snapshot_playlists",
                "Distinct compiled playlists held",
                float(len(snapshot.compiled_groups)),
            )
        if self._checked_at:
            yield (
                "signage_snapshot_checked_seconds_ago",
                "Since the version was last checked",
                time.monotonic() - self._checked_at,
            )

    def health(self) -> dict[str, object]:
        """What /readyz reports about the playlists this process serves."""
        report: dict[str, object] = {
            "loaded": self._snapshot is not None,
            "listening": self.listening,
        }
        if self._snapshot is not None and self._checked_at:
            report["checked_seconds_ago"] = round(time.monotonic() - self._checked_at, 1)
        if self._failure is not None:
            report["last_error"] = self._failure
        return report

    def close(self) -> None:
        # Idempotent: an app served twice (a test client and a live server) closes twice.
        self._stopped.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
            self._ticker = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        if event.contains(OrmSession, "after_commit", self._on_commit):
            event.remove(OrmSession, "after_commit", self._on_commit)
