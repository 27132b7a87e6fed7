"""The player: a playback loop on the calling thread and a network loop on a worker thread.

They are separate so that nothing on the network (a slow media download, a server that is
gone, a pairing that waits for someone to type a code) can hold the picture on screen past a
boundary. They share only the current playlist (under a lock), the play spool (which locks
itself) and two events: `stop` and `wake` (a new playlist or a new media file is ready).

A third thread (push.py) holds the server's events stream open once the first poll has
succeeded; when it says the playlist changed it sets `poll_now`, which cuts the network
loop's wait short. The loop polls on its timer all the same, stream or no stream.

Clocks: schedule instants (what is on air) come from the wall clock; every sleep is a
monotonic wait of at most `max_sleep` seconds, so a wall-clock step (NTP on a Pi that booted
without a real-time clock) is noticed within seconds, and play durations are measured on the
monotonic clock so such a step cannot distort them.
"""

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from signage_player import PLAYER_NAME
from signage_player.client import (
    Grant,
    Pairing,
    PlayerClient,
    PlayerError,
    RetryLater,
    Unauthorized,
    UnexpectedReply,
)
from signage_player.plays import PlaySpool, new_play
from signage_player.push import PushListener
from signage_player.renderers import Renderer
from signage_player.schedule import media_for, next_change, slot_at
from signage_player.store import MediaMismatch, Store

log = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS = 30.0


class Stopping(PlayerError):
    """The player is stopping; whatever was under way is abandoned."""


@dataclass(frozen=True)
class PlayerOptions:
    server: str
    state_dir: Path
    orientation: str | None = None
    width: int | None = None
    height: int | None = None
    min_backoff: float = 2.0
    max_backoff: float = 300.0
    status_every: float = 60.0
    max_sleep: float = 5.0
    events: bool = True  # hold GET /v1/player/events open, to poll as soon as told to


@dataclass(frozen=True)
class Showing:
    creative_id: str
    occurrence: datetime  # the slot's start: a new loop round is a new play
    started_at: datetime  # wall clock, for the report
    started_mono: float  # monotonic, for the duration


def backoff_delay(failures: int, minimum: float, maximum: float) -> float:
    """Exponential with jitter (half to full), so a fleet does not return in lockstep."""
    ceiling = min(maximum, minimum * 2 ** max(0, failures - 1))
    return random.uniform(ceiling / 2, ceiling)


def pairing_banner(user_code: str) -> str:
    text = f"Pair this screen with code {user_code}"
    rule = "+" + "-" * (len(text) + 6) + "+"
    return "\n".join(["", rule, f"|   {text}   |", rule, ""])


