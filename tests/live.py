"""Run an app under a real uvicorn server in a background thread."""

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from signage.core.serving import PROTOCOL


@dataclass(frozen=True)
class LiveServer:
    url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[LiveServer]:
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        http=PROTOCOL,
        timeout_graceful_shutdown=2,  # event streams do not end by themselves
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class RestartableServer:
    """uvicorn in a thread on a fixed loopback port, stopped and started again at will with
    the same app (and so the same database): a server that goes away and comes back, as a
    venue's network does. 127.0.0.1 is a secure context for service workers."""

    app: Any
    port: int = field(default_factory=free_port)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while True:
            config = uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="off",  # the TestClient fixture already ran the app's lifespan
                interface="asgi3",
                http=PROTOCOL,
                timeout_graceful_shutdown=2,
            )
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            if server.started:
                self._server, self._thread = server, thread
                return
            server.should_exit = True  # the port may linger for a moment after a stop
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
def restartable_server(app: Any) -> Iterator[RestartableServer]:
    server = RestartableServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def signage_serve(
    cwd: Path, *args: str, env: dict[str, str] | None = None, output: Path | None = None
) -> Iterator[str]:
    """`signage serve` as a real subprocess on the embedded default in ``cwd`` (no SIGNAGE_
    settings from the environment but those in ``env``), ready when /readyz says so; its URL.
    What it prints goes to ``output`` if given."""
    command = shutil.which("signage")
    assert command is not None, "the signage console script is not installed"
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    sink = output.open("wb") if output is not None else subprocess.PIPE
    process = subprocess.Popen(
        [command, "serve", "--port", str(port), *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        stdout=sink,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "signage serve did not become ready"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        if output is not None:
            sink.close()  # type: ignore[union-attr]
