"""Bad input never becomes a 500, whatever the database thinks of it."""

import httpx
from fastapi.testclient import TestClient

from tests.factories import World, assert_problem, make_venue
from tests.live import LiveServer


def test_nul_in_path_id_is_404(client: TestClient, world: World) -> None:
    for path in (
        "/v1/venues/a%00b",
        "/v1/screens/a%00b",
        "/v1/users/a%00b",
        "/v1/organisations/%00",
    ):
        response = client.get(path, headers=world.headers("national_admin"))
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"


def test_nul_in_name_is_422(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    response = client.patch(
        f"/v1/venues/{venue['id']}",
        json={"name": "The\x00Crown"},
        headers=world.headers("partner_1"),
    )
    assert response.status_code == 422


def test_unexpected_errors_are_problem_json_without_trace(client: TestClient) -> None:
    response = client.get("/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in response.text


def test_method_not_allowed_lists_every_method_of_the_path(
    live_server: LiveServer, world: World
) -> None:
    # GET, PATCH and DELETE /v1/venues/{id} are separate routes; Allow must name all of them.
    response = httpx.request(
        "PUT", f"{live_server.url}/v1/venues/some-id", headers=world.headers("partner_1")
    )
    assert_problem(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "PATCH", "DELETE"}


def test_options_on_a_collection_lists_its_methods(live_server: LiveServer) -> None:
    response = httpx.options(f"{live_server.url}/v1/campaigns")
    assert_problem(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_json_body_that_is_not_utf8_is_422(live_server: LiveServer, world: World) -> None:
    response = httpx.post(
        f"{live_server.url}/v1/campaigns",
        content=b'{"name": "\xff\xfe"}',
        headers={**world.headers("force_a_editor"), "Content-Type": "application/json"},
    )
    assert_problem(response, 422, "not valid JSON")


def test_allow_names_the_literal_path_not_a_path_with_an_id(live_server: LiveServer) -> None:
    # /v1/users/me is its own resource (GET), though PATCH /v1/users/{user_id} would route "me".
    response = httpx.options(f"{live_server.url}/v1/users/me")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET"


def test_allow_prefers_the_literal_path_whatever_the_route_order(live_server: LiveServer) -> None:
    # /v1/screens/claim (POST) is declared after /v1/screens/{screen_id} (GET, PATCH, DELETE).
    response = httpx.options(f"{live_server.url}/v1/screens/claim")
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"
