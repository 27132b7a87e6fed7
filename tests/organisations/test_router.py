import pytest
from fastapi.testclient import TestClient

from tests.factories import World


def test_national_admin_creates_force(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/organisations",
        json={"name": "  West Midlands Police ", "kind": "force"},
        headers=world.headers("national_admin"),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "West Midlands Police"
    assert body["kind"] == "force"
    assert len(body["id"]) == 36


@pytest.mark.parametrize(
    "persona", ["national_editor", "national_approver", "force_a_admin", "partner_1_admin"]
)
def test_only_national_admin_creates_organisations(
    client: TestClient, world: World, persona: str
) -> None:
    response = client.post(
        "/v1/organisations", json={"name": "Rogue", "kind": "force"}, headers=world.headers(persona)
    )
    assert response.status_code == 403
    assert "national" in response.json()["detail"]


def test_duplicate_organisation_name_is_409(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/organisations",
        json={"name": world.orgs["force_a"].name, "kind": "force"},
        headers=world.headers("national_admin"),
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "kind": "county"}, "kind"),
        ({"name": "   ", "kind": "force"}, "name"),
        ({"kind": "force"}, "name"),
        ({"name": "x" * 201, "kind": "force"}, "name"),
        ({"name": 12, "kind": "force"}, "name"),
    ],
)
def test_bad_organisation_is_422_naming_the_field(
    client: TestClient, world: World, body: dict[str, object], field: str
) -> None:
    response = client.post("/v1/organisations", json=body, headers=world.headers("national_admin"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith(field)


def test_partner_sees_itself_and_forces_only(client: TestClient, world: World) -> None:
    response = client.get("/v1/organisations", headers=world.headers("partner_1"))
    assert response.status_code == 200
    ids = {o["id"] for o in response.json()}
    assert ids == {world.org_id("partner_1"), world.org_id("force_a"), world.org_id("force_b")}


def test_forces_can_be_listed_by_kind(client: TestClient, world: World) -> None:
    response = client.get("/v1/organisations?kind=force", headers=world.headers("partner_2"))
    assert {o["name"] for o in response.json()} == {
        world.orgs["force_a"].name,
        world.orgs["force_b"].name,
    }


def test_national_sees_all_organisations(client: TestClient, world: World) -> None:
    response = client.get("/v1/organisations", headers=world.headers("national_editor"))
    assert len(response.json()) == len(world.orgs)


def test_other_partner_organisation_is_404(client: TestClient, world: World) -> None:
    response = client.get(
        f"/v1/organisations/{world.org_id('partner_2')}", headers=world.headers("partner_1")
    )
    assert response.status_code == 404
    assert response.json()["status"] == 404
