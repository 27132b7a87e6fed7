"""GET /v1/screens/{id}/playlist?at=: an instant outside 2000..2100 is a 422, never a 500."""

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.factories import World, assert_problem, make_screen, make_venue
from tests.live import LiveServer

AT_THE_BOUNDS = [
    "2000-01-01T00:00:00Z",
    "2000-01-01T01:00:00+01:00",
    "2100-12-31T23:59:59.999999Z",
    "2101-01-01T00:59:59+01:00",
]
OUTSIDE = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "1999-12-31T23:59:59.999999Z",
    "2101-01-01T00:00:00Z",
    "9999-12-27T00:00:00Z",
    "9999-12-31T23:59:59-12:00",
]


@pytest.fixture
def screen(client: TestClient, world: World) -> dict[str, Any]:
    return make_screen(client, world, make_venue(client, world)["id"])


@pytest.mark.parametrize("at", AT_THE_BOUNDS)
def test_preview_at_the_bounds_answers(
    live_server: LiveServer, world: World, screen: dict[str, Any], at: str
) -> None:
    response = httpx.get(
        f"{live_server.url}/v1/screens/{screen['id']}/playlist",
        params={"at": at},
        headers=world.headers("partner_1"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["screen_id"] == screen["id"]


@pytest.mark.parametrize("at", OUTSIDE)
def test_preview_outside_the_bounds_is_422(
    live_server: LiveServer, world: World, screen: dict[str, Any], at: str
) -> None:
    response = httpx.get(
        f"{live_server.url}/v1/screens/{screen['id']}/playlist",
        params={"at": at},
        headers=world.headers("partner_1"),
    )
    assert_problem(response, 422, "at: must be between 2000-01-01 and 2100-12-31")


def test_preview_at_without_an_offset_is_422(
    live_server: LiveServer, world: World, screen: dict[str, Any]
) -> None:
    response = httpx.get(
        f"{live_server.url}/v1/screens/{screen['id']}/playlist",
        params={"at": "2026-11-28T22:00:00"},
        headers=world.headers("partner_1"),
    )
    assert_problem(response, 422, "at:", "timezone")
