"""The poll's hot path: in-memory state kept current across processes, no database writes."""

import json
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlmodel import Session

from signage.app import create_app
from signage.core.config import Settings
from signage.player import state as playlist_state
from signage.player.snapshot import Snapshot
from signage.screens.models import Screen
from tests.factories import World, make_screen, make_venue, png_bytes, schedule_body
from tests.live import serve_in_thread


def device(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def on_air_now(client: TestClient, world: World, creative_id: str) -> dict[str, Any]:
    """A schedule on air around the clock, so the poll's first segment has items."""
    windows = [
        {
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "start": "00:00",
            "end": "00:00",
        }
    ]
    response = client.post(
        "/v1/schedules",
        json=schedule_body([creative_id], windows=windows, start_date=None),
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 201, response.text
    schedule: dict[str, Any] = response.json()
    return schedule


def test_poll_plays_the_creative_on_air(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    on_air_now(client, world, approved_creative["id"])
    response = client.get("/v1/player/playlist", headers=device(screen["device_token"]))
    assert response.status_code == 200
    items = response.json()["timeline"][0]["items"]
    assert [i["creative_id"] for i in items] == [approved_creative["id"]]


def test_edit_through_another_process_is_seen_within_a_second(
    client: TestClient, world: World, approved_creative: dict[str, Any], settings: Settings
) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    schedule = on_air_now(client, world, approved_creative["id"])
    other: FastAPI = create_app(settings)  # a second replica on the same database
    with TestClient(other) as replica:
        before = replica.get("/v1/player/playlist", headers=device(screen["device_token"]))
        assert before.json()["timeline"][0]["items"] != []
        deleted = client.delete(
            f"/v1/schedules/{schedule['id']}", headers=world.headers("force_a_editor")
        )
        assert deleted.status_code == 204
        time.sleep(0.6)
        after = replica.get("/v1/player/playlist", headers=device(screen["device_token"]))
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["timeline"][0]["items"] == []


def test_rotated_token_stops_polling_at_once_on_another_replica(
    client: TestClient, world: World, settings: Settings
) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    with TestClient(create_app(settings)) as replica:
        assert (
            replica.get("/v1/player/playlist", headers=device(screen["device_token"])).status_code
            == 200
        )
        rotated = client.post(
            f"/v1/screens/{screen['id']}/token", headers=world.headers("partner_1")
        )
        time.sleep(0.6)
        old = replica.get("/v1/player/playlist", headers=device(screen["device_token"]))
        new = replica.get("/v1/player/playlist", headers=device(rotated.json()["device_token"]))
    assert old.status_code == 401
    assert old.headers["content-type"] == "application/problem+json"
    assert new.status_code == 200


@pytest.fixture
def checks_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """No timed version checks: a replica's snapshot stays as it was until something asks,
    which makes deterministic the race between a new token and the next half-second check."""
    monkeypatch.setattr(playlist_state, "CHECK_EVERY_SECONDS", 3600.0)
    monkeypatch.setattr(playlist_state, "CHECK_WHILE_LISTENING_SECONDS", 3600.0)


@pytest.mark.usefixtures("checks_only_when_asked")
def test_a_token_issued_through_another_replica_works_here_at_once(
    client: TestClient, world: World, settings: Settings
) -> None:
    """A screen paired, or given a new token, through one replica and polling another at once
    (as a load balancer sends it) is not told 401: the players take a 401 to mean "pair again"
    and would throw their token away."""
    venue = make_venue(client, world)
    first = make_screen(client, world, venue["id"])
    with (
        serve_in_thread(create_app(settings)) as replica,
        httpx.Client(base_url=replica.url, timeout=10) as http,
    ):
        loaded = http.get("/v1/player/playlist", headers=device(first["device_token"]))
        assert loaded.status_code == 200  # the replica's snapshot is loaded, and now stale
        screen = make_screen(client, world, venue["id"], name="Door screen")
        polled = http.get("/v1/player/playlist", headers=device(screen["device_token"]))
        assert polled.status_code == 200, polled.text
        assert polled.json()["screen_id"] == screen["id"]

        rotated = client.post(
            f"/v1/screens/{first['id']}/token", headers=world.headers("partner_1")
        )
        assert rotated.status_code == 200
        token = rotated.json()["device_token"]
        assert http.get("/v1/player/playlist", headers=device(token)).status_code == 200

        other = make_screen(client, world, venue["id"], name="Window screen")
        with http.stream(
            "GET", "/v1/player/events", headers=device(other["device_token"])
        ) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
        # A token nobody issued is still refused, once the replica has looked.
        started = time.monotonic()
        assert http.get("/v1/player/playlist", headers=device("sgd_nope")).status_code == 401
        assert time.monotonic() - started < 2


@pytest.mark.usefixtures("checks_only_when_asked")
def test_a_new_token_is_told_to_retry_while_its_playlists_are_still_compiling(
    client: TestClient, world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not 401 (pair again) while the replica cannot yet say: 503 with Retry-After, as for a
    server still starting, and the playlist once it is compiled."""
    venue = make_venue(client, world)
    first = make_screen(client, world, venue["id"])
    with (
        serve_in_thread(create_app(settings)) as replica,
        httpx.Client(base_url=replica.url, timeout=10) as http,
    ):
        assert http.get("/v1/player/playlist", headers=device(first["device_token"])).is_success
        compile_all = Snapshot.compile_all

        def slow_compile(snapshot: Snapshot, *args: Any, **kwargs: Any) -> None:
            time.sleep(1.5)  # a national edit being compiled, longer than a poll waits
            compile_all(snapshot, *args, **kwargs)

        monkeypatch.setattr(playlist_state, "LOAD_WAIT_SECONDS", 0.3)
        monkeypatch.setattr(Snapshot, "compile_all", slow_compile)
        screen = make_screen(client, world, venue["id"], name="Door screen")
        for path in ("/v1/player/playlist", "/v1/player/events"):
            early = http.get(path, headers=device(screen["device_token"]))
            assert early.status_code == 503, early.text
            assert early.headers["retry-after"] == "2"
            assert early.json()["detail"].startswith("This device token is not known here yet")
        time.sleep(1.5)
        later = http.get("/v1/player/playlist", headers=device(screen["device_token"]))
        assert later.status_code == 200, later.text


def test_poll_without_or_with_bad_token_is_401(client: TestClient) -> None:
    assert client.get("/v1/player/playlist").status_code == 401
    bad = client.get("/v1/player/playlist", headers=device("sgd_nope"))
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    assert (
        client.get("/v1/player/playlist", headers={"Authorization": "Basic abc"}).status_code == 401
    )


def test_poll_rejects_other_methods(client: TestClient, world: World) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    response = client.post("/v1/player/playlist", headers=device(screen["device_token"]))
    assert response.status_code == 405


def test_poll_writes_nothing_to_the_database(
    client: TestClient, world: World, engine: Engine, approved_creative: dict[str, Any]
) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    on_air_now(client, world, approved_creative["id"])
    client.get("/v1/player/playlist", headers=device(screen["device_token"]))  # warm the state
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.strip().split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(20):
            response = client.get("/v1/player/playlist", headers=device(screen["device_token"]))
            assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not {"INSERT", "UPDATE", "DELETE"} & set(statements)
    # At most the cheap version check, not a query per poll.
    assert len(statements) <= 2


def test_last_seen_is_written_in_a_batch(
    client: TestClient, app: FastAPI, world: World, engine: Engine
) -> None:
    screens = [
        make_screen(client, world, make_venue(client, world, name=f"Venue {i}")["id"])
        for i in range(3)
    ]
    for screen in screens:
        client.get("/v1/player/playlist", headers=device(screen["device_token"]))
    listed = client.get(f"/v1/screens/{screens[0]['id']}", headers=world.headers("partner_1"))
    assert listed.json()["status"] == "online"  # this process's pending sighting counts
    assert app.state.seen.flush(engine) == 3
    with Session(engine) as session:
        seen = [session.get(Screen, s["id"]).last_seen_at for s in screens]  # type: ignore[union-attr]
    assert all(at is not None for at in seen)


def test_status_report_is_visible_at_once_and_stored_on_flush(
    client: TestClient, app: FastAPI, world: World, engine: Engine
) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    reported = client.post(
        "/v1/player/status",
        json={"player": "signage-web/1", "playing_creative_id": None},
        headers=device(screen["device_token"]),
    )
    assert reported.status_code == 204
    shown = client.get(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1")).json()
    assert (shown["status"], shown["player"]) == ("online", "signage-web/1")
    app.state.seen.flush(engine)
    with engine.connect() as connection:
        player = connection.execute(
            text("SELECT player FROM screens WHERE id = :id"), {"id": screen["id"]}
        ).scalar()
    assert player == "signage-web/1"


def test_screens_with_the_same_venue_configuration_share_one_compiled_playlist(
    client: TestClient, app: FastAPI, world: World, approved_creative: dict[str, Any]
) -> None:
    on_air_now(client, world, approved_creative["id"])
    screens = [
        make_screen(client, world, make_venue(client, world, name=f"Pub {i}")["id"])
        for i in range(4)
    ]
    odd_hours = make_venue(
        client,
        world,
        name="Late bar",
        opening_hours=[{"day": "sat", "open": "22:00", "close": "06:00"}],
    )
    screens.append(make_screen(client, world, odd_hours["id"]))
    bodies = [
        client.get("/v1/player/playlist", headers=device(s["device_token"])).json() for s in screens
    ]
    assert [b["screen_id"] for b in bodies] == [s["id"] for s in screens]
    assert len({json.dumps(b["timeline"]) for b in bodies}) == 1
    # Four pubs alike, one late bar.
    assert len(app.state.playlist_state.cached.compiled_groups) == 2


def _edits(client: TestClient, world: World, ids: dict[str, str]) -> dict[str, Any]:
    editor, partner = world.headers("force_a_editor"), world.headers("partner_1")
    return {
        "creative rejected": lambda: client.post(
            f"/v1/creatives/{ids['creative']}/reject",
            json={"reason": "wrong logo"},
            headers=world.headers("force_a_approver"),
        ),
        "creative validity ended": lambda: client.patch(
            f"/v1/creatives/{ids['creative']}",
            json={"valid_until": "2020-01-01T00:00:00Z"},
            headers=editor,
        ),
        "creative file replaced": lambda: client.put(
            f"/v1/creatives/{ids['creative']}/file",
            files={"file": ("new.png", png_bytes(160, 90, (0, 90, 0)), "image/png")},
            headers=editor,
        ),
        "schedule deleted": lambda: client.delete(
            f"/v1/schedules/{ids['schedule']}", headers=editor
        ),
        "schedule windows changed": lambda: client.patch(
            f"/v1/schedules/{ids['schedule']}",
            json={"windows": [{"days": ["sat"], "start": "20:00", "end": "04:00"}]},
            headers=editor,
        ),
        "venue timezone changed": lambda: client.patch(
            f"/v1/venues/{ids['venue']}", json={"timezone": "Europe/Dublin"}, headers=partner
        ),
        "screen turned portrait": lambda: client.patch(
            f"/v1/screens/{ids['screen']}", json={"orientation": "portrait"}, headers=partner
        ),
    }


EDIT_KINDS = [
    "creative rejected",
    "creative validity ended",
    "creative file replaced",
    "schedule deleted",
    "schedule windows changed",
    "venue timezone changed",
    "screen turned portrait",
]


@pytest.mark.parametrize("kind", EDIT_KINDS)
def test_every_kind_of_edit_changes_the_etag(
    client: TestClient, world: World, approved_creative: dict[str, Any], kind: str
) -> None:
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    schedule = on_air_now(client, world, approved_creative["id"])
    headers = device(screen["device_token"])
    before = client.get("/v1/player/playlist", headers=headers)
    ids = {
        "creative": approved_creative["id"],
        "schedule": schedule["id"],
        "venue": venue["id"],
        "screen": screen["id"],
    }
    response = _edits(client, world, ids)[kind]()
    assert response.status_code < 300, response.text
    after = client.get(
        "/v1/player/playlist", headers={**headers, "If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]


def test_an_edit_that_changes_nothing_shown_keeps_the_etag(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    on_air_now(client, world, approved_creative["id"])
    headers = device(screen["device_token"])
    before = client.get("/v1/player/playlist", headers=headers)
    client.patch(
        f"/v1/screens/{screen['id']}", json={"name": "Renamed"}, headers=world.headers("partner_1")
    )
    after = client.get(
        "/v1/player/playlist", headers={**headers, "If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 304


def test_an_edit_is_served_at_once_whatever_other_playlist_states_listen(
    settings: Settings, tmp_path: Any
) -> None:
    # Another process-level playlist state registered first (another app in the same process,
    # as in a test suite) once took this commit's "changed" flag for itself, so this app's
    # poll kept the old snapshot for up to half a second.
    from signage.core.db import create_db_engine
    from signage.player.state import PlaylistState
    from tests.conftest import SECRET
    from tests.factories import make_campaign, post_creative

    other_engine = create_db_engine(f"sqlite:///{tmp_path / 'other.db'}")
    other = PlaylistState(other_engine)
    application = create_app(settings)
    try:
        with TestClient(application) as client:
            world = World.build(application.state.engine, secret=SECRET)
            campaign = make_campaign(client, world)
            creative = post_creative(client, world, campaign["id"], content=png_bytes(160, 90))
            client.post(
                f"/v1/creatives/{creative.json()['id']}/approve",
                headers=world.headers("force_a_approver"),
            )
            screen = make_screen(client, world, make_venue(client, world)["id"])
            schedule = on_air_now(client, world, creative.json()["id"])
            headers = device(screen["device_token"])
            before = client.get("/v1/player/playlist", headers=headers)
            deleted = client.delete(
                f"/v1/schedules/{schedule['id']}", headers=world.headers("force_a_editor")
            )
            assert deleted.status_code == 204
            after = client.get(
                "/v1/player/playlist",
                headers={**headers, "If-None-Match": before.headers["etag"]},
            )
            assert after.status_code == 200
    finally:
        other.close()
        application.state.playlist_state.close()
        application.state.engine.dispose()
        other_engine.dispose()
