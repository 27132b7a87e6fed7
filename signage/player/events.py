"""`GET /v1/player/events`: a server-sent events stream per screen that says "poll now".

Each process keeps the streams of the screens connected to it (`EventHub`). When its playlist
state publishes a new snapshot (an edit here, a NOTIFY from another replica, or the version
check on SQLite), the hub compares, for each connected screen only, the compiled playlist it
had with the one it has now (the snapshot shares every compiled playlist an edit did not
touch, so this is an identity check), and sends a `playlist` event to those that changed. A
screen whose playlist did not change hears nothing but heartbeats.

The format (documented in the README for third-party players):

    retry: 3417                      (once, jittered: the reconnect delay in ms)
    id: 1042                         (the playlist version: send it back as Last-Event-ID)
    event: ready
    data: {"version": 1042, "etag": "\"...\""}

    : heartbeat                      (every 15 s)

    id: 1043
    event: playlist                  (your playlist changed: poll now)
    data: {"version": 1043, "etag": "\"...\""}
"""

import asyncio
import contextlib
import json
import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from signage.player.bare_asgi import (
    NOT_YET_DETAIL,
    UNAUTHORIZED_DETAIL,
    UNAVAILABLE_DETAIL,
    Receive,
    Scope,
    Send,
    Unknown,
    bearer_token,
    problem,
    screen_after_check,
    screen_of,
    send_answer,
)
from signage.player.snapshot import Profile, ScreenEntry, Snapshot
from signage.player.state import PlaylistState
from signage.takeovers.delivery import DeliveryLog

EVENTS_PATH = "/v1/player/events"
HEARTBEAT = b": heartbeat\n\n"
# A screen may hold this many streams (a player restarted before its old stream timed out);
# a newer one closes the oldest.
STREAMS_PER_SCREEN = 2
# How many publishes are remembered for Last-Event-ID on reconnect.
REMEMBERED = 1000

logger = logging.getLogger("signage.player.events")


