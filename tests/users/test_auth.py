from datetime import UTC, datetime, timedelta

import httpx
import jwt
import time_machine
from fastapi.testclient import TestClient

from tests.conftest import SECRET
from tests.factories import PASSWORD, World


def login(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/v1/auth/token", data={"username": email, "password": password})


def test_login_returns_bearer_token_with_expiry(client: TestClient, world: World) -> None:
    response = login(client, world.users["partner_1"].email)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 480 * 60
    me = client.get("/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == world.users["partner_1"].email


def test_login_email_is_case_insensitive(client: TestClient, world: World) -> None:
    response = login(client, world.users["partner_1"].email.upper())
    assert response.status_code == 200


def test_login_with_wrong_password_is_401(client: TestClient, world: World) -> None:
    response = login(client, world.users["partner_1"].email, "wrong password")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Wrong email or password"


def test_login_with_unknown_email_is_401_like_wrong_password(client: TestClient) -> None:
    response = login(client, "nobody@example.org")
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong email or password"


def test_login_without_fields_is_422(client: TestClient) -> None:
    response = client.post("/v1/auth/token", data={"username": "a@example.org"})
    assert response.status_code == 422
    assert "password" in response.json()["detail"]


def test_token_expires(client: TestClient, world: World) -> None:
    token = login(client, world.users["partner_1"].email).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=481), tick=False):
        response = client.get("/v1/users/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "expired" in response.json()["detail"]


def test_token_signed_with_another_key_is_401(client: TestClient, world: World) -> None:
    forged = jwt.encode(
        {
            "sub": world.users["national_admin"].id,
            "aud": "signage:staff",
            "exp": datetime.now(UTC) + timedelta(hours=1),
        },
        "another-key-another-key-another-key!!",
        algorithm="HS256",
    )
    response = client.get("/v1/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_unsigned_token_is_401(client: TestClient, world: World) -> None:
    forged = jwt.encode(
        {
            "sub": world.users["national_admin"].id,
            "aud": "signage:staff",
            "exp": datetime.now(UTC) + timedelta(hours=1),
        },
        None,  # type: ignore[arg-type]
        algorithm="none",
    )
    response = client.get("/v1/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_token_of_disabled_user_stops_working(client: TestClient, world: World) -> None:
    headers = world.headers("force_a_editor")
    assert client.get("/v1/users/me", headers=headers).status_code == 200
    disabled = client.patch(
        f"/v1/users/{world.users['force_a_editor'].id}",
        json={"is_active": False},
        headers=world.headers("force_a_admin"),
    )
    assert disabled.status_code == 200
    assert client.get("/v1/users/me", headers=headers).status_code == 401
    assert login(client, world.users["force_a_editor"].email).status_code == 401


def test_missing_token_is_401_with_challenge(client: TestClient) -> None:
    response = client.get("/v1/venues")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_secret_in_fixture_signs_tokens(world: World) -> None:
    claims = jwt.decode(
        world.tokens["partner_1"], SECRET, algorithms=["HS256"], audience="signage:staff"
    )
    assert claims["sub"] == world.users["partner_1"].id