class Player:
    def __init__(
        self,
        options: PlayerOptions,
        renderer: Renderer,
        *,
        token: str | None = None,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.options = options
        self.renderer = renderer
        self.store = Store(options.state_dir)
        self.spool = PlaySpool(options.state_dir / "plays.jsonl")
        if token:
            self.store.save_token(token)
        self.client = PlayerClient(
            options.server, token=self.store.load_token(), user_agent=PLAYER_NAME
        )
        self._wall = wall
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._poll_now = threading.Event()  # the events stream: poll at once
        self._lock = threading.Lock()
        self._etag, self._body = self.store.load_playlist()
        self._showing: Showing | None = None
        self._blank = False
        self._errors: deque[str] = deque(maxlen=20)
        self._reported_playing: str | None = None
        self._last_status = -float("inf")
        self.last_poll_status: int | str | None = None  # for people and tests: 200, 304, ...
        self.polls = 0  # playlist polls sent (for people and tests)
        self.push: PushListener | None = None
        if options.events:
            self.push = PushListener(
                self.client, poll_now=self.poll_now, current_etag=lambda: self._etag
            )

    # --- lifecycle ------------------------------------------------------------------------

    def prepare(self) -> None:
        self.store.lock()
        self.store.clear_pairing()  # a code from an earlier run is dead; a new one is drawn
        removed = self.store.remove_temporaries()
        if removed:
            log.info("removed %d temporary file(s) left by an earlier run", removed)
        for name in self.store.verify_media():
            log.warning("removed cached media %s: its content does not match its name", name)

    def run(self) -> None:
        """Play until stop(); the network loop runs beside it."""
        self.prepare()
        worker = threading.Thread(target=self._network_loop, name="signage-network", daemon=True)
        worker.start()
        try:
            self._playback_loop()
        finally:
            self._stop.set()
            self._poll_now.set()
            if self.push is not None:
                self.push.stop()
            worker.join(timeout=30)
            self._finish_showing()
            self._final_upload()
            self.renderer.close()
            self.client.close()
            self.store.unlock()

    def run_once(self) -> bool:
        """Pair if needed, poll and sync once, put the current item on screen, and return
        whether the server answered."""
        self.prepare()
        try:
            if not self.client.token:
                self._pair()
            try:
                self.sync_once()
                ok = True
            except PlayerError as error:
                log.warning("sync failed: %s", error)
                ok = False
            self._playback_step()
            return ok
        finally:
            self.renderer.close()
            self.client.close()
            self.store.unlock()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._poll_now.set()

    def poll_now(self, reason: str) -> None:
        """Poll at once rather than at the end of the timer (the events stream calls this)."""
        log.info("%s: polling now", reason)
        self._poll_now.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopping; False when the player is stopping."""
        return not self._stop.wait(max(0.0, seconds))

    # --- playback (calling thread) --------------------------------------------------------

    def _playback_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            timeout = self._playback_step()
            self._wake.wait(timeout)

    def _playback_step(self) -> float:
        """Show what is on air now; return how long until it may change (capped)."""
        now = self._wall()
        with self._lock:
            body = self._body
        slot = slot_at(body, now) if body else None
        entry = media_for(body, slot.creative_id) if body and slot else None
        sha = str(entry.get("sha256", "")) if entry else ""
        if slot is not None and entry is not None and self.store.has_media(sha):
            showing = self._showing
            if showing is None or (showing.creative_id, showing.occurrence) != (
                slot.creative_id,
                slot.starts_at,
            ):
                self._finish_showing()
                self.renderer.show(
                    self.store.media_path(sha),
                    slot.creative_id,
                    str(entry.get("mime_type", "")),
                    slot.duration_ms,
                )
                self._showing = Showing(slot.creative_id, slot.starts_at, now, time.monotonic())
                self._blank = False
        elif self._showing is not None or not self._blank:
            # Nothing on air, or its file is not here yet (the network loop wakes us).
            self._finish_showing()
            self.renderer.blank()
            self._blank = True
        change = next_change(body, now) if body else None
        if change is None:
            return self.options.max_sleep
        return min(self.options.max_sleep, max(0.01, (change - self._wall()).total_seconds()))

    def _finish_showing(self) -> None:
        """Spool the play of what was on screen: it finished, or a boundary, a new playlist
        or a stop cut it short."""
        showing, self._showing = self._showing, None
        if showing is None:
            return
        duration_ms = round((time.monotonic() - showing.started_mono) * 1000)
        if duration_ms <= 0:
            return
        self.spool.append(new_play(showing.creative_id, showing.started_at, duration_ms))

    @property
    def playing_creative_id(self) -> str | None:
        showing = self._showing
        return showing.creative_id if showing else None

    # --- network (worker thread) ----------------------------------------------------------

    def _network_loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            delay: float
            early = True  # may the events stream cut the wait short?
            self._poll_now.clear()  # this round's poll answers any request made before it
            try:
                if not self.client.token:
                    self._pair()
                    failures = 0
                    continue
                self.sync_once()
                failures = 0
                delay = self._poll_after() * random.uniform(0.9, 1.1)
                if self.push is not None:
                    self.push.start()  # once: the server has answered, so listen to it
            except Unauthorized:
                log.warning("the server no longer accepts this screen's token: pairing again")
                self._unpair()
                continue
            except RetryLater as error:
                failures += 1
                delay = error.seconds if error.seconds is not None else self._backoff(failures)
                delay = min(delay, 3600.0)
                early = error.seconds is None  # the server said how long: wait it out
                self._note_error(str(error))
            except PlayerError as error:
                failures += 1
                delay = self._backoff(failures)
                self.last_poll_status = "network-error"
                log.warning(
                    "server unreachable (%s); playing from cache, retry in %.0f s", error, delay
                )
                self._note_error(str(error))
            except Exception:  # a bug in one round must not end the loop: the screen plays on
                failures += 1
                delay = self._backoff(failures)
                log.exception("sync round failed")
            if early:
                self._poll_now.wait(max(0.0, delay))  # stop() sets it too
            else:
                self._sleep(delay)

    def _backoff(self, failures: int) -> float:
        return backoff_delay(failures, self.options.min_backoff, self.options.max_backoff)

    def _poll_after(self) -> float:
        with self._lock:
            body = self._body
        value = body.get("poll_after_seconds") if body else None
        return max(1.0, float(value)) if isinstance(value, int | float) else DEFAULT_POLL_SECONDS

    def _note_error(self, message: str) -> None:
        self._errors.append(message[:200])

    def sync_once(self) -> None:
        """One round: poll the playlist, hand in plays, fetch media, report status."""
        self.polls += 1
        reply = self.client.playlist(self._etag)
        self.last_poll_status = reply.status
        if reply.body is not None:
            self.store.save_playlist(reply.etag, reply.body)
            with self._lock:
                self._etag, self._body = reply.etag, reply.body
            self._wake.set()
        self.upload_plays()
        self._sync_media()
        self._report_status()

    def upload_plays(self) -> None:
        try:
            self.spool.upload(self.client)
        except UnexpectedReply as error:
            # e.g. a server without the plays endpoint yet: keep the spool and carry on playing.
            log.warning("plays not uploaded, kept in the spool: %s", error)
            self._note_error(str(error))

    def _sync_media(self) -> None:
        with self._lock:
            body = self._body
        if body is None:
            return
        media: dict[str, Any] = body.get("media") or {}
        wanted: set[str] = set()
        for creative_id, entry in media.items():
            sha = str(entry.get("sha256", ""))
            wanted.add(sha)
            if self._stop.is_set() or self.store.has_media(sha):
                continue
            try:
                with self.client.stream_media(str(entry["url"])) as chunks:
                    size = entry.get("bytes")
                    self.store.install_media(
                        sha, int(size) if size is not None else None, self._unless_stopping(chunks)
                    )
            except (MediaMismatch, UnexpectedReply, ValueError, KeyError) as error:
                log.warning("media for %s not cached: %s", creative_id, error)
                self._note_error(f"media {creative_id}: {error}")
                continue
            log.info("cached media %s for %s", sha, creative_id)
            self._wake.set()
        for name in self.store.prune_media(wanted):
            log.info("removed media %s: no longer in the playlist", name)

    def _unless_stopping(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        # A stop (SIGTERM) must not wait for a long download; the temporary is removed.
        for chunk in chunks:
            if self._stop.is_set():
                raise Stopping("stopping mid-download")
            yield chunk

    def _report_status(self) -> None:
        playing = self.playing_creative_id
        due = time.monotonic() - self._last_status >= self.options.status_every
        if not due and playing == self._reported_playing and not self._errors:
            return
        errors = list(self._errors)
        self.client.post_status(
            {
                "player": PLAYER_NAME,
                "playing_creative_id": playing,
                "cached_bytes": self.store.cached_bytes(),
                "free_bytes": self.store.free_bytes(),
                "errors": errors,
            }
        )
        for _ in errors:
            self._errors.popleft()
        self._reported_playing = playing
        self._last_status = time.monotonic()

    def _final_upload(self) -> None:
        """On a clean stop, try once to hand in what is spooled (it stays if this fails)."""
        if self.client.token and self.last_poll_status in (200, 304):
            try:
                self.upload_plays()
            except PlayerError as error:
                log.info("plays stay spooled for the next start: %s", error)

    # --- pairing ----------------------------------------------------------------------------

    def _pair(self) -> None:
        grant: Grant | None = self.client.pair(
            wait=self._sleep,
            on_code=self._show_code,
            orientation=self.options.orientation,
            width=self.options.width,
            height=self.options.height,
            player=PLAYER_NAME,
        )
        if grant is None:  # stopping
            return
        self.store.save_token(grant.device_token)
        self.store.clear_pairing()
        self.client.token = grant.device_token
        log.info("paired: this is screen %s", grant.screen_id)
        if self.push is not None:
            self.push.token_changed()
        self._wake.set()

    def _show_code(self, pairing: Pairing) -> None:
        self.store.save_pairing(pairing.user_code, pairing.expires_in)
        log.warning(pairing_banner(pairing.user_code))

    def _unpair(self) -> None:
        self.client.token = None
        self.store.clear_token()
        self.store.clear_playlist()
        with self._lock:
            self._etag, self._body = None, None
        aside = self.spool.set_aside(datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
        if aside is not None:
            log.warning("unsent plays of the old screen kept in %s", aside)
        self._wake.set()
