"""HTTP tests for /v1/campaigns: who creates, sees, edits and deletes which campaign."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import World, make_campaign, upload_creative


def campaign_ids(client: TestClient, world: World, persona: str) -> set[str]:
    response = client.get("/v1/campaigns", headers=world.headers(persona))
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()}


# --- creation -------------------------------------------------------------------------------


def test_editor_creates_campaign_with_fields_echoed(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/campaigns",
        json={"name": "  Walk Away  ", "description": "Winter nights"},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 201, response.text
    campaign = response.json()
    assert len(campaign["id"]) == 36
    assert campaign["name"] == "Walk Away"
    assert campaign["description"] == "Winter nights"
    assert campaign["organisation_id"] == world.org_id("force_a")
    assert campaign["created_by"] == world.users["force_a_editor"].id
    assert campaign["created_at"]
    assert campaign["updated_at"]


def test_description_is_optional(client: TestClient, world: World) -> None:
    campaign = make_campaign(client, world, description=None)
    assert campaign["description"] is None


@pytest.mark.parametrize(
    "persona", ["force_a_approver", "force_a_admin", "national_editor", "national_admin"]
)
def test_police_staff_create_campaigns(client: TestClient, world: World, persona: str) -> None:
    campaign = make_campaign(client, world, persona)
    assert campaign["organisation_id"] == world.users[persona].organisation_id


@pytest.mark.parametrize("persona", ["partner_1", "partner_1_admin"])
def test_partner_cannot_create_campaigns(client: TestClient, world: World, persona: str) -> None:
    response = client.post("/v1/campaigns", json={"name": "Ours"}, headers=world.headers(persona))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 201}, {"name": "a", "x": 1}]
)
def test_invalid_campaign_is_422(client: TestClient, world: World, body: dict[str, Any]) -> None:
    response = client.post("/v1/campaigns", json=body, headers=world.headers("force_a_editor"))
    assert response.status_code == 422


def test_campaigns_need_credentials(client: TestClient) -> None:
    assert client.get("/v1/campaigns").status_code == 401
    assert client.post("/v1/campaigns", json={"name": "x"}).status_code == 401


# --- who sees which -------------------------------------------------------------------------


@pytest.fixture
def campaigns(client: TestClient, world: World) -> dict[str, str]:
    return {
        key: make_campaign(client, world, persona, name=key)["id"]
        for key, persona in (
            ("force_a", "force_a_editor"),
            ("force_b", "force_b_editor"),
            ("national", "national_editor"),
        )
    }


def test_force_lists_only_its_own(
    client: TestClient, world: World, campaigns: dict[str, str]
) -> None:
    assert campaign_ids(client, world, "force_a_approver") == {campaigns["force_a"]}
    assert campaign_ids(client, world, "force_b_editor") == {campaigns["force_b"]}


def test_national_lists_all(client: TestClient, world: World, campaigns: dict[str, str]) -> None:
    assert campaign_ids(client, world, "national_editor") == set(campaigns.values())


def test_partner_lists_none(client: TestClient, world: World, campaigns: dict[str, str]) -> None:
    assert campaign_ids(client, world, "partner_1") == set()


def test_other_force_gets_404(client: TestClient, world: World, campaigns: dict[str, str]) -> None:
    url = f"/v1/campaigns/{campaigns['force_a']}"
    headers = world.headers("force_b_editor")
    assert client.get(url, headers=headers).status_code == 404
    assert client.patch(url, json={"name": "x"}, headers=headers).status_code == 404
    assert client.delete(url, headers=headers).status_code == 404


def test_partner_gets_404(client: TestClient, world: World, campaigns: dict[str, str]) -> None:
    response = client.get(
        f"/v1/campaigns/{campaigns['force_a']}", headers=world.headers("partner_1")
    )
    assert response.status_code == 404


def test_national_reads_a_force_campaign_but_cannot_change_it(
    client: TestClient, world: World, campaigns: dict[str, str]
) -> None:
    url = f"/v1/campaigns/{campaigns['force_a']}"
    headers = world.headers("national_admin")
    assert client.get(url, headers=headers).status_code == 200
    assert client.patch(url, json={"name": "x"}, headers=headers).status_code == 403
    assert client.delete(url, headers=headers).status_code == 403


def test_force_cannot_see_national_campaigns(
    client: TestClient, world: World, campaigns: dict[str, str]
) -> None:
    response = client.get(
        f"/v1/campaigns/{campaigns['national']}", headers=world.headers("force_a_editor")
    )
    assert response.status_code == 404


def test_unknown_campaign_is_404(client: TestClient, world: World) -> None:
    response = client.get("/v1/campaigns/nope", headers=world.headers("force_a_editor"))
    assert response.status_code == 404


# --- editing and deleting -------------------------------------------------------------------


def test_patch_renames_and_clears_description(client: TestClient, world: World) -> None:
    campaign = make_campaign(client, world)
    response = client.patch(
        f"/v1/campaigns/{campaign['id']}",
        json={"name": "Walk Away 2027", "description": None},
        headers=world.headers("force_a_approver"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Walk Away 2027"
    assert response.json()["description"] is None
    assert response.json()["updated_at"] >= campaign["updated_at"]


def test_patch_cannot_remove_the_name(client: TestClient, world: World) -> None:
    campaign = make_campaign(client, world)
    response = client.patch(
        f"/v1/campaigns/{campaign['id']}",
        json={"name": None},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 422


def test_delete_empty_campaign(client: TestClient, world: World) -> None:
    campaign = make_campaign(client, world)
    url = f"/v1/campaigns/{campaign['id']}"
    assert client.delete(url, headers=world.headers("force_a_editor")).status_code == 204
    assert client.get(url, headers=world.headers("force_a_editor")).status_code == 404
    assert campaign_ids(client, world, "national_editor") == set()


def test_delete_campaign_with_creatives_is_409(client: TestClient, world: World) -> None:
    campaign = make_campaign(client, world)
    upload_creative(client, world, campaign["id"])
    response = client.delete(
        f"/v1/campaigns/{campaign['id']}", headers=world.headers("force_a_editor")
    )
    assert response.status_code == 409
    assert "creative" in response.json()["detail"]


def test_deleted_campaign_takes_no_uploads(client: TestClient, world: World) -> None:
    campaign = make_campaign(client, world)
    client.delete(f"/v1/campaigns/{campaign['id']}", headers=world.headers("force_a_editor"))
    response = client.post(
        "/v1/creatives",
        data={"campaign_id": campaign["id"], "name": "Late"},
        files={"file": ("a.png", b"\x89PNG", "image/png")},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 404


def test_description_with_nul_is_422(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/campaigns",
        json={"name": "Walk Away", "description": "bad\x00text"},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 422
