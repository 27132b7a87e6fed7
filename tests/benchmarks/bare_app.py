"""The yardstick: a bare FastAPI endpoint returning prebuilt bytes of the poll's size.

Run by bench_poll.py as `uvicorn tests.benchmarks.bare_app:app`; SIGNAGE_BENCH_BODY_BYTES sets
the body size so both servers send the same number of bytes.
"""

import os

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
