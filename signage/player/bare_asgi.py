"""What the two bare ASGI endpoints (the poll and the events stream) share: the ASGI types,
their problem answers, and finding the screen by its device token in the snapshot."""

import hashlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from signage.player.snapshot import ScreenEntry, Snapshot

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def problem(status: int, title: str, detail: str, *extra: tuple[bytes, bytes]) -> Answer:
    """An RFC 9457 answer, built once at import; ``extra`` headers go after the usual ones."""
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    return status, headers, body


UNAUTHORIZED_DETAIL = "Device token is missing, invalid, rotated or revoked"
UNAVAILABLE_DETAIL = "Playlists are not loaded yet (the database is not answering)"


def bearer_token(authorization: bytes) -> bytes | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    scheme, _, token = authorization.partition(b" ")
    if scheme.lower() != b"bearer" or not token:
        return None
    return token


def screen_of(snapshot: Snapshot, token: bytes) -> ScreenEntry | None:
    """The live screen whose device token this is (tokens are held only as hashes)."""
    return snapshot.by_token.get(hashlib.sha256(token.strip()).hexdigest())


async def send_answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