class Stream:
    """One open stream: at most one frame waiting (a second "poll now" says nothing more),
    and a future its reader sleeps on. Lighter than a queue and a task per wait: a process
    holds tens of thousands of these."""

    __slots__ = ("_closed", "_frame", "_waiter", "screen_id")

    def __init__(self, screen_id: str) -> None:
        self.screen_id = screen_id
        self._frame: bytes | None = None
        self._closed = False
        self._waiter: asyncio.Future[None] | None = None

    def put(self, frame: bytes | None) -> None:
        """On the event loop: a frame to send (None: close the stream)."""
        if frame is None:
            self._closed = True
        elif self._frame is None:
            self._frame = frame
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next(self, timeout: float) -> bytes | None:
        """The next frame, a heartbeat after ``timeout`` seconds of nothing, or None once
        the stream is to close."""
        if not self._closed and self._frame is None:
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = loop.call_later(timeout, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
        if self._closed:
            return None
        frame, self._frame = self._frame, None
        return frame if frame is not None else HEARTBEAT


def _wake(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_result(None)


@dataclass(frozen=True)
class _Publish:
    after: int  # the version before
    version: int
    profiles: frozenset[Profile]  # profiles whose compiled playlist changed
    screens: frozenset[str] | None  # screens read again (None: all, a full load)


def frame(event: str, version: int, etag: str) -> bytes:
    data = json.dumps({"version": version, "etag": etag}, separators=(", ", ": "))
    return f"id: {version}\nevent: {event}\ndata: {data}\n\n".encode()


class EventHub:
    """The streams of this process, by screen id, and the nudges for them."""

    def __init__(self, deliveries: DeliveryLog, *, max_streams: int) -> None:
        self._deliveries = deliveries
        self._max = max_streams
        self._by_screen: dict[str, list[Stream]] = {}
        self._count = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._recent: deque[_Publish] = deque(maxlen=REMEMBERED)
        self.nudges = 0  # playlist events queued since start (for tests and metrics)

    def __len__(self) -> int:
        return self._count

    def attach(self, screen_id: str) -> Stream | None:
        """A new stream for the screen (on the event loop), or None when this process holds
        as many as it may."""
        self._loop = asyncio.get_running_loop()
        with self._lock:
            if self._count >= self._max:
                return None
            streams = self._by_screen.setdefault(screen_id, [])
            stream = Stream(screen_id)
            streams.append(stream)
            self._count += 1
            oldest = streams.pop(0) if len(streams) > STREAMS_PER_SCREEN else None
            if oldest is not None:
                self._count -= 1
        if oldest is not None:
            oldest.put(None)
        return stream

    def detach(self, stream: Stream) -> None:
        with self._lock:
            streams = self._by_screen.get(stream.screen_id)
            if streams is not None and stream in streams:
                streams.remove(stream)
                self._count -= 1
                if not streams:
                    del self._by_screen[stream.screen_id]

    def published(self, old: Snapshot | None, new: Snapshot) -> None:
        """On the refresh's thread: a new snapshot is being served; nudge the connected
        screens whose playlist it changed, and close the streams of screens gone."""
        if old is None:
            return
        changed = frozenset(p for p, g in new.groups.items() if old.groups.get(p) is not g)
        with self._lock:
            self._recent.append(_Publish(old.version, new.version, changed, new.touched))
            connected = [(s, list(streams)) for s, streams in self._by_screen.items()]
        batch: list[tuple[list[Stream], bytes | None, tuple[str, ...]]] = []
        for screen_id, streams in connected:
            entry = new.by_id.get(screen_id)
            before = old.by_id.get(screen_id)
            if entry is None or (before is not None and before.token_hash != entry.token_hash):
                batch.append((streams, None, ()))  # revoked, or its token rotated
                continue
            if before is not None and old.groups.get(before.profile) is new.groups.get(
                entry.profile
            ):
                continue  # the same compiled playlist: nothing to say
            group = new.groups.get(entry.profile)
            compiled = group.compiled if group is not None else None
            etag = compiled.etag_for(screen_id) if compiled is not None else ""
            takeovers = compiled.takeovers if compiled is not None else ()
            batch.append((streams, frame("playlist", new.version, etag), takeovers))
        loop = self._loop
        if batch and loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._deliver, batch)

    def _deliver(self, batch: list[tuple[list[Stream], bytes | None, tuple[str, ...]]]) -> None:
        now = datetime.now(UTC)
        for streams, data, takeovers in batch:
            for stream in streams:
                stream.put(data)
            if data is not None:
                self.nudges += 1
                if takeovers:
                    self._deliveries.nudged(takeovers, streams[0].screen_id, now)

    def changed_since(self, version: int, entry: ScreenEntry, snapshot: Snapshot) -> bool:
        """Whether the screen's playlist may have changed after ``version`` (a reconnecting
        screen's Last-Event-ID): when in doubt, yes (it costs one conditional poll)."""
        if version >= snapshot.version:
            return False
        with self._lock:  # appended to on the refresh's thread
            recent = [p for p in self._recent if p.version > version]
        if not recent or recent[0].after > version:
            return True  # from before what this process remembers
        return any(
            p.screens is None or entry.profile in p.profiles or entry.id in p.screens
            for p in recent
        )


_NO_STORE = (b"cache-control", b"no-store")
_UNAUTHORIZED = problem(401, "Unauthorized", UNAUTHORIZED_DETAIL, _NO_STORE)
_NOT_ALLOWED = problem(405, "Method Not Allowed", "Use GET", _NO_STORE, (b"allow", b"GET, HEAD"))
_UNAVAILABLE = problem(
    503, "Service Unavailable", UNAVAILABLE_DETAIL, _NO_STORE, (b"retry-after", b"5")
)
_NOT_YET = problem(503, "Service Unavailable", NOT_YET_DETAIL, _NO_STORE, (b"retry-after", b"2"))
_FULL = problem(
    503,
    "Service Unavailable",
    "This server holds as many event streams as it may; poll instead",
    _NO_STORE,
)


_STREAM_HEADERS = (
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    # nginx: pass each event on at once rather than buffering the stream.
    (b"x-accel-buffering", b"no"),
)


def _last_event_id(value: bytes) -> int | None:
    text = value.decode("latin-1").strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None


class EventsEndpoint:
    def __init__(
        self,
        state: PlaylistState,
        hub: EventHub,
        *,
        heartbeat_seconds: float,
        lifetime_seconds: float,
    ) -> None:
        self._state = state
        self._hub = hub
        self._heartbeat = heartbeat_seconds
        self._lifetime = lifetime_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await send_answer(send, *_NOT_ALLOWED)
            return
        authorization = b""
        last_id: int | None = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"last-event-id":
                last_id = _last_event_id(value)
        token = bearer_token(authorization)
        if token is None:
            await send_answer(send, *_UNAUTHORIZED)
            return
        snapshot = self._state.cached or await self._state.for_poll()
        if snapshot is None:
            await send_answer(send, *_UNAVAILABLE)
            return
        entry = screen_of(snapshot, token)
        if entry is None:
            known = await screen_after_check(self._state, token)
            if isinstance(known, Unknown):
                refused = known is Unknown.REFUSED
                await send_answer(send, *(_UNAUTHORIZED if refused else _NOT_YET))
                return
            snapshot, entry = known
        if scope["method"] == "HEAD":  # what a GET would answer, without opening a stream
            await send_answer(send, 200, list(_STREAM_HEADERS), b"")
            return
        stream = self._hub.attach(entry.id)
        if stream is None:
            status, headers, body = _FULL
            # Spread the retries: a fleet refused at once should not come back at once.
            retry = str(random.randint(10, 60)).encode()  # noqa: S311 (jitter, not a secret)
            await send_answer(send, status, [*headers, (b"retry-after", retry)], body)
            return
        try:
            await self._serve(stream, entry, snapshot, last_id, receive, send)
        finally:
            self._hub.detach(stream)

    async def _serve(
        self,
        stream: Stream,
        entry: ScreenEntry,
        snapshot: Snapshot,
        last_id: int | None,
        receive: Receive,
        send: Send,
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": list(_STREAM_HEADERS),
            }
        )
        group = snapshot.groups.get(entry.profile)
        compiled = group.compiled if group is not None else None
        etag = compiled.etag_for(entry.id) if compiled is not None else ""
        retry = random.randint(2000, 5000)  # noqa: S311 (jitter, not a secret)
        opening = f"retry: {retry}\n\n".encode() + frame("ready", snapshot.version, etag)
        if last_id is not None and self._hub.changed_since(last_id, entry, snapshot):
            opening += frame("playlist", snapshot.version, etag)
        await send({"type": "http.response.body", "body": opening, "more_body": True})

        async def watch_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            stream.put(None)

        watcher = asyncio.create_task(watch_disconnect())
        # Jittered, so the streams opened together (a replica restarted) end apart.
        deadline = time.monotonic() + self._lifetime * random.uniform(0.9, 1.1)  # noqa: S311
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                data = await stream.next(min(self._heartbeat, remaining))
                if data is None:
                    break
                if data is HEARTBEAT and time.monotonic() >= deadline:
                    break
                await send({"type": "http.response.body", "body": data, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the screen went away mid-send
        finally:
            watcher.cancel()


OPENAPI_PATH: dict[str, Any] = {
    "get": {
        "tags": ["player"],
        "summary": "Events",
        "operationId": "player_events",
        "description": (
            "A server-sent events stream (`text/event-stream`) for this screen. First a "
            "`retry` and a `ready` event; then an event named `playlist` whenever this "
            "screen's playlist changes (poll now), and `: heartbeat` comments every 15 s. "
            "Each event's `id` is the playlist version: send the last one back as "
            "`Last-Event-ID` on reconnect, and a change missed meanwhile is sent at once."
        ),
        "security": [{"DeviceToken": []}],
        "parameters": [
            {
                "name": "Last-Event-ID",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
            }
        ],
        "responses": {
            "200": {
                "description": "The event stream",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            },
            "401": {
                "description": "Missing, invalid, rotated or revoked device token",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            },
            "503": {
                "description": "Playlists not loaded yet, or too many streams: poll instead",
                "headers": {"Retry-After": {"required": True, "schema": {"type": "string"}}},
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            },
        },
    }
}
