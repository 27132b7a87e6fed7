"""A small estate with known plays: two partners' venues and screens, two forces' creatives.

Plays (UTC; the venues are in Europe/London, GMT in November):
    p1  screen 1  creative A  Fri 27 Nov 21:04:05.123            10 s
    p2  screen 1  creative A  Sat 28 Nov 02:00 (Friday night)    10 s
    p3  screen 1  creative A  Sat 28 Nov 22:00                   10 s
    p4  screen 2  creative B  Sat 28 Nov 01:30 (Friday night)    15 s
    p5  screen 2  creative B  Sat 28 Nov 23:00                   15 s
Screen 1 is partner_1's, in a pub in force A's area; screen 2 partner_2's, in a takeaway in
force B's area.
Creative A belongs to force A, creative B to force B; each is approved and scheduled by its
force, whose schedules reach only its own area: so each screen can show, and report, only its
own force's creative.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from signage.core.config import Settings
from signage.core.roles import Role
from tests.factories import (
    World,
    add_person,
    make_campaign,
    make_screen,
    make_venue,
    play_record,
    png_bytes,
    post_plays,
    schedule_body,
    upload_creative,
)

# The server's clock while plays are posted: a Monday after the weekend.
POSTED_AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WEEKEND = {"from": "2026-11-27T00:00:00Z", "to": "2026-11-30T00:00:00Z"}


def post_at(client: TestClient, screen: dict[str, Any], plays: list[Any], at: datetime) -> Any:
    with time_machine.travel(at, tick=False):
        return post_plays(client, screen, plays)


def approve(client: TestClient, world: World, creative: dict[str, Any], persona: str) -> None:
    response = client.post(
        f"/v1/creatives/{creative['id']}/approve", headers=world.headers(persona)
    )
    assert response.status_code == 200, response.text


def schedule(
    client: TestClient, world: World, creative_ids: list[str], persona: str, **overrides: Any
) -> dict[str, Any]:
    """A schedule of the persona's organisation; by default it targets everything it may."""
    body = schedule_body(creative_ids, start_date=None, **overrides)
    response = client.post("/v1/schedules", json=body, headers=world.headers(persona))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
def force_b_approver(world: World, engine: Engine, settings: Settings) -> str:
    """An approver of force B (the world has none); returns the persona name."""
    assert settings.secret_key is not None
    add_person(
        world,
        engine,
        persona="force_b_approver",
        org_key="force_b",
        role=Role.approver,
        secret=settings.secret_key,
    )
    return "force_b_approver"


@dataclass
class Estate:
    venue_1: dict[str, Any]
    venue_2: dict[str, Any]
    screen_1: dict[str, Any]
    screen_2: dict[str, Any]
    creative_a: dict[str, Any]
    creative_b: dict[str, Any]
    plays: dict[str, dict[str, Any]]


@pytest.fixture
def estate(client: TestClient, world: World, force_b_approver: str) -> Estate:
    venue_1 = make_venue(client, world, name="The Crown")
    venue_2 = make_venue(
        client,
        world,
        "partner_2",
        name="Late Bites Stirling",
        kind="takeaway",
        force_id=world.org_id("force_b"),
        nation="scotland",
    )
    screen_1 = make_screen(client, world, venue_1["id"])
    screen_2 = make_screen(client, world, venue_2["id"], "partner_2")
    campaign_a = make_campaign(client, world)
    campaign_b = make_campaign(client, world, "force_b_editor", name="Get Home Safe")
    creative_a = upload_creative(client, world, campaign_a["id"], name="Walk Away poster")
    creative_b = upload_creative(
        client,
        world,
        campaign_b["id"],
        "force_b_editor",
        name="Get Home Safe",
        content=png_bytes(colour=(10, 200, 10)),
    )
    approve(client, world, creative_a, "force_a_approver")
    approve(client, world, creative_b, force_b_approver)
    a, b = creative_a["id"], creative_b["id"]
    schedule(client, world, [a], "force_a_editor")
    schedule(client, world, [b], "force_b_editor", name="Get Home Safe - weekend nights")
    plays = {
        "p1": play_record(a, "2026-11-27T21:04:05.123Z", 10000),
        "p2": play_record(a, "2026-11-28T02:00:00Z", 10000),
        "p3": play_record(a, "2026-11-28T22:00:00Z", 10000),
        "p4": play_record(b, "2026-11-28T01:30:00Z", 15000),
        "p5": play_record(b, "2026-11-28T23:00:00Z", 15000),
    }
    first = post_at(client, screen_1, [plays["p1"], plays["p2"], plays["p3"]], POSTED_AT)
    second = post_at(client, screen_2, [plays["p4"], plays["p5"]], POSTED_AT)
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert len(first.json()["accepted"]) == 3, first.text
    assert len(second.json()["accepted"]) == 2, second.text
    return Estate(venue_1, venue_2, screen_1, screen_2, creative_a, creative_b, plays)
