"""A database outage never strands screens that already have their playlist.

The server reaches PostgreSQL through a proxy the test controls: cut (the database is down)
or hung (it accepts bytes and answers nothing, as a SIGSTOPped server does). Screens that had
polled keep getting 200/304 from the last good snapshot, fast; /readyz says what is wrong
within its timeout; both recover by themselves when the database is back.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from signage.app import create_app
from signage.core.config import Settings
from tests.conftest import SECRET, _empty_postgres
from tests.factories import World, device_headers, make_screen, make_venue
from tests.live import serve_in_thread
from tests.reliability.tcp_proxy import FaultyProxy, faulty_proxy


@pytest.fixture
def proxy(pg_database: str) -> Iterator[FaultyProxy]:
    _empty_postgres(pg_database)
    url = make_url(pg_database)
    with faulty_proxy((url.host or "127.0.0.1", url.port or 5432)) as running:
        yield running


@pytest.fixture
def proxied_app(proxy: FaultyProxy, pg_database: str, tmp_path: Path) -> Iterator[FastAPI]:
    url = make_url(pg_database).set(host="127.0.0.1", port=proxy.port)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url.render_as_string(hide_password=False),
        secret_key=SECRET,
        run_jobs=False,
    )
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def setup(proxied_app: FastAPI) -> Iterator[tuple[TestClient, World]]:
    with TestClient(proxied_app, raise_server_exceptions=False) as client:
        yield client, World.build(proxied_app.state.engine, secret=SECRET)


def _poll_many(http: httpx.Client, headers: dict[str, str], etag: str, seconds: float) -> None:
    """Poll for ``seconds``: every answer is a quick 200 or 304 with the same ETag."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for conditional in (True, False):
            sent = {**headers, "If-None-Match": etag} if conditional else headers
            started = time.monotonic()
            response = http.get("/v1/player/playlist", headers=sent)
            took = time.monotonic() - started
            assert response.status_code == (304 if conditional else 200), response.text
            assert response.headers["etag"] == etag
            assert took < 1.0, f"a poll took {took:.2f} s while the database was away"
        time.sleep(0.1)


def _wait_for(predicate: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("did not recover in time")


@pytest.mark.parametrize("fault", ["cut", "hang"])
def test_polls_keep_being_served_from_the_last_snapshot_while_the_database_is_away(
    setup: tuple[TestClient, World], proxied_app: FastAPI, proxy: FaultyProxy, fault: str
) -> None:
    client, world = setup
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    headers = device_headers(screen)
    with (
        serve_in_thread(proxied_app) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        first = http.get("/v1/player/playlist", headers=headers)
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert http.get("/readyz").status_code == 200

        getattr(proxy, fault)()
        _poll_many(http, headers, etag, seconds=3.0)
        started = time.monotonic()
        ready = http.get("/readyz")
        assert time.monotonic() - started < 3.0, "/readyz hung with the database"
        assert ready.status_code == 503
        assert ready.json()["database"] != "ok"
        assert ready.json()["playlists"]["loaded"] is True

        proxy.heal()
        _wait_for(lambda: http.get("/readyz").status_code == 200, seconds=15)
        # Recovered by itself: a screen added now can poll.
        added = device_headers(make_screen(client, world, venue["id"], name="Added after"))
        _wait_for(
            lambda: http.get("/v1/player/playlist", headers=added).status_code == 200, seconds=5
        )


def test_a_process_that_never_loaded_playlists_answers_503_with_retry_after(
    proxied_app: FastAPI, proxy: FaultyProxy
) -> None:
    proxy.cut()
    with (
        serve_in_thread(proxied_app) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        response = http.get(
            "/v1/player/playlist", headers={"Authorization": "Bearer some-device-token"}
        )
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
    assert response.headers["content-type"] == "application/problem+json"
