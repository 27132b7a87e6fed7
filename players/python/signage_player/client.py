"""The HTTP contract, from the screen's side (CONTRACT.md: "Screens and pairing" and "The
player's poll"). One httpx.Client, so connections are reused between polls.

Failures come out as a few exception types the main loop acts on:
    Unreachable      no answer (connection refused, timeout, DNS): keep playing, back off
    RetryLater       429 or 503, with the server's Retry-After when it sent one
    Unauthorized     401: the token was rotated or the screen revoked: pair again
    NoEventStream    404 or 405 from GET /v1/player/events: a server without the push channel
    UnexpectedReply  anything else the contract does not name
"""

import contextlib
import email.utils
import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import httpx

log = logging.getLogger(__name__)

MAX_PLAYS_PER_BATCH = 1000
SLOW_DOWN_STEP = 5.0  # RFC 8628 3.5: add 5 seconds to the interval on `slow_down`
EVENTS_PATH = "/v1/player/events"
EVENTS_IDLE_SECONDS = 45.0  # heartbeats come every 15 s: this long without a byte is a dead stream


class PlayerError(Exception):
    pass


class Unreachable(PlayerError):
    pass


class Unauthorized(PlayerError):
    pass


class UnexpectedReply(PlayerError):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(
            f"{response.request.method} {response.request.url.path}: "
            f"HTTP {response.status_code} {response.text[:200]}"
        )
        self.status_code = response.status_code


class RetryLater(PlayerError):
    def __init__(self, seconds: float | None, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}, retry after {seconds} s")
        self.seconds = seconds


class NoEventStream(PlayerError):
    """The server has no events endpoint (an older one): poll only, ask again much later."""


@dataclass(frozen=True)
class Pairing:
    device_code: str
    user_code: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class Grant:
    screen_id: str
    device_token: str


@dataclass(frozen=True)
class PlaylistReply:
    status: int  # 200 or 304
    etag: str | None
    body: dict[str, Any] | None  # None on 304


@dataclass(frozen=True)
class EventStream:
    """An open GET /v1/player/events: its body as chunks, as they arrive, and a way for
    another thread to cut it short (the reading thread then sees the stream end)."""

    chunks: Iterator[bytes]
    interrupt: Callable[[], None]


