"""Bounds on what a client controls about a request body: its size, how long it takes, and
how many uploads stream at once. A pure ASGI middleware (no `BaseHTTPMiddleware`, which costs
the poll dearly); requests without a body, the poll among them, pass straight through.

- Bodies other than uploads (JSON, the sign-in form) are read here in full before the app sees
  them: over `MAX_BODY_BYTES` is a 413 (from `Content-Length` before reading anything, or as
  soon as the count passes the limit), and a body that has not arrived within the body timeout
  is a 408. So a slow or huge body never reaches a handler, let alone a database transaction.
- On `/v1/...` routes a non-empty body must be JSON (415 otherwise), except the sign-in form.
- Uploads (`POST /v1/creatives`, `PUT /v1/creatives/{id}/file`) stream with their own size
  limit (`SIGNAGE_MAX_UPLOAD_BYTES`, enforced by the upload reader), but each wait for more
  bytes is bounded, and after the grace period an upload slower than the minimum rate is cut
  with a 408. At most `SIGNAGE_MAX_CONCURRENT_UPLOADS` stream at once in a process; more get
  503 with `Retry-After` before any of their bytes are read.
"""

import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from starlette.routing import Match

from signage.core.errors import Problem, problem_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024

_UPLOADS = (
    ("POST", re.compile(r"^/v1/creatives/?$")),
    ("PUT", re.compile(r"^/v1/creatives/[^/]+/file$")),
    # The console's upload forms, which stream through the same reader.
    ("POST", re.compile(r"^/console/campaigns/[^/]+/creatives$")),
    ("POST", re.compile(r"^/console/creatives/[^/]+/file$")),
)
_FORM_ROUTES = frozenset({"/v1/auth/token"})
# Methods whose body the API reads (as JSON); others with a body get routing's own answer (405).
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class RequestTimeout(Problem):
    status = 408


def is_upload(method: str, path: str) -> bool:
    return any(method == m and pattern.match(path) for m, pattern in _UPLOADS)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class RequestLimits:
    def __init__(
        self,
        app: ASGIApp,
        *,
        body_timeout_seconds: float,
        upload_min_bytes_per_second: int,
        max_concurrent_uploads: int,
    ) -> None:
        self.app = app
        self.body_timeout = body_timeout_seconds
        self.min_rate = upload_min_bytes_per_second
        self.max_uploads = max_concurrent_uploads
        self.uploads_in_progress = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        chunked = False
        content_type = ""
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = int(value) if value.isdigit() else -1
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"content-type":
                content_type = value.decode("latin-1")
        if not chunked and not declared:
            await self.app(scope, receive, send)  # no body: the poll and every GET
            return
        method, path = scope["method"], scope["path"]
        if is_upload(method, path):
            await self._stream_upload(scope, receive, send)
            return
        if declared is not None and declared > MAX_BODY_BYTES:
            await _refuse(send, 413, _too_large())
            return
        json_route = method in _BODY_METHODS and path.startswith("/v1/")
        if (
            json_route
            and path not in _FORM_ROUTES
            and not _is_json(content_type)
            and _has_route(scope)  # otherwise routing's own 404 or 405 is the answer
        ):
            await _refuse(
                send, 415, "Send the request body as JSON (Content-Type: application/json)"
            )
            return
        await self._buffer_then_call(scope, receive, send)

    async def _buffer_then_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        with anyio.move_on_after(self.body_timeout) as deadline:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body = message.get("body", b"")
                size += len(body)
                if size > MAX_BODY_BYTES:
                    await _refuse(send, 413, _too_large())
                    return
                chunks.append(body)
                if not message.get("more_body", False):
                    break
        if deadline.cancelled_caught:
            detail = f"The request body did not arrive within {self.body_timeout:g} seconds."
            await _refuse(send, 408, detail)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _stream_upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.uploads_in_progress >= self.max_uploads:
            await _refuse(
                send,
                503,
                f"{self.max_uploads} uploads are already in progress; try again shortly",
                {"Retry-After": "10"},
            )
            return
        self.uploads_in_progress += 1
        try:
            await self.app(scope, self._guarded(receive), send)
        finally:
            self.uploads_in_progress -= 1

    def _guarded(self, receive: Receive) -> Receive:
        started = time.monotonic()
        received = 0
        grace, min_rate, idle = self.body_timeout, self.min_rate, self.body_timeout

        async def guarded_receive() -> Message:
            nonlocal received
            try:
                with anyio.fail_after(idle):
                    message = await receive()
            except TimeoutError:
                raise RequestTimeout(
                    f"No part of the upload arrived for {idle:g} seconds."
                ) from None
            received += len(message.get("body", b""))
            elapsed = time.monotonic() - started
            if message.get("more_body") and elapsed > grace and received < min_rate * elapsed:
                raise RequestTimeout(
                    f"The upload is arriving slower than {min_rate} bytes a second; "
                    "try again on a better connection."
                )
            return message

        return guarded_receive


def _has_route(scope: Scope) -> bool:
    """Whether some route takes this method on this path (Starlette sets scope["app"])."""
    app = scope.get("app")
    routes = getattr(getattr(app, "router", None), "routes", ())
    return any(route.matches(scope)[0] is Match.FULL for route in routes)


def _too_large() -> str:
    return f"The request body is over the limit of {MAX_BODY_BYTES} bytes (uploads excepted)."


async def _refuse(
    send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    response = problem_response(status, detail, headers={**(headers or {}), "Connection": "close"})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
            ],
        }
    )
    await send({"type": "http.response.body", "body": response.body})
