"""Clients that misbehave on purpose: uploads that trickle, bodies and headers that are huge."""

import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

BOUNDARY = "slowboundary7f3a"


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=30)


@dataclass
class SlowUpload:
    """A multipart upload whose file part arrives one byte at a time, every ``every`` seconds,
    until ``stop()``; ``response`` then holds the first line the server answered, if any."""

    url: str
    token: str
    every: float = 0.5
    response: bytes = b""
    started: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> "SlowUpload":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self.started.wait(10)
        return self

    def _run(self) -> None:
        head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="walk-away.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        request = (
            "POST /v1/creatives HTTP/1.1\r\n"
            f"Host: {urlsplit(self.url).netloc}\r\n"
            f"Authorization: Bearer {self.token}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            "Content-Length: 1000000\r\n\r\n"
        ).encode()
        with _connect(self.url) as connection:
            connection.sendall(request + head)
            self.started.set()
            connection.settimeout(self.every)
            while not self._stop.is_set():
                try:
                    connection.sendall(b"\x89")
                    self.response = connection.recv(200)
                    if self.response:
                        return  # the server answered (and will close): stop trickling
                except TimeoutError:
                    continue
                except OSError:
                    return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def wait(self, seconds: float) -> bytes:
        if self._thread is not None:
            self._thread.join(timeout=seconds)
        return self.response


def send_raw(url: str, data: bytes, *, chunk: int = 1 << 16, wait: float = 10) -> bytes:
    """Send ``data`` as it is (stopping early if the server answers) and return the answer."""
    with _connect(url) as connection:
        connection.settimeout(wait)
        try:
            for offset in range(0, len(data), chunk):
                connection.sendall(data[offset : offset + chunk])
        except OSError:
            pass  # the server may answer and close before everything is sent
        answer = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                piece = connection.recv(65536)
            except (TimeoutError, OSError):
                break
            if not piece:
                break
            answer += piece
            if b"\r\n\r\n" in answer:
                break
        return answer
