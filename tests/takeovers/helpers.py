"""Shared set-up of the takeover tests: a venue with a screen playing an ordinary schedule."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import (
    World,
    device_headers,
    make_campaign,
    make_screen,
    make_venue,
    png_bytes,
    post_creative,
    schedule_body,
)

ALWAYS = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "00:00"}
]


@dataclass
class Scene:
    venue: dict[str, Any]
    screen: dict[str, Any]
    ordinary: dict[str, Any]  # the creative the schedule plays
    urgent: dict[str, Any]  # the approved creative a takeover shows
    schedule: dict[str, Any]


def approved(
    client: TestClient, world: World, campaign_id: str, colour: tuple[int, int, int]
) -> dict[str, Any]:
    response = post_creative(client, world, campaign_id, content=png_bytes(160, 90, colour))
    assert response.status_code == 201, response.text
    creative: dict[str, Any] = response.json()
    done = client.post(
        f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
    )
    assert done.status_code == 200, done.text
    return creative


def scene(client: TestClient, world: World) -> Scene:
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    campaign = make_campaign(client, world)
    ordinary = approved(client, world, campaign["id"], (20, 120, 20))
    urgent = approved(client, world, campaign["id"], (250, 200, 0))
    body = schedule_body([ordinary["id"]], windows=ALWAYS, start_date=None)
    response = client.post("/v1/schedules", json=body, headers=world.headers("force_a_editor"))
    assert response.status_code == 201, response.text
    return Scene(venue, screen, ordinary, urgent, response.json())


def instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def takeover_body(scene: Scene, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "creative_ids": [scene.urgent["id"]],
        "target": {"venue_ids": [scene.venue["id"]]},
        "ends_at": instant(datetime.now(UTC) + timedelta(hours=3)),
        "reason": "Serious assault in the city centre; de-escalation message tonight",
    }
    body.update(overrides)
    return body


def playing_now(client: TestClient, screen: dict[str, Any]) -> list[str]:
    """The creative ids of the loop the screen should play now, per its poll."""
    response = client.get("/v1/player/playlist", headers=device_headers(screen))
    assert response.status_code == 200, response.text
    first = response.json()["timeline"][0]
    return [item["creative_id"] for item in first["items"]]
