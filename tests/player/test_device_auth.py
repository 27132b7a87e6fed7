"""Device tokens open the player endpoints and nothing else; staff tokens never open them."""

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.factories import World, assert_problem, make_screen, make_venue


def assert_unauthorised(response: httpx.Response, *fragments: str) -> None:
    assert_problem(response, 401, *fragments)
    assert response.headers["www-authenticate"] == "Bearer"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def screen(client: TestClient, world: World) -> dict[str, Any]:
    """A screen of partner_1, with its device token."""
    venue = make_venue(client, world)
    return make_screen(client, world, venue["id"])


def post_status(client: TestClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return client.post("/v1/player/status", json=body, headers=headers)


def test_device_token_reports_status(
    client: TestClient, world: World, screen: dict[str, Any]
) -> None:
    response = post_status(client, bearer(screen["device_token"]), player="signage-web/2.1")
    assert response.status_code == 204
    assert response.content == b""
    seen = client.get(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1")).json()
    assert seen["status"] == "online"
    assert seen["player"] == "signage-web/2.1"


def test_empty_status_is_a_heartbeat(
    client: TestClient, world: World, screen: dict[str, Any]
) -> None:
    assert post_status(client, bearer(screen["device_token"])).status_code == 204
    seen = client.get(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1")).json()
    assert seen["status"] == "online"
    assert seen["player"] is None


def test_status_records_playing_creative(
    client: TestClient, world: World, screen: dict[str, Any]
) -> None:
    creative_id = "11111111-1111-4111-8111-111111111111"
    token = screen["device_token"]
    assert post_status(client, bearer(token), playing_creative_id=creative_id).status_code == 204
    url = f"/v1/screens/{screen['id']}"
    assert client.get(url, headers=world.headers("partner_1")).json()["playing_creative_id"] == (
        creative_id
    )
    assert post_status(client, bearer(token), playing_creative_id=None).status_code == 204
    assert client.get(url, headers=world.headers("partner_1")).json()["playing_creative_id"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"cached_bytes": -1}, "cached_bytes", id="negative-bytes"),
        pytest.param({"free_bytes": "lots"}, "free_bytes", id="bytes-not-number"),
        pytest.param({"errors": "disk full"}, "errors", id="errors-not-list"),
        pytest.param({"errors": ["e"] * 51}, "errors", id="too-many-errors"),
        pytest.param({"player": "p" * 201}, "player", id="long-player"),
        pytest.param({"player": "\x00"}, "player", id="nul-player"),
    ],
)
def test_bad_status_is_422_naming_the_field(
    client: TestClient, screen: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = post_status(client, bearer(screen["device_token"]), **body)
    problem = assert_problem(response, 422)
    assert problem["detail"].startswith(f"{field}:"), problem["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/venues"),
        ("GET", "/v1/screens"),
        ("GET", "/v1/users/me"),
        ("GET", "/v1/organisations"),
        ("POST", "/v1/screens/claim"),
    ],
)
def test_device_token_does_not_open_staff_endpoints(
    client: TestClient, screen: dict[str, Any], method: str, path: str
) -> None:
    kwargs: dict[str, Any] = {"json": {}} if method == "POST" else {}
    response = client.request(method, path, headers=bearer(screen["device_token"]), **kwargs)
    assert_unauthorised(response)


def test_device_token_cannot_read_its_own_screen(
    client: TestClient, screen: dict[str, Any]
) -> None:
    response = client.get(f"/v1/screens/{screen['id']}", headers=bearer(screen["device_token"]))
    assert_unauthorised(response)


@pytest.mark.parametrize("persona", ["partner_1", "national_admin", "force_a_editor"])
def test_staff_token_does_not_open_player_status(
    client: TestClient, world: World, screen: dict[str, Any], persona: str
) -> None:
    assert_unauthorised(post_status(client, world.headers(persona)), "evice token")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Bearer"}, id="bearer-without-token"),
        pytest.param({"Authorization": "Bearer sgd_not-a-real-token"}, id="garbage"),
        pytest.param({"Authorization": "Basic c2NyZWVuOnNlY3JldA=="}, id="basic-scheme"),
        pytest.param({"Authorization": "sgd_no_scheme"}, id="no-scheme"),
    ],
)
def test_bad_device_credentials_are_401(
    client: TestClient, screen: dict[str, Any], headers: dict[str, str]
) -> None:
    assert_unauthorised(post_status(client, headers), "evice token")


def test_device_token_in_other_case_is_401(client: TestClient, screen: dict[str, Any]) -> None:
    token = screen["device_token"]
    assert_unauthorised(post_status(client, bearer(token.swapcase())))


def test_bearer_scheme_is_case_insensitive(client: TestClient, screen: dict[str, Any]) -> None:
    headers = {"Authorization": f"bearer {screen['device_token']}"}
    assert post_status(client, headers).status_code == 204


def test_pairing_device_code_is_not_a_device_token(client: TestClient) -> None:
    started = client.post("/v1/player/pair")
    assert started.status_code == 201
    assert_unauthorised(post_status(client, bearer(started.json()["device_code"])))


def test_malformed_status_body_with_bad_token_is_4xx_problem(client: TestClient) -> None:
    response = client.post(
        "/v1/player/status",
        content=b"{not json",
        headers={**bearer("sgd_garbage"), "Content-Type": "application/json"},
    )
    assert response.status_code in (401, 422)
    assert_problem(response, response.status_code)


@pytest.mark.parametrize("wrong", [False, "1024", 1.5])
def test_status_byte_counts_must_be_whole_numbers(
    client: TestClient, screen: dict[str, Any], wrong: Any
) -> None:
    # The document says integer; a boolean or a numeric string is not one.
    response = post_status(client, bearer(screen["device_token"]), free_bytes=wrong)
    assert_problem(response, 422, "free_bytes")
