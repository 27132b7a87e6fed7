"""`signage serve` itself, as deployed, refuses huge headers and bodies (not only the test
server): the bounded protocol and the limits middleware are wired into the real command."""

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import free_port
from tests.reliability.slow_clients import send_raw

SIGNAGE = shutil.which("signage")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    assert SIGNAGE is not None, "the signage console script is not installed"
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    process = subprocess.Popen(
        [SIGNAGE, "serve", "--port", str(port), "--no-jobs"],
        cwd=tmp_path,
        env=clean,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
            assert time.monotonic() < deadline, "signage serve did not become ready"
            assert process.poll() is None, "signage serve exited"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_signage_serve_refuses_a_huge_header_and_a_huge_body(served: str) -> None:
    header = send_raw(
        served, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    )
    assert header.startswith(b"HTTP/1.1 431"), header[:200]
    body = send_raw(
        served,
        b"POST /v1/player/pair HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 20971520\r\n\r\n{",
    )
    assert body.startswith(b"HTTP/1.1 413"), body[:200]
    assert httpx.get(f"{served}/healthz").status_code == 200
