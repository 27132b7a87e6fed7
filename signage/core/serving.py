"""uvicorn's httptools protocol with bounds on request headers.

httptools (llhttp) accepts headers of any size and waits for them for ever: one 64 MB header
was accepted, and ten connections each holding an unfinished one grew the server by 600 MB.
This protocol refuses a request whose line and headers exceed `MAX_HEADER_BYTES` (431, as
RFC 6585 says) and closes a connection whose headers have not all arrived within
`HEADER_TIMEOUT_SECONDS` of their first byte (408): the slow-headers form of slowloris. Bodies
are bounded one layer up, by `signage.core.limits`.
"""

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEADER_BYTES = 16 * 1024
HEADER_TIMEOUT_SECONDS = 10.0

PROTOCOL = "signage.core.serving:BoundedHttpToolsProtocol"


def _response(status: int, reason: str, detail: str) -> bytes:
    body = json.dumps(
        {"type": "about:blank", "title": reason, "status": status, "detail": detail}
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "content-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


_TOO_LARGE = _response(
    431,
    "Request Header Fields Too Large",
    f"The request line and headers are over the limit of {MAX_HEADER_BYTES} bytes.",
)
_TOO_SLOW = _response(
    408,
    "Request Timeout",
    f"The request headers did not arrive within {HEADER_TIMEOUT_SECONDS:g} seconds.",
)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._awaiting_headers = True
        self._header_bytes = 0
        self._header_timer: asyncio.TimerHandle | None = None
        self._refused: bytes | None = None
        self._crossed_boundary = False

    def data_received(self, data: bytes) -> None:
        if self._refused is not None:
            return
        was_awaiting = self._awaiting_headers
        if was_awaiting and self._header_timer is None:
            self._header_timer = self.loop.call_later(HEADER_TIMEOUT_SECONDS, self._too_slow)
        self._crossed_boundary = False
        super().data_received(data)
        if self._refused is None and was_awaiting and not self._crossed_boundary:
            # Inside the headers before and after this chunk, so all of it was header bytes:
            # this bounds what llhttp buffers for a header that never ends.
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._refuse(_TOO_LARGE)
        if self._refused is not None:
            self._send_refusal()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._awaiting_headers = True

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._crossed_boundary = True
        self._header_bytes = 0
        self._cancel_timer()
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > MAX_HEADER_BYTES:
            self._refuse(_TOO_LARGE)
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._refused is None:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._awaiting_headers = True
        self._crossed_boundary = True
        if self._refused is None:
            super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next request's header clock starts with its first byte, not now.
        self._cancel_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        super().connection_lost(exc)

    def _refuse(self, response: bytes) -> None:
        self._refused = response

    def _send_refusal(self) -> None:
        self._cancel_timer()
        if not self.transport.is_closing():
            assert self._refused is not None
            self.transport.write(self._refused)
            self.transport.close()

    def _too_slow(self) -> None:
        self._header_timer = None
        if self._awaiting_headers and self._refused is None and self.cycle_idle():
            self._refuse(_TOO_SLOW)
            self._send_refusal()

    def cycle_idle(self) -> bool:
        """No request of this connection is being handled (its headers are what is late)."""
        return self.cycle is None or self.cycle.response_complete

    def _cancel_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
