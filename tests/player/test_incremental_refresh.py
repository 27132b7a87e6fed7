"""Edits cost what they change: a refresh reads again only the rows an edit touched, recompiles
only the playlists whose inputs changed, and every other screen keeps its ETag.

Every test ends by comparing the snapshot the edits built, step by step, with one read from
scratch: each screen's body must be the same bytes either way.
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, text
from sqlmodel import Session

from signage.core.versioning import PlaylistChange
from signage.player.state import PlaylistState, load_snapshot
from tests.factories import (
    World,
    make_campaign,
    make_screen,
    make_venue,
    png_bytes,
    post_creative,
    schedule_body,
)
from tests.player.test_hotpath import device, on_air_now

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
AROUND_THE_CLOCK = [{"days": ALL_DAYS, "start": "00:00", "end": "00:00"}]


def _state(app: FastAPI) -> PlaylistState:
    state: PlaylistState = app.state.playlist_state
    return state


def _poll_all(
    client: TestClient, screens: list[dict[str, Any]], etags: dict[str, str] | None = None
) -> dict[str, tuple[int, str]]:
    found = {}
    for screen in screens:
        headers = device(screen["device_token"])
        if etags:
            headers["If-None-Match"] = etags[screen["id"]]
        response = client.get("/v1/player/playlist", headers=headers)
        found[screen["id"]] = (response.status_code, response.headers.get("etag", ""))
    return found


def _same_as_read_from_scratch(app: FastAPI) -> None:
    state = _state(app)
    state.refresh()
    live = state.cached
    assert live is not None
    scratch = load_snapshot(app.state.engine)
    assert scratch.version == live.version
    assert live.by_id.keys() == scratch.by_id.keys()
    assert live.by_token.keys() == scratch.by_token.keys()
    now = datetime.now(UTC)
    for screen_id, entry in live.by_id.items():
        ours, our_etag = live.playlist_for(entry, now=now, poll_after=30)
        theirs, their_etag = scratch.playlist_for(scratch.by_id[screen_id], now=now, poll_after=30)
        assert ours.body_for(screen_id) == theirs.body_for(screen_id), screen_id
        assert our_etag == their_etag


def _another_creative(client: TestClient, world: World) -> dict[str, Any]:
    """An approved creative besides the fixture's, so that a schedule's edit shows."""
    campaign = make_campaign(client, world, name="Walk Away, door")
    response = post_creative(client, world, campaign["id"], content=png_bytes(320, 180))
    assert response.status_code == 201, response.text
    creative: dict[str, Any] = response.json()
    approved = client.post(
        f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
    )
    assert approved.status_code == 200, approved.text
    return creative


def _venue_schedule(
    client: TestClient, world: World, creative_id: str, venue_id: str
) -> dict[str, Any]:
    body = schedule_body(
        [creative_id],
        name="Only the Crown",
        windows=AROUND_THE_CLOCK,
        start_date=None,
        priority=60,
        target={"venue_ids": [venue_id]},
    )
    response = client.post("/v1/schedules", json=body, headers=world.headers("force_a_editor"))
    assert response.status_code == 201, response.text
    schedule: dict[str, Any] = response.json()
    return schedule


def test_an_edit_to_one_venues_schedule_recompiles_only_its_playlists(
    app: FastAPI, client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    venues = [make_venue(client, world, name=f"Pub {i}") for i in range(4)]
    screens = [make_screen(client, world, v["id"]) for v in venues for _ in range(2)]
    on_air_now(client, world, approved_creative["id"])
    door = _another_creative(client, world)
    crown = _venue_schedule(client, world, approved_creative["id"], venues[0]["id"])
    before = _poll_all(client, screens)
    state = _state(app)
    snapshot = state.cached
    assert snapshot is not None
    groups_before = {s["id"]: snapshot.groups[snapshot.by_id[s["id"]].profile] for s in screens}
    compiled_before = {s["id"]: groups_before[s["id"]].compiled for s in screens}

    edited = client.patch(
        f"/v1/schedules/{crown['id']}",
        json={"creative_ids": [door["id"]]},
        headers=world.headers("force_a_editor"),
    )
    assert edited.status_code == 200, edited.text
    after = _poll_all(client, screens, {k: v[1] for k, v in before.items()})

    crown_screens = {s["id"] for s in screens if s["venue_id"] == venues[0]["id"]}
    for screen_id, (status, etag) in after.items():
        if screen_id in crown_screens:
            assert status == 200
            assert etag != before[screen_id][1]
        else:
            assert status == 304, [(after[k], before[k][1]) for k in after]
            assert etag == before[screen_id][1]
    refreshed = state.cached
    assert refreshed is not None
    assert refreshed is not snapshot
    assert state.last_refresh is not None
    assert state.last_refresh.incremental
    # No screen was read again, and the other venues' playlists are the very same objects.
    assert refreshed.by_id is snapshot.by_id
    for screen in screens:
        group = refreshed.groups[refreshed.by_id[screen["id"]].profile]
        if screen["id"] in crown_screens:
            assert group is not groups_before[screen["id"]]
        else:
            assert group is groups_before[screen["id"]]
            assert group.compiled is compiled_before[screen["id"]]
    _same_as_read_from_scratch(app)


def test_screens_and_venues_changed_are_read_again_alone(
    app: FastAPI, client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    venues = [make_venue(client, world, name=f"Pub {i}") for i in range(3)]
    screens = [make_screen(client, world, v["id"]) for v in venues]
    on_air_now(client, world, approved_creative["id"])
    tagged = schedule_body(
        [_another_creative(client, world)["id"]],
        name="Door screens",
        windows=AROUND_THE_CLOCK,
        start_date=None,
        priority=80,
        target={"tags": ["door"]},
    )
    assert (
        client.post("/v1/schedules", json=tagged, headers=world.headers("force_a_editor"))
    ).status_code == 201
    before = _poll_all(client, screens)
    state = _state(app)
    partner = world.headers("partner_1")

    # A tag that a schedule targets: that screen's playlist changes, nobody else's.
    tagged_screen = client.patch(
        f"/v1/screens/{screens[0]['id']}", json={"tags": ["door"]}, headers=partner
    )
    assert tagged_screen.status_code == 200, tagged_screen.text
    after = _poll_all(client, screens, {k: v[1] for k, v in before.items()})
    assert [after[s["id"]][0] for s in screens] == [200, 304, 304]
    assert state.last_refresh is not None
    assert state.last_refresh.incremental

    # Closing hours moved: that venue's screen compiles again; a new screen polls at once.
    hours = [{"day": d, "open": "12:00", "close": "23:00"} for d in ALL_DAYS]
    moved = client.patch(
        f"/v1/venues/{venues[1]['id']}", json={"opening_hours": hours}, headers=partner
    )
    assert moved.status_code == 200, moved.text
    added = make_screen(client, world, venues[2]["id"])
    polled = client.get("/v1/player/playlist", headers=device(added["device_token"]))
    assert polled.status_code == 200
    _same_as_read_from_scratch(app)

    # Revoked screens are gone from the next poll; so is the venue they leave empty.
    for gone in (screens[0], screens[2], added):
        revoked = client.delete(f"/v1/screens/{gone['id']}", headers=partner)
        assert revoked.status_code == 204, revoked.text
    deleted = client.delete(f"/v1/venues/{venues[2]['id']}", headers=partner)
    assert deleted.status_code == 204, deleted.text
    for gone in (screens[0], screens[2], added):
        polled = client.get("/v1/player/playlist", headers=device(gone["device_token"]))
        assert polled.status_code == 401
    assert (
        client.get("/v1/player/playlist", headers=device(screens[1]["device_token"])).status_code
        == 200
    )
    assert state.last_refresh is not None
    assert state.last_refresh.incremental
    _same_as_read_from_scratch(app)


def test_a_change_log_that_no_longer_reaches_back_means_reading_everything(
    app: FastAPI, client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    on_air_now(client, world, approved_creative["id"])
    door = _another_creative(client, world)
    first = client.get("/v1/player/playlist", headers=device(screen["device_token"]))
    state = _state(app)
    full_loads = state.full_loads
    # As if this process had been away while other edits came and the log was pruned past
    # its version.
    with Session(app.state.engine) as session:
        session.execute(delete(PlaylistChange))
        session.execute(text("UPDATE state_version SET version = version + 5 WHERE id = 1"))
        session.commit()
    crown = _venue_schedule(client, world, door["id"], venue["id"])
    second = client.get(
        "/v1/player/playlist",
        headers={**device(screen["device_token"]), "If-None-Match": first.headers["etag"]},
    )
    assert second.status_code == 200
    assert crown["id"]  # the new schedule is on air at this venue
    assert state.full_loads == full_loads + 1
    _same_as_read_from_scratch(app)


def test_a_creative_changed_recompiles_the_playlists_that_use_it(
    app: FastAPI, client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    on_air_now(client, world, approved_creative["id"])
    first = client.get("/v1/player/playlist", headers=device(screen["device_token"]))
    (item,) = first.json()["timeline"][0]["items"]
    changed = client.patch(
        f"/v1/creatives/{approved_creative['id']}",
        json={"duration_ms": item["duration_ms"] + 2000},
        headers=world.headers("force_a_editor"),
    )
    assert changed.status_code == 200, changed.text
    second = client.get("/v1/player/playlist", headers=device(screen["device_token"]))
    (again,) = second.json()["timeline"][0]["items"]
    assert again["duration_ms"] == item["duration_ms"] + 2000
    state = _state(app)
    assert state.last_refresh is not None
    assert state.last_refresh.incremental
    _same_as_read_from_scratch(app)


def test_a_counter_that_went_back_means_reading_everything(
    app: FastAPI, client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    """A database restored from a backup holds an older counter than the process saw: the
    change log cannot say what differs, so everything is read again."""
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    on_air_now(client, world, approved_creative["id"])
    door = _another_creative(client, world)
    client.get("/v1/player/playlist", headers=device(screen["device_token"]))
    state = _state(app)
    full_loads = state.full_loads
    with Session(app.state.engine) as session:
        session.execute(delete(PlaylistChange))
        session.execute(text("UPDATE state_version SET version = 1 WHERE id = 1"))
        session.commit()
    _venue_schedule(client, world, door["id"], venue["id"])
    polled = client.get("/v1/player/playlist", headers=device(screen["device_token"]))
    assert polled.json()["timeline"][0]["items"][0]["creative_id"] == door["id"]
    assert state.full_loads == full_loads + 1
    _same_as_read_from_scratch(app)
