"""The push channel: GET /v1/player/events, a server-sent event stream that tells the screen
when to poll, read on a thread of its own.

    ready     first on every stream: {"version", "etag"}; if the ETag is not the one we hold,
              a change was missed while the stream was down: poll now
    playlist  {"version", "etag"}: the playlist changed: poll now (the ordinary conditional
              poll; the ETag is only informational)
    : ...     heartbeats (comments), every 15 s

The stream only adds early polls: the poll timer runs whatever the stream does, so a screen
never depends on it. After the stream ends or fails, the next attempt waits the server's
`retry` (3 s until it sends one) times a random 0.5 to 1.5, doubled for each consecutive
failure up to 60 s, and back to one `retry` after any stream that delivered `ready`. 45 s
without a byte counts as a dead stream (client.py's read timeout). 429 and 503 wait out their
Retry-After; 404 and 405 (a server without the stream) wait ten minutes; 401 wakes the poll,
which meets the same 401 and pairs again, and the stream waits for the new token.
"""

import json
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable

from signage_player.client import (
    NoEventStream,
    PlayerClient,
    PlayerError,
    RetryLater,
    Unauthorized,
)
from signage_player.sse import ServerEvent, SseParser

log = logging.getLogger(__name__)

DEFAULT_RETRY_MS = 3000  # until the server sends `retry:`
MAX_DELAY = 60.0  # seconds: the longest wait after failures
NO_STREAM_PAUSE = 600.0  # seconds: after 404/405, or a 401 while the token stays the same
MAX_RETRY_AFTER = 3600.0


def reconnect_delay(
    retry_ms: int, failures: int, rand: Callable[[], float] = random.random
) -> float:
    """Seconds before the next attempt: `retry_ms` doubled per consecutive failure up to
    MAX_DELAY, times a random factor in [0.5, 1.5]; the factor's top is cut so the wait
    itself never passes MAX_DELAY (at the cap it is drawn from [MAX_DELAY / 2, MAX_DELAY])."""
    ceiling = min(MAX_DELAY, retry_ms / 1000 * 2.0 ** min(max(failures, 0), 32))
    low, high = ceiling / 2, min(ceiling * 1.5, MAX_DELAY)
    return low + (high - low) * rand()


class Reconnect:
    """When to try again, from how the last attempt went."""

    def __init__(self, rand: Callable[[], float] = random.random) -> None:
        self.rand = rand
        self.retry_ms = DEFAULT_RETRY_MS
        self.failures = 0  # consecutive attempts since the last stream that delivered `ready`

    def reset(self) -> None:
        self.failures = 0

    def after_stream(self, got_ready: bool) -> float:
        """The stream ended, or never opened (refused, 5xx, dropped before `ready`)."""
        self.failures = 0 if got_ready else self.failures + 1
        return reconnect_delay(self.retry_ms, self.failures, self.rand)

    def retry_later(self, seconds: float | None) -> float:
        """429 or 503: never before its Retry-After (plus up to half again, so screens told
        the same thing do not all come back at once), nor before the ordinary backoff."""
        backoff = self.after_stream(False)
        if seconds is None:
            return backoff
        return max(min(seconds * (1 + 0.5 * self.rand()), MAX_RETRY_AFTER), backoff)

    def no_stream(self) -> float:
        """404/405: a server without the events endpoint; ask again in ten minutes or so."""
        return NO_STREAM_PAUSE * (1 + 0.2 * self.rand())


def same_etag(one: str | None, other: str | None) -> bool:
    """Whether two ETags name the same playlist: weak comparison (W/ ignored), and a body's
    gzip variant (`"x-gzip"`, which the poll answers to an Accept-Encoding: gzip) counts as
    the plain one (`"x"`), as the server's own If-None-Match check does."""
    if one is None or other is None:
        return False
    return _plain_etag(one) == _plain_etag(other)


def _plain_etag(value: str) -> str:
    tag = value.strip().removeprefix("W/")
    return tag[: -len('-gzip"')] + '"' if tag.endswith('-gzip"') else tag


def _etag_of(data: str) -> str | None:
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    etag = parsed.get("etag") if isinstance(parsed, dict) else None
    return etag if isinstance(etag, str) else None