@dataclass(frozen=True)
class PlaysReply:
    accepted: list[str]
    duplicates: list[str]
    rejected: list[dict[str, Any]]

    def settled_ids(self) -> set[str]:
        """Ids the server has answered for; none of them should ever be sent again."""
        ids = set(self.accepted) | set(self.duplicates)
        ids |= {str(r["id"]) for r in self.rejected if r.get("id") is not None}
        return ids


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PlayerClient:
    def __init__(
        self,
        server: str,
        *,
        token: str | None = None,
        timeout: float = 15.0,
        user_agent: str = "signage-player",
        transport: httpx.BaseTransport | None = None,
        events_idle_timeout: float = EVENTS_IDLE_SECONDS,
    ) -> None:
        self.base_url = server.rstrip("/") + "/"
        self.token = token
        self._http = httpx.Client(
            base_url=server.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"User-Agent": user_agent},
            transport=transport,
        )
        # The events stream holds a connection for minutes, on a thread of its own: a client of
        # its own, whose read timeout is the stream's idle limit (no byte for that long).
        self._events_http = httpx.Client(
            base_url=server.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0), read=events_idle_timeout),
            headers={"User-Agent": user_agent},
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()
        self._events_http.close()

    # --- plumbing ---------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        if not self.token:
            raise Unauthorized("no device token")
        return {"Authorization": f"Bearer {self.token}"}

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise Unreachable(f"{method} {path}: {error!r}") from error
        self._raise_for_common(response)
        return response

    @staticmethod
    def _raise_for_common(response: httpx.Response) -> None:
        if response.status_code in (429, 503):
            seconds = retry_after_seconds(response.headers.get("retry-after"))
            raise RetryLater(seconds, response.status_code)
        if response.status_code == 401:
            raise Unauthorized(response.text[:200])
        if response.status_code >= 500:
            # A 5xx is the server's trouble, not ours: treat it like an outage and back off.
            raise Unreachable(f"HTTP {response.status_code}")

    # --- pairing (device flow after RFC 8628) -----------------------------------------------

    def start_pairing(
        self,
        *,
        orientation: str | None = None,
        width: int | None = None,
        height: int | None = None,
        player: str | None = None,
    ) -> Pairing:
        fields = {"orientation": orientation, "width": width, "height": height, "player": player}
        body = {key: value for key, value in fields.items() if value is not None}
        response = self._send("POST", "/v1/player/pair", json=body)
        if response.status_code != 201:
            raise UnexpectedReply(response)
        data = response.json()
        return Pairing(
            device_code=data["device_code"],
            user_code=data["user_code"],
            expires_in=int(data["expires_in"]),
            interval=max(1, int(data["interval"])),
        )

    def poll_pairing(self, device_code: str) -> Grant | str:
        """The grant, or the RFC 8628 error code: authorization_pending, slow_down,
        expired_token (or another code the server chose)."""
        response = self._send("POST", "/v1/player/pair/poll", json={"device_code": device_code})
        if response.status_code == 200:
            data = response.json()
            return Grant(screen_id=data["screen_id"], device_token=data["device_token"])
        if response.status_code == 400:
            try:
                error = response.json().get("error")
            except ValueError:
                error = None
            if isinstance(error, str):
                return error
        raise UnexpectedReply(response)

    def pair(
        self,
        *,
        wait: Callable[[float], bool],
        on_code: Callable[[Pairing], None],
        **screen: Any,
    ) -> Grant | None:
        """Pair until claimed: show a code (on_code), poll at the server's interval, slow down
        when told, start over when the code expires. `wait(seconds)` sleeps and returns False
        when the player is stopping; pair() then returns None."""
        while True:
            pairing = self.start_pairing(**screen)
            on_code(pairing)
            interval = float(pairing.interval)
            deadline = time.monotonic() + pairing.expires_in
            outage = 0
            while True:
                if not wait(interval + min(outage, 6) * interval):
                    return None
                try:
                    outcome = self.poll_pairing(pairing.device_code)
                except (Unreachable, RetryLater) as error:
                    # Keep the code on screen through a blip: someone may be typing it.
                    outage += 1
                    log.warning("pairing poll failed, retrying: %s", error)
                    if time.monotonic() > deadline:
                        break
                    continue
                outage = 0
                if isinstance(outcome, Grant):
                    return outcome
                if outcome == "slow_down":
                    interval += SLOW_DOWN_STEP
                elif outcome != "authorization_pending":
                    log.info(
                        "pairing code %s ended (%s); drawing a new one", pairing.user_code, outcome
                    )
                    break

    # --- playing ----------------------------------------------------------------------------

    def playlist(self, etag: str | None = None) -> PlaylistReply:
        headers = self._auth()
        if etag:
            headers["If-None-Match"] = etag
        response = self._send("GET", "/v1/player/playlist", headers=headers)
        if response.status_code == 304:
            return PlaylistReply(304, response.headers.get("etag") or etag, None)
        if response.status_code != 200:
            raise UnexpectedReply(response)
        body = response.json()
        if not isinstance(body, dict):
            raise PlayerError("playlist body is not a JSON object")
        return PlaylistReply(200, response.headers.get("etag"), body)

    def media_url(self, url: str) -> str:
        """The playlist gives `/media/<sha256>`; relative to the server it came from."""
        return urljoin(self.base_url, url)

    @contextmanager
    def stream_media(self, url: str) -> Iterator[Iterator[bytes]]:
        """The body of a media file as chunks, read while the caller consumes them."""
        try:
            with self._http.stream("GET", self.media_url(url)) as response:
                self._raise_for_common(response)
                if response.status_code != 200:
                    response.read()
                    raise UnexpectedReply(response)
                yield response.iter_bytes(64 * 1024)
        except httpx.TransportError as error:
            raise Unreachable(f"GET {url}: {error!r}") from error

    @contextmanager
    def events(self, last_event_id: str | None = None) -> Iterator[EventStream]:
        """GET /v1/player/events, held open while the caller reads it. Raises as the other
        calls do, and NoEventStream for 404 or 405 (or a 200 that is not an event stream)."""
        headers = self._auth()
        headers["Accept"] = "text/event-stream"
        headers["Cache-Control"] = "no-cache"
        headers["Accept-Encoding"] = "identity"  # nothing may sit on an event to compress it
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        try:
            with self._events_http.stream("GET", EVENTS_PATH, headers=headers) as response:
                if response.status_code != 200:
                    response.read()
                    if response.status_code in (404, 405):
                        raise NoEventStream(f"GET {EVENTS_PATH}: HTTP {response.status_code}")
                    self._raise_for_common(response)
                    raise UnexpectedReply(response)
                kind = response.headers.get("content-type", "")
                if not kind.startswith("text/event-stream"):
                    raise NoEventStream(f"GET {EVENTS_PATH}: 200 but {kind or 'no type'}")
                yield EventStream(response.iter_bytes(), _interrupter(response))
        except httpx.TransportError as error:
            raise Unreachable(f"GET {EVENTS_PATH}: {error!r}") from error

    def post_status(self, status: dict[str, Any]) -> None:
        response = self._send("POST", "/v1/player/status", json=status, headers=self._auth())
        if response.status_code != 204:
            raise UnexpectedReply(response)

    def post_plays(self, plays: list[dict[str, Any]]) -> PlaysReply:
        if len(plays) > MAX_PLAYS_PER_BATCH:
            raise ValueError(f"at most {MAX_PLAYS_PER_BATCH} plays a batch")
        response = self._send(
            "POST", "/v1/player/plays", json={"plays": plays}, headers=self._auth()
        )
        if response.status_code != 200:
            raise UnexpectedReply(response)
        data = response.json()
        return PlaysReply(
            accepted=[str(i) for i in data.get("accepted", [])],
            duplicates=[str(i) for i in data.get("duplicates", [])],
            rejected=[r for r in data.get("rejected", []) if isinstance(r, dict)],
        )


def _interrupter(response: httpx.Response) -> Callable[[], None]:
    """A function that ends `response`'s body from another thread: shutting the socket down
    wakes a read blocked on it (closing it would not)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None

    def interrupt() -> None:
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    return interrupt
