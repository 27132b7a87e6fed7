"""Helpers for driving the web player in a real browser against a server that can go away.

`live_server` (tests/live.py) picks a new port each time; a kiosk reconnecting after an outage
needs the server back on the same port, with the same app and database.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, sync_playwright

from tests.live import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass
class RestartableServer:
    """uvicorn in a thread, on a fixed loopback port, that can be stopped and started again."""

    app: FastAPI
    port: int = field(default_factory=free_port)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        # 127.0.0.1 is a secure context, as service workers and Cache Storage require.
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while True:
            config = uvicorn.Config(
                self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
            )
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            if server.started:
                self._server, self._thread = server, thread
                return
            # The port may linger for a moment after a stop; uvicorn then exits: try again.
            server.should_exit = True
            thread.join(timeout=5)
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on port {self.port}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._server = self._thread = None


@contextmanager
def restartable_server(app: FastAPI) -> Iterator[RestartableServer]:
    server = RestartableServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright (never a downloaded browser)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def player_state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate("() => window.signagePlayer.state()")
    return state
