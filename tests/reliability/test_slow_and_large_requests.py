"""One slow or oversized request never takes the server down for everyone else.

Real uvicorn (with the bounded protocol `signage serve` uses), both databases.
"""

import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from signage.app import create_app
from signage.core.config import Settings
from tests.factories import World, device_headers, make_screen, make_venue
from tests.live import serve_in_thread
from tests.reliability.slow_clients import SlowUpload, send_raw

Check = Callable[[httpx.Client], httpx.Response]


def _everyday_requests(client: TestClient, world: World) -> dict[str, tuple[Check, int]]:
    """What screens and staff do all night, each with the status it must get."""
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    device = device_headers(screen)
    partner = world.headers("partner_1")
    play = {
        "id": str(uuid.uuid4()),
        "creative_id": str(uuid.uuid4()),
        "started_at": "2026-11-27T21:00:00Z",
        "duration_ms": 10000,
    }
    names = iter(range(1_000_000))
    return {
        "poll": (lambda http: http.get("/v1/player/playlist", headers=device), 200),
        "staff read": (lambda http: http.get("/v1/venues", headers=partner), 200),
        "screen patch": (
            lambda http: http.patch(
                f"/v1/screens/{screen['id']}", json={"name": f"Bar {next(names)}"}, headers=partner
            ),
            200,
        ),
        "plays post": (
            lambda http: http.post("/v1/player/plays", json={"plays": [play]}, headers=device),
            200,
        ),
    }


def _assert_all_answer_fast(
    url: str, requests: dict[str, tuple[Check, int]], *, seconds: float
) -> dict[str, float]:
    """Run every request in turn for ``seconds``; each must answer right, and fast."""
    took: dict[str, list[float]] = {name: [] for name in requests}
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=10) as http:
        while time.monotonic() < deadline:
            for name, (call, status) in requests.items():
                started = time.monotonic()
                response = call(http)
                took[name].append(time.monotonic() - started)
                assert response.status_code == status, f"{name}: {response.text}"
            time.sleep(0.1)
    for name, times in took.items():
        # 200 ms is the bar; the slack above it is for a CI machine running two suites at once.
        assert statistics.median(times) < 0.2, f"{name}: median {statistics.median(times):.3f} s"
        assert max(times) < 1.0, f"{name}: slowest {max(times):.3f} s"
    return {name: max(times) for name, times in took.items()}


def test_a_slow_upload_holds_up_no_one(client: TestClient, world: World, app: FastAPI) -> None:
    requests = _everyday_requests(client, world)
    with serve_in_thread(app) as server:
        # A partner (who may not upload at all) trickles a file one byte at a time.
        upload = SlowUpload(server.url, world.tokens["partner_1"]).start()
        try:
            _assert_all_answer_fast(server.url, requests, seconds=8)
        finally:
            upload.stop()


@pytest.fixture
def impatient_app(settings: Settings) -> Any:
    application = create_app(
        settings.model_copy(update={"body_timeout_seconds": 2, "max_concurrent_uploads": 4})
    )
    yield application
    application.state.engine.dispose()


def test_an_upload_slower_than_the_minimum_rate_is_cut_with_408(
    impatient_app: FastAPI, settings: Settings
) -> None:
    with TestClient(impatient_app) as client, serve_in_thread(impatient_app) as server:
        world = World.build(impatient_app.state.engine, secret=settings.effective_secret_key)
        upload = SlowUpload(server.url, world.tokens["force_a_editor"], every=0.3).start()
        answer = upload.wait(15)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert client.get("/healthz").status_code == 200
    assert not any((settings.data_path / "media").rglob("*.png")), "a partial file was kept"


def test_uploads_over_the_concurrency_cap_get_503_and_the_rest_keep_working(
    impatient_app: FastAPI, settings: Settings
) -> None:
    with TestClient(impatient_app) as client, serve_in_thread(impatient_app) as server:
        world = World.build(impatient_app.state.engine, secret=settings.effective_secret_key)
        requests = _everyday_requests(client, world)
        token = world.tokens["force_a_editor"]
        uploads = [SlowUpload(server.url, token, every=0.2).start() for _ in range(4)]
        try:
            extra = SlowUpload(server.url, token).start()
            answer = extra.wait(5)
            assert answer.startswith(b"HTTP/1.1 503"), answer
            assert b"retry-after" in answer.lower()
            _assert_all_answer_fast(server.url, requests, seconds=1.5)
        finally:
            for upload in uploads:
                upload.stop()


