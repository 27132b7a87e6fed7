"""HTTP tests for /v1/screens: registration, device tokens, status, editing and revocation."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, text

from signage.core.config import Settings
from tests.factories import World, assert_problem, make_screen, make_venue

SCREEN_KEYS = {
    "id",
    "venue_id",
    "name",
    "orientation",
    "tags",
    "status",
    "last_seen_at",
    "player",
    "playing_creative_id",
}


def device(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def report_status(client: TestClient, token: str, **body: Any) -> httpx.Response:
    return client.post("/v1/player/status", json=body, headers=device(token))


def screen_ids(client: TestClient, world: World, persona: str, **params: str) -> set[str]:
    response = client.get("/v1/screens", params=params, headers=world.headers(persona))
    assert response.status_code == 200, response.text
    return {s["id"] for s in response.json()}


def read_screen(client: TestClient, world: World, screen_id: str, persona: str) -> httpx.Response:
    return client.get(f"/v1/screens/{screen_id}", headers=world.headers(persona))


@pytest.fixture
def venue(client: TestClient, world: World) -> dict[str, Any]:
    """A venue of partner_1 in force_a's area."""
    return make_venue(client, world, "partner_1", force_id=world.org_id("force_a"))


# --- creation and the device token ----------------------------------------------------------


def test_create_screen_returns_screen_and_device_token(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    response = client.post(
        "/v1/screens",
        json={"venue_id": venue["id"], "name": " Bar screen ", "orientation": "portrait"},
        headers=world.headers("partner_1"),
    )
    assert response.status_code == 201, response.text
    screen = response.json()
    assert SCREEN_KEYS | {"device_token"} <= screen.keys()
    assert screen["venue_id"] == venue["id"]
    assert screen["name"] == "Bar screen"
    assert screen["orientation"] == "portrait"
    assert screen["tags"] == []
    assert screen["status"] == "never_seen"
    assert screen["last_seen_at"] is None
    assert screen["player"] is None
    assert screen["playing_creative_id"] is None
    assert len(screen["device_token"]) >= 32


def test_orientation_is_optional(client: TestClient, world: World, venue: dict[str, Any]) -> None:
    response = client.post(
        "/v1/screens",
        json={"venue_id": venue["id"], "name": "Door"},
        headers=world.headers("partner_1"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["orientation"] is None


def test_device_token_is_never_shown_again(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    screen = make_screen(client, world, venue["id"])
    read = read_screen(client, world, screen["id"], "partner_1")
    assert read.status_code == 200
    assert "device_token" not in read.json()
    assert screen["device_token"] not in read.text
    listed = client.get("/v1/screens", headers=world.headers("partner_1"))
    assert "device_token" not in listed.json()[0]
    assert screen["device_token"] not in listed.text
    without_token = {k: v for k, v in screen.items() if k != "device_token"}
    assert read.json() == without_token


def test_database_keeps_only_sha256_of_device_token(
    client: TestClient, world: World, venue: dict[str, Any], engine: Engine
) -> None:
    screen = make_screen(client, world, venue["id"])
    token = screen["device_token"]
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT token_hash FROM screens WHERE id = :id"), {"id": screen["id"]}
        ).scalar_one()
        assert stored == hashlib.sha256(token.encode()).hexdigest()
        columns = [c["name"] for c in inspect(connection).get_columns("screens")]
        row = connection.execute(
            text("SELECT * FROM screens WHERE id = :id"), {"id": screen["id"]}
        ).one()
    for column, value in zip(columns, row, strict=True):
        assert token not in str(value), column


def test_new_screen_is_never_seen_until_it_reports(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    screen = make_screen(client, world, venue["id"])
    assert read_screen(client, world, screen["id"], "partner_1").json()["status"] == "never_seen"
    response = report_status(client, screen["device_token"], player="signage-web/1.0")
    assert response.status_code == 204
    assert response.content == b""
    seen = read_screen(client, world, screen["id"], "partner_1").json()
    assert seen["status"] == "online"
    assert seen["last_seen_at"] is not None
    assert seen["player"] == "signage-web/1.0"


def test_screen_goes_offline_when_it_stops_reporting(
    client: TestClient, world: World, venue: dict[str, Any], settings: Settings
) -> None:
    screen = make_screen(client, world, venue["id"])
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        assert report_status(client, screen["device_token"]).status_code == 204
        clock.shift(timedelta(seconds=settings.screen_offline_after_seconds - 10))
        assert read_screen(client, world, screen["id"], "partner_1").json()["status"] == "online"
        clock.shift(timedelta(seconds=20))
        offline = read_screen(client, world, screen["id"], "partner_1").json()
        assert offline["status"] == "offline"
        assert offline["last_seen_at"] is not None
        assert report_status(client, screen["device_token"]).status_code == 204
        assert read_screen(client, world, screen["id"], "partner_1").json()["status"] == "online"


def test_creating_screen_in_other_partners_venue_is_404(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    response = client.post(
        "/v1/screens",
        json={"venue_id": venue["id"], "name": "Intruder"},
        headers=world.headers("partner_2"),
    )
    assert_problem(response, 404, "venue", "not found")
    assert screen_ids(client, world, "partner_1") == set()


def test_creating_screen_in_missing_venue_is_404(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/screens",
        json={"venue_id": "00000000-0000-4000-8000-000000000000", "name": "Ghost"},
        headers=world.headers("partner_1"),
    )
    assert_problem(response, 404, "venue", "not found")


def test_creating_screen_in_deleted_venue_is_404(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    deleted = client.delete(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1"))
    assert deleted.status_code == 204
    response = client.post(
        "/v1/screens",
        json={"venue_id": venue["id"], "name": "Late"},
        headers=world.headers("partner_1"),
    )
    assert_problem(response, 404, "venue")


@pytest.mark.parametrize("persona", ["force_a_editor", "force_a_admin", "national_admin"])
def test_police_staff_cannot_create_screens(
    client: TestClient, world: World, venue: dict[str, Any], persona: str
) -> None:
    response = client.post(
        "/v1/screens",
        json={"venue_id": venue["id"], "name": "Police screen"},
        headers=world.headers(persona),
    )
    assert_problem(response, 403, "partner")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"name": "x", "orientation": "diagonal"}, "orientation", id="orientation"),
        pytest.param({"name": ""}, "name", id="empty-name"),
        pytest.param({"name": "   "}, "name", id="blank-name"),
        pytest.param({}, "name", id="missing-name"),
        pytest.param({"name": "x", "tags": "window"}, "tags", id="tags-not-list"),
        pytest.param({"name": "x", "tags": [""]}, "tags.0", id="empty-tag"),
        pytest.param({"name": "x", "tags": ["-bad"]}, "tags.0", id="tag-pattern"),
        pytest.param({"name": "x", "tags": ["t" * 65]}, "tags.0", id="long-tag"),
        pytest.param({"name": "x", "tags": [7]}, "tags.0", id="numeric-tag"),
        pytest.param({"name": "x", "device_token": "mine"}, "device_token", id="extra-field"),
    ],
)
def test_bad_screen_is_422_naming_the_field(
    client: TestClient, world: World, venue: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = client.post(
        "/v1/screens", json={"venue_id": venue["id"], **body}, headers=world.headers("partner_1")
    )
    problem = assert_problem(response, 422)
    assert problem["detail"].startswith(f"{field}:"), problem["detail"]
    assert screen_ids(client, world, "partner_1") == set()


def test_screen_without_venue_is_422(client: TestClient, world: World) -> None:
    response = client.post("/v1/screens", json={"name": "x"}, headers=world.headers("partner_1"))
    assert_problem(response, 422, "venue_id")


def test_create_screen_needs_staff_token(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    response = client.post("/v1/screens", json={"venue_id": venue["id"], "name": "x"})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


# --- scoping --------------------------------------------------------------------------------


def test_partner_lists_only_own_screens(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    own = make_screen(client, world, venue["id"])
    other_venue = make_venue(client, world, "partner_2")
    make_screen(client, world, other_venue["id"], "partner_2")
    assert screen_ids(client, world, "partner_1") == {own["id"]}


def test_list_filters_by_venue(client: TestClient, world: World, venue: dict[str, Any]) -> None:
    first = make_screen(client, world, venue["id"])
    second_venue = make_venue(client, world, name="The Bell")
    make_screen(client, world, second_venue["id"])
    assert screen_ids(client, world, "partner_1", venue_id=venue["id"]) == {first["id"]}


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_other_partner_gets_404_for_screen(
    client: TestClient, world: World, venue: dict[str, Any], method: str
) -> None:
    screen = make_screen(client, world, venue["id"])
    kwargs: dict[str, Any] = {"json": {"name": "Mine"}} if method == "PATCH" else {}
    response = client.request(
        method, f"/v1/screens/{screen['id']}", headers=world.headers("partner_2"), **kwargs
    )
    assert_problem(response, 404, "screen", "not found")
    assert screen_ids(client, world, "partner_2") == set()
    assert read_screen(client, world, screen["id"], "partner_1").json()["name"] == "Bar screen"


def test_other_partner_cannot_rotate_token(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    screen = make_screen(client, world, venue["id"])
    response = client.post(f"/v1/screens/{screen['id']}/token", headers=world.headers("partner_2"))
    assert_problem(response, 404, "not found")
    assert report_status(client, screen["device_token"]).status_code == 204


def test_force_sees_screens_in_its_area(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    screen = make_screen(client, world, venue["id"])
    assert screen_ids(client, world, "force_a_editor") == {screen["id"]}
    response = read_screen(client, world, screen["id"], "force_a_editor")
    assert response.status_code == 200
    assert response.json()["name"] == "Bar screen"


@pytest.mark.parametrize("persona", ["force_a_editor", "national_admin"])
@pytest.mark.parametrize(("method", "suffix"), [("PATCH", ""), ("DELETE", ""), ("POST", "/token")])
def test_police_and_national_cannot_change_screens_they_see(
    client: TestClient,
    world: World,
    venue: dict[str, Any],
    persona: str,
    method: str,
    suffix: str,
) -> None:
    screen = make_screen(client, world, venue["id"])
    kwargs: dict[str, Any] = {"json": {"name": "Police"}} if method == "PATCH" else {}
    response = client.request(
        method,
        f"/v1/screens/{screen['id']}{suffix}",
        headers=world.headers(persona),
        **kwargs,
    )
    assert_problem(response, 403, "not change")
    assert read_screen(client, world, screen["id"], "partner_1").json()["name"] == "Bar screen"
    assert report_status(client, screen["device_token"]).status_code == 204


def test_other_force_gets_404_for_screen(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    screen = make_screen(client, world, venue["id"])
    assert screen_ids(client, world, "force_b_editor") == set()
    assert_problem(read_screen(client, world, screen["id"], "force_b_editor"), 404, "not found")


def test_national_sees_all_screens(client: TestClient, world: World, venue: dict[str, Any]) -> None:
    first = make_screen(client, world, venue["id"])
    other_venue = make_venue(client, world, "partner_2")
    second = make_screen(client, world, other_venue["id"], "partner_2")
    assert screen_ids(client, world, "national_editor") == {first["id"], second["id"]}


def test_unknown_screen_is_404(client: TestClient, world: World) -> None:
    assert_problem(read_screen(client, world, "no-such-screen", "partner_1"), 404, "not found")


# --- editing --------------------------------------------------------------------------------


def test_patch_renames_reorients_and_retags(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    screen = make_screen(client, world, venue["id"], tags=["bar"])
    response = client.patch(
        f"/v1/screens/{screen['id']}",
        json={"name": "Dance floor", "orientation": "portrait", "tags": ["late", "dance", "late"]},
        headers=world.headers("partner_1"),
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["name"] == "Dance floor"
    assert patched["orientation"] == "portrait"
    assert patched["tags"] == ["dance", "late"]
    assert patched["venue_id"] == venue["id"]
    assert "device_token" not in patched
    assert read_screen(client, world, screen["id"], "partner_1").json() == patched


def test_patch_keeps_fields_not_given(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    screen = make_screen(client, world, venue["id"], tags=["bar"])
    response = client.patch(
        f"/v1/screens/{screen['id']}", json={"name": "Renamed"}, headers=world.headers("partner_1")
    )
    assert response.status_code == 200, response.text
    assert response.json()["orientation"] == "landscape"
    assert response.json()["tags"] == ["bar"]


def test_created_tags_are_deduplicated(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    screen = make_screen(client, world, venue["id"], tags=["window", "bar", "window"])
    assert screen["tags"] == ["bar", "window"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"orientation": "sideways"}, "orientation", id="orientation"),
        pytest.param({"tags": ["ok", "no way!"]}, "tags.1", id="tag-pattern"),
        pytest.param({"tags": "bar"}, "tags", id="tags-not-list"),
        pytest.param({"tags": ["t"] * 51}, "tags", id="too-many-tags"),
        pytest.param({"tags": None}, "tags", id="null-tags"),
        pytest.param({"name": None}, "name", id="null-name"),
        pytest.param({"name": " "}, "name", id="blank-name"),
        pytest.param({"venue_id": "elsewhere"}, "venue_id", id="extra-field"),
    ],
)
def test_bad_patch_is_422_naming_the_field(
    client: TestClient, world: World, venue: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    screen = make_screen(client, world, venue["id"])
    response = client.patch(
        f"/v1/screens/{screen['id']}", json=body, headers=world.headers("partner_1")
    )
    problem = assert_problem(response, 422)
    assert problem["detail"].startswith(f"{field}:"), problem["detail"]
    unchanged = read_screen(client, world, screen["id"], "partner_1").json()
    assert unchanged["name"] == "Bar screen"
    assert unchanged["orientation"] == "landscape"


# --- token rotation and revocation ----------------------------------------------------------


def test_rotating_token_stops_old_token_at_once(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    screen = make_screen(client, world, venue["id"])
    old_token = screen["device_token"]
    assert report_status(client, old_token).status_code == 204
    response = client.post(f"/v1/screens/{screen['id']}/token", headers=world.headers("partner_1"))
    assert response.status_code == 200, response.text
    rotated = response.json()
    assert rotated["id"] == screen["id"]
    new_token = rotated["device_token"]
    assert new_token != old_token
    assert_problem(report_status(client, old_token), 401)
    assert report_status(client, new_token).status_code == 204


def test_revoked_screen_loses_token_and_disappears(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    screen = make_screen(client, world, venue["id"])
    kept = make_screen(client, world, venue["id"], name="Kept")
    response = client.delete(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1"))
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(report_status(client, screen["device_token"]), 401, "revoked")
    assert_problem(read_screen(client, world, screen["id"], "partner_1"), 404, "not found")
    assert screen_ids(client, world, "partner_1") == {kept["id"]}
    assert screen_ids(client, world, "national_admin") == {kept["id"]}
    assert report_status(client, kept["device_token"]).status_code == 204


@pytest.mark.parametrize(("method", "suffix"), [("DELETE", ""), ("PATCH", ""), ("POST", "/token")])
def test_revoked_screen_cannot_be_changed(
    client: TestClient, world: World, venue: dict[str, Any], method: str, suffix: str
) -> None:
    screen = make_screen(client, world, venue["id"])
    assert (
        client.delete(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1")).status_code
        == 204
    )
    kwargs: dict[str, Any] = {"json": {"name": "Back"}} if method == "PATCH" else {}
    response = client.request(
        method, f"/v1/screens/{screen['id']}{suffix}", headers=world.headers("partner_1"), **kwargs
    )
    assert_problem(response, 404, "not found")


# --- bad input never a 5xx ------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"[]",
        b"null",
        b'"screen"',
        b'{"venue_id": "\\u0000", "name": "x"}',
        b'{"venue_id": "VENUE", "name": "\\u0000"}',
        b'{"venue_id": "VENUE", "name": "\\ud800"}',
    ],
    ids=["truncated", "array", "null", "string", "nul-venue", "nul-name", "surrogate-name"],
)
def test_garbage_screen_body_is_4xx(
    client: TestClient, world: World, venue: dict[str, Any], raw: bytes
) -> None:
    response = client.post(
        "/v1/screens",
        content=raw.replace(b"VENUE", venue["id"].encode()),
        headers={**world.headers("partner_1"), "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code)
    assert screen_ids(client, world, "partner_1") == set()


@pytest.mark.parametrize("screen_id", ["%00", "x" * 300, "%ED%A0%80", "' OR 1=1 --"])
def test_odd_screen_ids_are_404(client: TestClient, world: World, screen_id: str) -> None:
    response = client.get(f"/v1/screens/{screen_id}", headers=world.headers("partner_1"))
    assert_problem(response, 404, "not found")


@pytest.mark.parametrize("venue_id", ["\x00", "x" * 300, "no-such-venue"])
def test_odd_venue_filter_lists_nothing(
    client: TestClient, world: World, venue: dict[str, Any], venue_id: str
) -> None:
    make_screen(client, world, venue["id"])
    assert screen_ids(client, world, "partner_1", venue_id=venue_id) == set()


def test_other_partners_venue_filter_lists_nothing(
    client: TestClient, world: World, venue: dict[str, Any]
) -> None:
    make_screen(client, world, venue["id"])
    assert screen_ids(client, world, "partner_2", venue_id=venue["id"]) == set()
