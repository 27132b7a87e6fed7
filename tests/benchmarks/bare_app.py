"""The yardsticks: a bare FastAPI endpoint returning prebuilt bytes of the poll's size, and
the floor: an ASGI app that answers every request with a 304 and does nothing else.

Run by bench_poll.py as `uvicorn tests.benchmarks.bare_app:app` (SIGNAGE_BENCH_BODY_BYTES sets
the body size so both servers send the same number of bytes) and `...:floor`, which shows what
uvicorn alone costs per request on the machine: no poll can be served faster than that.
"""

import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

app = FastAPI()
BODY = b"x" * int(os.environ.get("SIGNAGE_BENCH_BODY_BYTES", "1500"))
ETAG = '"bare-etag"'


@app.get("/v1/player/playlist")
def playlist(request: Request) -> Response:
    headers = {"ETag": ETAG, "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match") == ETAG:
        return Response(status_code=304, headers=headers)
    return Response(BODY, media_type="application/json", headers=headers)


_FLOOR_START = {"type": "http.response.start", "status": 304, "headers": [(b"etag", b'"floor"')]}
_FLOOR_BODY = {"type": "http.response.body", "body": b""}


async def floor(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] == "http":
        await send(_FLOOR_START)
        await send(_FLOOR_BODY)
