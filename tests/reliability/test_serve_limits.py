"""`signage serve` itself, as deployed, refuses huge headers and bodies (not only the test
server): the bounded protocol and the limits middleware are wired into the real command."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import signage_serve
from tests.reliability.slow_clients import send_raw


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with signage_serve(tmp_path, "--no-jobs") as url:
        yield url


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
