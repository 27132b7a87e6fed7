"""Password resets and changing one's own password over the API: an admin's reset (or a new
account's temporary password) opens nothing but setting a new one; POST /v1/users/me/password
checks the current password under the sign-in throttle and clears the reset."""

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session

from signage.core.config import Settings
from signage.users.models import User
from tests.factories import PASSWORD, World, assert_problem

TEMPORARY = "a temporary passphrase"
CHOSEN = "my very own passphrase"


def login(client: TestClient, email: str, password: str) -> dict[str, str]:
    response = client.post("/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def reset(client: TestClient, world: World, persona: str, by: str = "force_a_admin") -> None:
    response = client.patch(
        f"/v1/users/{world.users[persona].id}",
        json={"password": TEMPORARY},
        headers=world.headers(by),
    )
    assert response.status_code == 200, response.text
    assert response.json()["must_change_password"] is True


def change(client: TestClient, headers: dict[str, str], current: str, new: str) -> httpx.Response:
    response: httpx.Response = client.post(
        "/v1/users/me/password",
        json={"current_password": current, "new_password": new},
        headers=headers,
    )
    return response


def test_a_reset_opens_only_the_password_change(client: TestClient, world: World) -> None:
    email = world.users["force_a_editor"].email
    reset(client, world, "force_a_editor")
    headers = login(client, email, TEMPORARY)
    me = client.get("/v1/users/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["must_change_password"] is True
    assert_problem(
        client.get("/v1/campaigns", headers=headers), 403, "set a new one first", "/me/password"
    )

    assert change(client, headers, TEMPORARY, CHOSEN).status_code == 204
    # The token it was changed with ended too, like every earlier one.
    assert_problem(client.get("/v1/users/me", headers=headers), 401, "password was changed")
    fresh = login(client, email, CHOSEN)
    assert client.get("/v1/users/me", headers=fresh).json()["must_change_password"] is False
    assert client.get("/v1/campaigns", headers=fresh).status_code == 200
    refused = client.post("/v1/auth/token", data={"username": email, "password": TEMPORARY})
    assert refused.status_code == 401


def test_a_user_whose_password_was_reset_can_sign_out(client: TestClient, world: World) -> None:
    reset(client, world, "partner_1", by="partner_1_admin")
    headers = login(client, world.users["partner_1"].email, TEMPORARY)
    assert client.post("/v1/auth/logout", headers=headers).status_code == 204


def test_an_admin_setting_their_own_password_is_no_reset(client: TestClient, world: World) -> None:
    response = client.patch(
        f"/v1/users/{world.users['force_a_admin'].id}",
        json={"password": CHOSEN},
        headers=world.headers("force_a_admin"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["must_change_password"] is False
    headers = login(client, world.users["force_a_admin"].email, CHOSEN)
    assert client.get("/v1/users", headers=headers).status_code == 200


def test_a_new_account_with_a_temporary_password(client: TestClient, world: World) -> None:
    body = {
        "email": "New.Editor@example.org",
        "password": TEMPORARY,
        "role": "editor",
        "organisation_id": world.org_id("force_a"),
        "must_change_password": True,
    }
    created = client.post("/v1/users", json=body, headers=world.headers("force_a_admin"))
    assert created.status_code == 201, created.text
    assert created.json()["must_change_password"] is True
    headers = login(client, "new.editor@example.org", TEMPORARY)
    assert client.get("/v1/campaigns", headers=headers).status_code == 403
    assert change(client, headers, TEMPORARY, CHOSEN).status_code == 204
    # Without it, the account works at once (as before the flag existed).
    body |= {"email": "other.editor@example.org", "must_change_password": False}
    assert client.post("/v1/users", json=body, headers=world.headers("force_a_admin")).is_success
    other = login(client, "other.editor@example.org", TEMPORARY)
    assert client.get("/v1/campaigns", headers=other).status_code == 200


def test_any_user_changes_their_own_password(client: TestClient, world: World) -> None:
    headers = world.headers("partner_1")
    assert change(client, headers, PASSWORD, CHOSEN).status_code == 204
    assert_problem(client.get("/v1/users/me", headers=headers), 401, "password was changed")
    login(client, world.users["partner_1"].email, CHOSEN)


def test_wrong_short_or_unchanged_passwords_are_refused(
    client: TestClient, world: World, session: Session
) -> None:
    headers = world.headers("force_a_editor")
    assert_problem(change(client, headers, "not my password", CHOSEN), 422, "current_password")
    assert_problem(change(client, headers, PASSWORD, "short"), 422, "new_password")
    assert_problem(change(client, headers, PASSWORD, "x" * 257), 422, "new_password")
    assert_problem(change(client, headers, PASSWORD, PASSWORD), 422, "different")
    # Nothing changed: the old password and the token still work.
    assert client.get("/v1/users/me", headers=headers).status_code == 200
    user = session.get(User, world.users["force_a_editor"].id)
    assert user is not None
    assert user.tokens_valid_after is None
    login(client, world.users["force_a_editor"].email, PASSWORD)


def test_wrong_current_passwords_count_as_failed_sign_ins(
    client: TestClient, world: World, settings: Settings
) -> None:
    headers = world.headers("force_a_editor")
    for _ in range(settings.login_failures_per_account):
        assert change(client, headers, "a wrong guess", CHOSEN).status_code == 422
    refused = change(client, headers, PASSWORD, CHOSEN)  # even the right one, for a while
    assert_problem(refused, 429, "too many failed sign-ins")
    assert int(refused.headers["Retry-After"]) > 0
    signing_in = client.post(
        "/v1/auth/token",
        data={"username": world.users["force_a_editor"].email, "password": PASSWORD},
    )
    assert signing_in.status_code == 429


def test_a_disabled_user_changes_nothing(client: TestClient, world: World) -> None:
    disabled = client.patch(
        f"/v1/users/{world.users['partner_1'].id}",
        json={"is_active": False},
        headers=world.headers("partner_1_admin"),
    )
    assert disabled.status_code == 200
    assert_problem(change(client, world.headers("partner_1"), PASSWORD, CHOSEN), 401)
