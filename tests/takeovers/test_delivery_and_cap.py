"""A takeover's delivery report (nudged, fetched, played per screen) and its CAP 1.2 export,
read back by an independent CAP consumer."""

from datetime import UTC, datetime
from typing import Any

import pytest
from capparselib.parsers import CAPParser
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from signage.core.config import Settings
from tests.factories import (
    World,
    device_headers,
    make_screen,
    make_venue,
    play_record,
    post_plays,
)
from tests.live import LiveServer
from tests.player.sse_client import read_events
from tests.takeovers.helpers import Scene, scene, takeover_body


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"events_heartbeat_seconds": 0.3})


@pytest.fixture
def here(client: TestClient, world: World) -> Scene:
    return scene(client, world)


def _start(client: TestClient, world: World, here: Scene, **overrides: Any) -> dict[str, Any]:
    created = client.post(
        "/v1/takeovers",
        json=takeover_body(here, **overrides),
        headers=world.headers("force_a_editor"),
    ).json()
    confirmed = client.post(
        f"/v1/takeovers/{created['id']}/confirm", headers=world.headers("force_a_approver")
    )
    assert confirmed.status_code == 200, confirmed.text
    result: dict[str, Any] = confirmed.json()
    return result


def test_the_delivery_report_says_when_each_screen_was_told_fetched_and_played(
    app: FastAPI,
    engine: Engine,
    live_server: LiveServer,
    client: TestClient,
    world: World,
    here: Scene,
) -> None:
    quiet = make_screen(client, world, here.venue["id"], name="Back bar")  # no stream, no poll
    away = make_venue(client, world, name="Not in the area")
    outside = make_screen(client, world, away["id"])
    with read_events(live_server.url, here.screen["device_token"]) as stream:
        stream.expect("ready")
        takeover = _start(client, world, here, target={"venue_ids": [here.venue["id"]]})
        stream.expect("playlist", timeout=2)
    body = client.get("/v1/player/playlist", headers=device_headers(here.screen)).json()
    assert body["timeline"][0]["items"][0]["creative_id"] == here.urgent["id"]
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    played = post_plays(client, here.screen, [play_record(here.urgent["id"], now)])
    assert played.json()["accepted"], played.text  # a takeover's creative is playable
    app.state.deliveries.flush(engine)

    report = client.get(
        f"/v1/takeovers/{takeover['id']}/delivery", headers=world.headers("force_a_editor")
    )
    assert report.status_code == 200, report.text
    data = report.json()
    rows = {r["screen_id"]: r for r in data["screens"]}
    assert set(rows) == {here.screen["id"], quiet["id"]}
    assert outside["id"] not in rows
    seen = rows[here.screen["id"]]
    assert seen["status"] == "played"
    assert seen["plays"] == 1
    assert seen["nudged_at"] is not None
    assert seen["fetched_at"] is not None
    assert seen["nudged_at"] <= seen["fetched_at"]
    assert 0 <= seen["seconds_to_fetch"] < 5
    assert rows[quiet["id"]]["status"] == "waiting"
    assert data["summary"] == {
        "screens": 2,
        "nudged": 1,
        "fetched": 1,
        "played": 1,
        "plays": 1,
        "median_seconds_to_fetch": seen["seconds_to_fetch"],
        "p95_seconds_to_fetch": seen["seconds_to_fetch"],
        "slowest_seconds_to_fetch": seen["seconds_to_fetch"],
    }
    hidden = client.get(
        f"/v1/takeovers/{takeover['id']}/delivery", headers=world.headers("force_b_editor")
    )
    assert hidden.status_code == 404


def _text(value: Any) -> str:
    return str(value).strip()


def test_the_cap_export_is_read_back_by_an_independent_consumer(
    client: TestClient, world: World, here: Scene
) -> None:
    takeover = _start(client, world, here)
    response = client.get(
        f"/v1/takeovers/{takeover['id']}.cap.xml", headers=world.headers("force_a_editor")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/cap+xml")
    alerts = CAPParser(response.text).as_dict()  # validates against the CAP 1.2 schema
    assert len(alerts) == 1
    alert = alerts[0]
    assert _text(alert["cap_id"]) == f"signage-takeover-{takeover['id']}"
    assert _text(alert["cap_status"]) == "Actual"
    assert _text(alert["cap_message_type"]) == "Alert"
    assert _text(alert["cap_scope"]) == "Public"
    info = alert["cap_info"][0]
    assert _text(info["cap_urgency"]) == "Immediate"
    assert _text(info["cap_sender_name"]) == "Leicestershire Police"
    assert _text(info["cap_description"]).startswith("Serious assault")
    confirmed = datetime.fromisoformat(takeover["confirmed_at"]).replace(microsecond=0)
    assert datetime.fromisoformat(_text(alert["cap_sent"])) == confirmed
    assert datetime.fromisoformat(_text(info["cap_expires"])) == datetime.fromisoformat(
        takeover["ends_at"]
    ).replace(microsecond=0)
    area = info["cap_area"][0]
    assert "Leicestershire Police" in _text(area["area_description"])
    assert "1 screens" in _text(area["area_description"]) or "1 screen" in _text(
        area["area_description"]
    )
    geocodes = {(g["valueName"], g["value"]) for g in area["geocodes"]}
    assert ("postcode", "LE1 1AA") in geocodes

    # Ended early: a Cancel, referring to the alert it cancels.
    client.post(f"/v1/takeovers/{takeover['id']}/end", headers=world.headers("force_a_editor"))
    cancelled = client.get(
        f"/v1/takeovers/{takeover['id']}.cap.xml", headers=world.headers("force_a_editor")
    )
    cancel = CAPParser(cancelled.text).as_dict()[0]
    assert _text(cancel["cap_message_type"]) == "Cancel"
    assert f"signage-takeover-{takeover['id']}," in _text(cancel["cap_references"])
    assert _text(cancel["cap_id"]) != _text(alert["cap_id"])