def test_a_huge_json_body_is_413_without_stalling_the_poll(
    client: TestClient, world: World, app: FastAPI
) -> None:
    requests = _everyday_requests(client, world)
    poll = {"poll": requests["poll"]}
    body = b'{"orientation": "landscape", "x": "' + b"a" * (20 * 1024 * 1024) + b'"}'
    with serve_in_thread(app) as server:
        declared = send_raw(
            server.url,
            b"POST /v1/player/pair HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body,
        )
        assert declared.startswith(b"HTTP/1.1 413"), declared[:200]
        chunked = send_raw(
            server.url,
            b"POST /v1/player/pair HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            + b"".join(
                f"{len(body[i : i + 65536]):x}\r\n".encode() + body[i : i + 65536] + b"\r\n"
                for i in range(0, 4 * 1024 * 1024, 65536)
            ),
        )
        assert chunked.startswith(b"HTTP/1.1 413"), chunked[:200]
        slowest = _assert_all_answer_fast(server.url, poll, seconds=0.5)
    assert slowest["poll"] < 0.5


def test_a_body_just_under_the_limit_is_read(client: TestClient, world: World) -> None:
    filler = "a" * (1024 * 1024 - 100)
    response = client.post("/v1/player/pair", json={"orientation": "landscape", "x": filler})
    assert response.status_code != 413, response.text


def test_a_header_over_16_kib_is_refused_with_431(app: FastAPI) -> None:
    with serve_in_thread(app) as server:
        big = send_raw(
            server.url,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1024 * 1024) + b"\r\n\r\n",
        )
        assert big.startswith(b"HTTP/1.1 431"), big[:200]
        many = send_raw(
            server.url,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
            + b"".join(f"X-H{i}: {'b' * 100}\r\n".encode() for i in range(400))
            + b"\r\n",
        )
        assert many.startswith(b"HTTP/1.1 431"), many[:200]
        fine = httpx.get(f"{server.url}/healthz", headers={"X-Ok": "a" * 8000})
        assert fine.status_code == 200


def test_a_non_json_body_on_a_json_route_is_415(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/venues",
        content=b"name=The Crown",
        headers={**world.headers("partner_1"), "Content-Type": "text/plain"},
    )
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_forty_slow_uploads_leave_the_poll_and_staff_reads_working(
    client: TestClient, world: World, app: FastAPI
) -> None:
    # On PostgreSQL 32 of these once took every pooled connection (10 + 20) for as long as
    # they lasted; now an upload holds no connection while it streams, and only a few stream.
    requests = _everyday_requests(client, world)
    with serve_in_thread(app) as server:
        uploads = [
            SlowUpload(server.url, world.tokens["force_a_editor"]).start() for _ in range(40)
        ]
        try:
            _assert_all_answer_fast(server.url, requests, seconds=3)
            refused = [u for u in uploads if u.response.startswith(b"HTTP/1.1 503")]
            assert len(refused) == 40 - app.state.settings.max_concurrent_uploads
        finally:
            for upload in uploads:
                upload.stop()


def test_headers_that_never_finish_are_cut_with_408(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from signage.core import serving

    monkeypatch.setattr(serving, "HEADER_TIMEOUT_SECONDS", 0.5)
    with serve_in_thread(app) as server:
        started = time.monotonic()
        # No blank line: the headers never end, as a slowloris client's do not.
        answer = send_raw(server.url, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a", wait=5)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert time.monotonic() - started < 3
        assert httpx.get(f"{server.url}/healthz").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("TRACE", "/v1/creatives"), ("PUT", "/v1/creatives"), ("POST", "/v1/creatives/x/file")],
)
def test_an_unsupported_method_with_a_body_is_405_not_415(
    client: TestClient, world: World, method: str, path: str
) -> None:
    response = client.request(
        method,
        path,
        content=b"--x\r\n\r\n--x--\r\n",
        headers={
            **world.headers("force_a_editor"),
            "Content-Type": "multipart/form-data; boundary=x",
        },
    )
    assert response.status_code == 405, response.text
