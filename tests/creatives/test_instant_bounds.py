"""A creative's valid_from/valid_until lie between 2000-01-01 and 2100-12-31: outside is a 422,
on upload and on PATCH, never a server error."""

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.factories import World, assert_problem, png_bytes, upload_creative
from tests.live import LiveServer

RANGE = "between 2000-01-01 and 2100-12-31"

# field, sent value: each outside the range (some not even a datetime once in UTC).
OUTSIDE = [
    ("valid_until", "9999-12-31T23:59:59-12:00"),
    ("valid_until", "2101-01-01T00:00:00Z"),
    ("valid_until", "2100-12-31T23:00:00-01:00"),
    ("valid_from", "0001-01-01T00:00:00+14:00"),
    ("valid_from", "1999-12-31T23:59:59.999999Z"),
    ("valid_from", "2000-01-01T00:59:59+01:00"),
]
# field, sent value, as it is stored (UTC).
AT_THE_BOUNDS = [
    ("valid_from", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00"),
    ("valid_from", "2000-01-01T01:00:00+01:00", "2000-01-01T00:00:00"),
    ("valid_until", "2100-12-31T23:59:59.999999Z", "2100-12-31T23:59:59.999999"),
    ("valid_until", "2101-01-01T00:59:59+01:00", "2100-12-31T23:59:59"),
]


def upload(
    live_server: LiveServer, world: World, campaign_id: str, **fields: str
) -> httpx.Response:
    return httpx.post(
        f"{live_server.url}/v1/creatives",
        data={"campaign_id": campaign_id, "name": "Walk Away poster", **fields},
        files={"file": ("poster.png", png_bytes(), "image/png")},
        headers=world.headers("force_a_editor"),
    )


def patch(
    live_server: LiveServer, world: World, creative_id: str, body: dict[str, Any]
) -> httpx.Response:
    return httpx.patch(
        f"{live_server.url}/v1/creatives/{creative_id}",
        json=body,
        headers=world.headers("force_a_editor"),
    )


@pytest.fixture
def creative(client: TestClient, world: World, campaign: dict[str, Any]) -> dict[str, Any]:
    return upload_creative(client, world, campaign["id"])


@pytest.mark.parametrize(("field", "sent"), OUTSIDE)
def test_upload_with_an_instant_outside_the_range_is_422(
    live_server: LiveServer, world: World, campaign: dict[str, Any], field: str, sent: str
) -> None:
    response = upload(live_server, world, campaign["id"], **{field: sent})
    assert_problem(response, 422, f"{field}: must be {RANGE}")


@pytest.mark.parametrize(("field", "sent", "stored"), AT_THE_BOUNDS)
def test_upload_with_an_instant_at_the_bounds_is_taken(
    live_server: LiveServer,
    world: World,
    campaign: dict[str, Any],
    field: str,
    sent: str,
    stored: str,
) -> None:
    response = upload(live_server, world, campaign["id"], **{field: sent})
    assert response.status_code == 201, response.text
    assert response.json()[field].startswith(stored)


@pytest.mark.parametrize(("field", "sent"), OUTSIDE)
def test_patch_with_an_instant_outside_the_range_is_422(
    live_server: LiveServer, world: World, creative: dict[str, Any], field: str, sent: str
) -> None:
    response = patch(live_server, world, creative["id"], {field: sent})
    assert_problem(response, 422, f"{field}: must be {RANGE}")


@pytest.mark.parametrize(("field", "sent", "stored"), AT_THE_BOUNDS)
def test_patch_with_an_instant_at_the_bounds_is_taken(
    live_server: LiveServer,
    world: World,
    creative: dict[str, Any],
    field: str,
    sent: str,
    stored: str,
) -> None:
    response = patch(live_server, world, creative["id"], {field: sent})
    assert response.status_code == 200, response.text
    assert response.json()[field].startswith(stored)


@pytest.mark.parametrize("field", ["valid_from", "valid_until"])
def test_patch_with_an_instant_without_an_offset_is_422(
    live_server: LiveServer, world: World, creative: dict[str, Any], field: str
) -> None:
    response = patch(live_server, world, creative["id"], {field: "2026-12-01T20:00:00"})
    assert_problem(response, 422, f"{field}:", "timezone")
