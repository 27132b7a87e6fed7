"""What the two bare ASGI endpoints (the poll and the events stream) share: the ASGI types,
their problem answers, and finding the screen by its device token in the snapshot."""

import hashlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from enum import Enum
from typing import Any

from signage.player.snapshot import ScreenEntry, Snapshot
from signage.player.state import PlaylistState

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
NOT_YET_DETAIL = (
    "This device token is not known here yet (the playlists are being refreshed): try again"
)


def bearer_token(authorization: bytes) -> bytes | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    scheme, _, token = authorization.partition(b" ")
    if scheme.lower() != b"bearer" or not token:
        return None
    return token


def screen_of(snapshot: Snapshot, token: bytes) -> ScreenEntry | None:
    """The live screen whose device token this is (tokens are held only as hashes)."""
    return snapshot.by_token.get(hashlib.sha256(token.strip()).hexdigest())


class Unknown(Enum):
    """Why no screen was found for a token: refused (401), or not known yet (503)."""

    REFUSED = "refused"
    NOT_YET = "not yet"


async def screen_after_check(
    state: PlaylistState, token: bytes
) -> tuple[Snapshot, ScreenEntry] | Unknown:
    """For a token the snapshot does not know: the screen and the snapshot it was found in
    after a version check, or why there is none.

    The token may belong to a screen paired, or given a new token, through another replica a
    moment ago, and a 401 tells a player to throw its token away and pair again. So it is
    refused only once a check has found nothing; while the check takes too long (a large edit
    being compiled, a database not answering) the answer is "not yet", and the player retries.
    Only unknown tokens come here: the poll of a known screen costs no coroutine more."""
    checked, complete = await state.after_check()
    found = None if checked is None else screen_of(checked, token)
    if checked is not None and found is not None:
        return checked, found
    return Unknown.REFUSED if complete else Unknown.NOT_YET


async def send_answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
