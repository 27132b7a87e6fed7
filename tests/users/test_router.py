import pytest
from fastapi.testclient import TestClient

from tests.factories import World


def new_user(
    world: World, org: str, role: str, email: str = "new.user@example.org"
) -> dict[str, str]:
    return {
        "email": email,
        "password": "a long enough password",
        "role": role,
        "organisation_id": world.org_id(org),
    }


def test_admin_adds_user_to_own_organisation(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/users",
        json=new_user(world, "force_a", "approver"),
        headers=world.headers("force_a_admin"),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new.user@example.org"
    assert body["role"] == "approver"
    assert body["organisation_id"] == world.org_id("force_a")
    assert "password" not in body
    assert "password_hash" not in body
    login = client.post(
        "/v1/auth/token", data={"username": body["email"], "password": "a long enough password"}
    )
    assert login.status_code == 200


def test_national_admin_adds_user_to_any_organisation(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/users",
        json=new_user(world, "partner_2", "partner"),
        headers=world.headers("national_admin"),
    )
    assert response.status_code == 201


def test_force_admin_cannot_add_user_to_another_force(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/users",
        json=new_user(world, "force_b", "editor"),
        headers=world.headers("force_a_admin"),
    )
    assert response.status_code == 403


def test_partner_admin_cannot_see_other_partner_to_add_users(
    client: TestClient, world: World
) -> None:
    response = client.post(
        "/v1/users",
        json=new_user(world, "partner_2", "partner"),
        headers=world.headers("partner_1_admin"),
    )
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["force_a_editor", "force_a_approver", "partner_1"])
def test_non_admins_cannot_add_users(client: TestClient, world: World, persona: str) -> None:
    org = "partner_1" if persona == "partner_1" else "force_a"
    role = "partner" if org == "partner_1" else "editor"
    response = client.post(
        "/v1/users", json=new_user(world, org, role), headers=world.headers(persona)
    )
    assert response.status_code == 403


@pytest.mark.parametrize(("org", "role"), [("partner_1", "editor"), ("force_a", "partner")])
def test_role_must_fit_organisation_kind(
    client: TestClient, world: World, org: str, role: str
) -> None:
    response = client.post(
        "/v1/users", json=new_user(world, org, role), headers=world.headers("national_admin")
    )
    assert response.status_code == 422
    assert role in response.json()["detail"]


def test_duplicate_email_is_409_whatever_its_case(client: TestClient, world: World) -> None:
    body = new_user(world, "force_a", "editor", email=world.users["force_a_editor"].email.upper())
    response = client.post("/v1/users", json=body, headers=world.headers("force_a_admin"))
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"role": "superuser"}, "role"),
        ({"organisation_id": ""}, "organisation_id"),
    ],
)
def test_bad_user_is_422_naming_the_field(
    client: TestClient, world: World, change: dict[str, str], field: str
) -> None:
    body = {**new_user(world, "force_a", "editor"), **change}
    response = client.post("/v1/users", json=body, headers=world.headers("force_a_admin"))
    assert response.status_code == 422
    assert response.json()["detail"].startswith(field)


def test_admin_lists_own_organisation_users(client: TestClient, world: World) -> None:
    response = client.get("/v1/users", headers=world.headers("force_a_admin"))
    emails = {u["email"] for u in response.json()}
    assert emails == {
        world.users[p].email for p in ("force_a_admin", "force_a_editor", "force_a_approver")
    }


def test_non_admin_lists_only_themselves(client: TestClient, world: World) -> None:
    response = client.get("/v1/users", headers=world.headers("partner_1"))
    assert [u["email"] for u in response.json()] == [world.users["partner_1"].email]


def test_user_of_another_organisation_is_404(client: TestClient, world: World) -> None:
    response = client.get(
        f"/v1/users/{world.users['partner_2'].id}", headers=world.headers("partner_1_admin")
    )
    assert response.status_code == 404


def test_admin_cannot_demote_themselves(client: TestClient, world: World) -> None:
    response = client.patch(
        f"/v1/users/{world.users['force_a_admin'].id}",
        json={"role": "editor"},
        headers=world.headers("force_a_admin"),
    )
    assert response.status_code == 403


def test_admin_changes_role_within_kind(client: TestClient, world: World) -> None:
    user_id = world.users["force_a_editor"].id
    response = client.patch(
        f"/v1/users/{user_id}", json={"role": "approver"}, headers=world.headers("force_a_admin")
    )
    assert response.status_code == 200
    assert response.json()["role"] == "approver"
    bad = client.patch(
        f"/v1/users/{user_id}", json={"role": "partner"}, headers=world.headers("force_a_admin")
    )
    assert bad.status_code == 422


def test_editor_cannot_edit_users(client: TestClient, world: World) -> None:
    response = client.patch(
        f"/v1/users/{world.users['force_a_approver'].id}",
        json={"is_active": False},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 404


@pytest.mark.parametrize("value", [0, 1, "yes", "true"])
def test_is_active_takes_only_a_real_boolean(
    client: TestClient, world: World, value: object
) -> None:
    user_id = world.users["force_a_editor"].id
    response = client.patch(
        f"/v1/users/{user_id}", json={"is_active": value}, headers=world.headers("force_a_admin")
    )
    assert response.status_code == 422, response.text
