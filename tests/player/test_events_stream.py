"""`GET /v1/player/events` over real HTTP: a `playlist` event for the screens an edit changes,
only those, heartbeats, Last-Event-ID on reconnect, and the stream's ends."""

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from signage.core.config import Settings
from tests.factories import World, assert_problem, device_headers, make_screen, make_venue
from tests.live import LiveServer
from tests.player.sse_client import read_events
from tests.takeovers.helpers import Scene, instant, scene, takeover_body


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"events_heartbeat_seconds": 0.3, "events_lifetime_seconds": 30.0}
    )


@pytest.fixture
def here(client: TestClient, world: World) -> Scene:
    return scene(client, world)


def _plain(etag: str) -> str:
    """The identity ETag (the events carry it) of either representation's."""
    return etag.replace('-gzip"', '"')


def _token(screen: dict[str, Any]) -> str:
    token: str = screen["device_token"]
    return token


def test_a_takeover_nudges_its_screens_and_only_them(
    live_server: LiveServer, client: TestClient, world: World, here: Scene
) -> None:
    elsewhere_venue = make_venue(client, world, name="The Other Place")
    elsewhere = make_screen(client, world, elsewhere_venue["id"])
    with (
        read_events(live_server.url, _token(here.screen)) as targeted,
        read_events(live_server.url, _token(elsewhere)) as untargeted,
    ):
        assert targeted.status == 200
        assert targeted.headers["content-type"].startswith("text/event-stream")
        assert targeted.headers["cache-control"] == "no-store"
        ready = targeted.expect("ready")
        assert targeted.retry is not None
        assert 2000 <= targeted.retry <= 5000
        version = json.loads(ready.data)["version"]
        assert ready.id == str(version)
        before = client.get("/v1/player/playlist", headers=device_headers(here.screen))
        assert json.loads(ready.data)["etag"] == _plain(before.headers["etag"])
        untargeted.expect("ready")

        created = client.post(
            "/v1/takeovers", json=takeover_body(here), headers=world.headers("force_a_editor")
        ).json()
        # Pending: nothing to tell anyone.
        assert targeted.quiet_for(0.8)
        confirmed_at = time.monotonic()
        client.post(
            f"/v1/takeovers/{created['id']}/confirm", headers=world.headers("force_a_approver")
        )
        nudge = targeted.expect("playlist", timeout=2)
        took = time.monotonic() - confirmed_at
        assert int(nudge.id or 0) > version
        after = client.get("/v1/player/playlist", headers=device_headers(here.screen))
        assert json.loads(nudge.data)["etag"] == _plain(after.headers["etag"])
        assert after.headers["etag"] != before.headers["etag"]
        assert took < 2
        # The screen in another venue heard heartbeats only.
        assert untargeted.quiet_for(0.5)
        assert "heartbeat" in untargeted.comments
        metrics = httpx.get(f"{live_server.url}/metrics", timeout=10).text
        assert "signage_event_streams 2.0" in metrics
        assert "signage_event_nudges 1.0" in metrics


def test_ordinary_edits_nudge_too_and_last_event_id_catches_up(
    live_server: LiveServer, client: TestClient, world: World, here: Scene
) -> None:
    with read_events(live_server.url, _token(here.screen)) as stream:
        ready = stream.next()
        assert ready is not None
        seen_id = ready.id
    # While the screen is away, its schedule changes.
    client.patch(
        f"/v1/schedules/{here.schedule['id']}",
        json={"creative_ids": [here.urgent["id"]]},
        headers=world.headers("force_a_editor"),
    )
    with read_events(live_server.url, _token(here.screen), last_event_id=seen_id) as again:
        current = again.expect("ready").id
        again.expect("playlist")
    # Back with the latest id: nothing missed, nothing said.
    with read_events(live_server.url, _token(here.screen), last_event_id=current) as latest:
        latest.expect("ready")
        assert latest.quiet_for(0.8)
    # An edit while connected: a schedule's priority does not change the loop, its creatives do.
    with read_events(live_server.url, _token(here.screen)) as live:
        assert live.next() is not None
        client.patch(
            f"/v1/schedules/{here.schedule['id']}",
            json={"creative_ids": [here.ordinary["id"]]},
            headers=world.headers("force_a_editor"),
        )
        live.expect("playlist", timeout=2)


def test_a_revoked_screen_loses_its_stream(
    live_server: LiveServer, client: TestClient, world: World, here: Scene
) -> None:
    with read_events(live_server.url, _token(here.screen)) as stream:
        assert stream.next() is not None
        revoked = client.delete(
            f"/v1/screens/{here.screen['id']}", headers=world.headers("partner_1")
        )
        assert revoked.status_code == 204
        # The stream ends (after any nudge for an edit made before it was revoked).
        ended = time.monotonic() + 3
        while (event := stream.next(timeout=max(ended - time.monotonic(), 0.01))) is not None:
            assert event.event == "playlist"
    with read_events(live_server.url, _token(here.screen)) as refused:
        assert refused.status == 401


def test_bad_requests_are_clear_problems(live_server: LiveServer, here: Scene) -> None:
    with httpx.Client(base_url=live_server.url, timeout=5) as http:
        assert_problem(http.get("/v1/player/events"), 401, "token")
        bad = http.get("/v1/player/events", headers={"Authorization": "Bearer nope"})
        assert_problem(bad, 401, "token")
        post = http.post("/v1/player/events", headers=device_headers(here.screen))
        assert post.status_code == 405
        assert post.headers["allow"] == "GET, HEAD"
        head = http.head("/v1/player/events", headers=device_headers(here.screen))
        assert head.status_code == 200
        assert head.headers["content-type"].startswith("text/event-stream")


def test_streams_beyond_the_limit_are_told_to_poll(
    app: FastAPI, live_server: LiveServer, client: TestClient, world: World, here: Scene
) -> None:
    app.state.event_hub._max = 1  # noqa: SLF001 (the limit, made small)
    with read_events(live_server.url, _token(here.screen)) as first:
        assert first.status == 200
        with httpx.Client(base_url=live_server.url, timeout=5) as http:
            refused = http.get("/v1/player/events", headers=device_headers(here.screen))
        assert_problem(refused, 503, "poll instead")
        assert 10 <= int(refused.headers["retry-after"]) <= 60


def test_a_stream_ends_after_its_lifetime(
    app: FastAPI, live_server: LiveServer, here: Scene
) -> None:
    endpoint = next(r for r in app.router.routes if getattr(r, "path", "") == "/v1/player/events")
    endpoint.app._lifetime = 1.0  # type: ignore[attr-defined]  # noqa: SLF001
    started = time.monotonic()
    with read_events(live_server.url, _token(here.screen)) as stream:
        assert stream.next() is not None
        while (event := stream.next(timeout=5)) is not None:
            pass
        assert event is None
    assert time.monotonic() - started < 4


def test_the_takeover_end_needs_no_nudge(client: TestClient, world: World, here: Scene) -> None:
    """The end is in the body already: the screen goes back on time without being told."""
    ends = datetime.now(UTC) + timedelta(minutes=30)
    body = takeover_body(here, ends_at=instant(ends), break_glass=True)
    client.post("/v1/takeovers", json=body, headers=world.headers("force_a_editor"))
    timeline = client.get("/v1/player/playlist", headers=device_headers(here.screen)).json()
    assert timeline["timeline"][0]["ends_at"] is not None