class PushListener:
    """Holds GET /v1/player/events open and calls `poll_now(reason)` when the server says the
    playlist changed. start() runs it on a daemon thread; stop() ends it, even mid-read.

    For people and tests: `status` (off, connecting, open, waiting, no-stream,
    unauthorized), `opened` (streams that answered 200), `events` (recent (monotonic time,
    type, id)), `last_event_id`, and `next_attempt` (monotonic, while waiting)."""

    def __init__(
        self,
        client: PlayerClient,
        *,
        poll_now: Callable[[str], None],
        current_etag: Callable[[], str | None],
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._client = client
        self._poll_now = poll_now
        self._current_etag = current_etag
        self.reconnect = Reconnect(rand)
        self.last_event_id = ""
        self.status = "off"
        self.opened = 0
        self.events: deque[tuple[float, str, str]] = deque(maxlen=100)
        self.next_attempt: float | None = None
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._interrupt: Callable[[], None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Run on a thread of its own (once; a no-op when running or stopped)."""
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="signage-events", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stop.set()
            self._kick.set()
            if self._interrupt is not None:
                self._interrupt()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def token_changed(self) -> None:
        """A new device token (paired again): forget the old stream's state, connect now."""
        self._kick.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._client.token:
                self.status = "off"  # pairing: nothing to listen to until there is a token
                self._wait(None)
                continue
            try:
                delay = self.connect_once()
            except Exception:  # a bug here must not end the thread: the poll still runs
                log.exception("events stream failed")
                delay = self.reconnect.after_stream(False)
            if self.status in ("open", "connecting"):
                self.status = "waiting"
            self._wait(delay)

    def _wait(self, seconds: float | None) -> None:
        """Until the next attempt, or until the token changes (or stop)."""
        self.next_attempt = None if seconds is None else time.monotonic() + seconds
        if self._kick.wait(seconds):
            self._kick.clear()
            self.reconnect.reset()
            self.last_event_id = ""
        self.next_attempt = None

    # --- one stream -----------------------------------------------------------------------

    def connect_once(self) -> float:
        """Open the stream and read it to its end; answer how long to wait before the next."""
        self.status = "connecting"
        got_ready = False
        try:
            with self._client.events(self.last_event_id or None) as stream:
                with self._lock:
                    if self._stop.is_set():
                        stream.interrupt()
                    self._interrupt = stream.interrupt
                self.opened += 1
                self.status = "open"
                log.info("events stream open")
                parser = SseParser(self.last_event_id)
                try:
                    for chunk in stream.chunks:
                        for event in parser.feed(chunk):
                            got_ready = self._handle(event) or got_ready
                        self.last_event_id = parser.last_event_id
                        if parser.retry_ms is not None:
                            self.reconnect.retry_ms = parser.retry_ms
                        if self._stop.is_set():
                            break
                finally:
                    with self._lock:
                        self._interrupt = None
            log.info("events stream ended")
        except Unauthorized:
            self.status = "unauthorized"
            log.warning("events stream refused the device token: polling to confirm")
            self._poll_now("events stream answered 401")
            return NO_STREAM_PAUSE  # or sooner: a new token (token_changed) starts afresh
        except RetryLater as error:
            delay = self.reconnect.retry_later(error.seconds)
            log.info("events stream: %s; trying again in %.0f s", error, delay)
            return delay
        except NoEventStream as error:
            self.status = "no-stream"
            delay = self.reconnect.no_stream()
            log.info("%s: no push channel; polling only, asking again in %.0f s", error, delay)
            return delay
        except (PlayerError, ValueError) as error:  # unreachable, 5xx, dropped, a broken line
            delay = self.reconnect.after_stream(got_ready)
            log.info("events stream failed (%s); trying again in %.1f s", error, delay)
            return delay
        return self.reconnect.after_stream(got_ready)

    def _handle(self, event: ServerEvent) -> bool:
        """Act on one event; True for `ready`."""
        self.events.append((time.monotonic(), event.type, event.id))
        if event.type == "ready":
            etag = _etag_of(event.data)
            if etag is not None and not same_etag(etag, self._current_etag()):
                self._poll_now(f"events: ready at {etag}, not the ETag held")
            return True
        if event.type == "playlist":
            self._poll_now(f"events: playlist changed (id {event.id or '-'})")
        return False
