"""`GET /v1/player/playlist` as a bare ASGI endpoint: the path thousands of screens hit.

No FastAPI dependency injection, no pydantic, no database: the device token's hash is looked
up in the process's snapshot, the body comes precomputed, `If-None-Match` is compared before
anything is built, and "last seen" goes into a buffer that a background task writes in batches.
"""

from datetime import UTC, datetime
from typing import Any

from signage.core.http import accepts_gzip, etag_matches
from signage.core.metrics import POLLS_BY_STATUS
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
from signage.player.playlist import gzip_etag
from signage.player.state import PlaylistState
from signage.screens.seen import SeenBuffer
from signage.takeovers.delivery import DeliveryLog

_UNAUTHORIZED = problem(401, "Unauthorized", UNAUTHORIZED_DETAIL)
# RFC 9110 15.5.6: a 405 says what is allowed.
_NOT_ALLOWED = problem(405, "Method Not Allowed", "Use GET", (b"allow", b"GET, HEAD"))
_UNAVAILABLE = problem(503, "Service Unavailable", UNAVAILABLE_DETAIL, (b"retry-after", b"5"))
_NOT_YET = problem(503, "Service Unavailable", NOT_YET_DETAIL, (b"retry-after", b"2"))


class PlaylistEndpoint:
    def __init__(
        self,
        state: PlaylistState,
        seen: SeenBuffer,
        poll_after_seconds: int,
        deliveries: DeliveryLog | None = None,
    ) -> None:
        self._state = state
        self._seen = seen
        self._deliveries = deliveries
        self._poll_after = poll_after_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await _send(send, *_NOT_ALLOWED)
            return
        authorization = b""
        if_none_match = b""
        accept_encoding = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"if-none-match":
                if_none_match = value
            elif name == b"accept-encoding":
                accept_encoding = value
        token = bearer_token(authorization)
        if token is None:
            await _send(send, *_UNAUTHORIZED)
            return
        snapshot = self._state.cached
        if snapshot is None or self._state.needs_check():
            snapshot = await self._state.for_poll()
            if snapshot is None:  # never loaded: the database has not answered yet
                await _send(send, *_UNAVAILABLE)
                return
        screen = screen_of(snapshot, token)
        if screen is None:
            known = await screen_after_check(self._state, token)
            if isinstance(known, Unknown):
                await _send(send, *(_UNAUTHORIZED if known is Unknown.REFUSED else _NOT_YET))
                return
            snapshot, screen = known
        now = datetime.now(UTC)
        self._seen.saw(screen.id, now)
        compiled, etag = snapshot.playlist_for(screen, now=now, poll_after=self._poll_after)
        if compiled.takeovers and self._deliveries is not None:
            self._deliveries.fetched(compiled.takeovers, screen.id, now)
        zipped = bool(accept_encoding) and accepts_gzip(accept_encoding)
        plain_etag = etag
        if zipped:
            etag = gzip_etag(etag)
        headers = [
            (b"etag", etag.encode()),
            (b"cache-control", b"private, no-cache"),
            (b"vary", b"Accept-Encoding"),
        ]
        if if_none_match:
            # The ETag of either encoding gets its 304: a screen that cached the plain body
            # and now asks for gzip (or the other way) has the same playlist.
            sent = if_none_match.decode("latin-1")
            if etag_matches(sent, plain_etag) or etag_matches(sent, gzip_etag(plain_etag)):
                await _send(send, 304, headers, b"")
                return
        if zipped:
            body = compiled.gzip_body_for(screen.id)
            headers.append((b"content-encoding", b"gzip"))
        else:
            body = compiled.body_for(screen.id)
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await _send(send, 200, headers, b"" if scope["method"] == "HEAD" else body)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    POLLS_BY_STATUS[status].inc()
    await send_answer(send, status, headers, body)


OPENAPI_PATH: dict[str, Any] = {
    "get": {
        "tags": ["player"],
        "summary": "Playlist",
        "operationId": "player_playlist",
        "description": (
            "What this screen shows from now on: a contiguous timeline that starts with the "
            "segment containing now and covers at least the next 24 hours, and every media file "
            "it needs, so the screen can play offline through every boundary. Send the last "
            "`ETag` as `If-None-Match` to get a bodiless 304 when nothing changed."
        ),
        "security": [{"DeviceToken": []}],
        "parameters": [
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
            }
        ],
        "responses": {
            "200": {
                "description": "The timeline and media",
                "headers": {
                    "ETag": {"required": True, "schema": {"type": "string"}},
                    "Cache-Control": {"required": True, "schema": {"type": "string"}},
                },
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Playlist"}}
                },
            },
            "304": {
                "description": "Unchanged since the ETag sent",
                "headers": {"ETag": {"required": True, "schema": {"type": "string"}}},
            },
            "401": {
                "description": "Missing, invalid, rotated or revoked device token",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            },
            "503": {
                "description": "Playlists are not loaded yet (the database is not answering)",
                "headers": {"Retry-After": {"required": True, "schema": {"type": "string"}}},
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            },
        },
    }
}
