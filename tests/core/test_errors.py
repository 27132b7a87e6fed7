"""Bad input never becomes a 500, whatever the database thinks of it."""

from fastapi.testclient import TestClient

from tests.factories import World, make_venue


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
