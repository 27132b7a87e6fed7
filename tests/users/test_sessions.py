"""Ending sessions: sign-out ends one token, a password change ends every earlier one."""

import time
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from signage.core.security import issue_access_token
from signage.users.models import User
from tests.conftest import SECRET
from tests.factories import PASSWORD, World, assert_problem
from tests.live import LiveServer

NEW_PASSWORD = "a brand new passphrase"


def login(http: httpx.Client, email: str, password: str = PASSWORD) -> str:
    response = http.post("/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def a_moment_ago(*, microsecond: int) -> datetime:
    """An instant just past (a token may not be issued in the future) at a chosen fraction."""
    return (datetime.now(UTC) - timedelta(seconds=2)).replace(microsecond=microsecond)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me(http: httpx.Client, token: str) -> httpx.Response:
    return http.get("/v1/users/me", headers=bearer(token))


def change_password(
    http: httpx.Client, world: World, persona: str, by: str = "force_a_admin"
) -> None:
    response = http.patch(
        f"/v1/users/{world.users[persona].id}",
        json={"password": NEW_PASSWORD},
        headers=world.headers(by),
    )
    assert response.status_code == 200, response.text


# --- sign-out --------------------------------------------------------------------------------


def test_logout_ends_that_token_and_not_another(live_server: LiveServer, world: World) -> None:
    email = world.users["force_a_editor"].email
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        first, second = login(http, email), login(http, email)
        response = http.post("/v1/auth/logout", headers=bearer(first))
        assert response.status_code == 204, response.text
        assert response.content == b""
        assert_problem(me(http, first), 401, "signed out")
        assert me(http, second).status_code == 200


def test_logout_twice_is_401(client: TestClient, world: World) -> None:
    token = login(client, world.users["partner_1"].email)
    assert client.post("/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert_problem(client.post("/v1/auth/logout", headers=bearer(token)), 401)


def test_logout_without_a_token_is_401(client: TestClient) -> None:
    response = client.post("/v1/auth/logout")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_signing_in_again_after_logout_works(client: TestClient, world: World) -> None:
    email = world.users["partner_1"].email
    assert client.post("/v1/auth/logout", headers=bearer(login(client, email))).status_code == 204
    assert me(client, login(client, email)).status_code == 200


# --- password changes ------------------------------------------------------------------------


def test_password_change_ends_earlier_tokens_and_the_new_login_works(
    live_server: LiveServer, world: World
) -> None:
    email = world.users["force_a_editor"].email
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        earlier = login(http, email)
        change_password(http, world, "force_a_editor")
        assert_problem(me(http, earlier), 401, "password was changed")
        assert_problem(me(http, world.tokens["force_a_editor"]), 401, "password was changed")
        fresh = login(http, email, NEW_PASSWORD)
        assert me(http, fresh).status_code == 200
        old_password = http.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
        assert old_password.status_code == 401


def test_national_admin_changing_a_password_ends_that_users_tokens(
    client: TestClient, world: World
) -> None:
    change_password(client, world, "partner_1", by="national_admin")
    assert_problem(me(client, world.tokens["partner_1"]), 401, "password was changed")
    assert me(client, world.tokens["partner_1_admin"]).status_code == 200


def test_admin_changing_own_password_ends_own_earlier_tokens(
    client: TestClient, world: World
) -> None:
    change_password(client, world, "force_a_admin", by="force_a_admin")
    assert_problem(me(client, world.tokens["force_a_admin"]), 401, "password was changed")
    assert me(client, login(client, world.users["force_a_admin"].email, NEW_PASSWORD)).is_success


def test_other_edits_of_a_user_keep_their_tokens(client: TestClient, world: World) -> None:
    response = client.patch(
        f"/v1/users/{world.users['force_a_editor'].id}",
        json={"role": "approver"},
        headers=world.headers("force_a_admin"),
    )
    assert response.status_code == 200, response.text
    assert me(client, world.tokens["force_a_editor"]).status_code == 200


def test_token_issued_a_moment_after_a_password_change_works(
    client: TestClient, world: World, engine: Engine
) -> None:
    change_password(client, world, "force_a_editor")
    user_id = world.users["force_a_editor"].id
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        changed_at = user.tokens_valid_after
    assert changed_at is not None

    def token_at(instant: datetime) -> str:
        with time_machine.travel(instant, tick=False):
            return issue_access_token(user_id=user_id, secret=SECRET, lifetime=timedelta(hours=1))

    # Sub-second precision: a millisecond either side of the change.
    before = token_at(changed_at - timedelta(milliseconds=1))
    after = token_at(changed_at + timedelta(milliseconds=1))
    time.sleep(0.01)  # a token issued in the future is not valid yet
    assert_problem(me(client, before), 401, "password was changed")
    assert me(client, after).status_code == 200


# --- the tokens themselves -------------------------------------------------------------------


def test_tokens_carry_a_precise_issue_time_and_a_unique_id(
    client: TestClient, world: World
) -> None:
    email = world.users["partner_1"].email
    with time_machine.travel(a_moment_ago(microsecond=250_000), tick=False):
        first, second = login(client, email), login(client, email)
    claims = [
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="signage:staff")
        for token in (first, second)
    ]
    assert claims[0]["jti"] != claims[1]["jti"]
    assert claims[0]["iat"] % 1 == 0.25


def test_token_without_an_id_is_401(client: TestClient, world: World) -> None:
    now = datetime.now(UTC)
    legacy = jwt.encode(
        {
            "sub": world.users["partner_1"].id,
            "aud": "signage:staff",
            "iat": now,
            "exp": now + timedelta(hours=1),
        },
        SECRET,
        algorithm="HS256",
    )
    assert_problem(me(client, legacy), 401)


def test_token_response_is_not_stored(live_server: LiveServer, world: World) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        response = http.post(
            "/v1/auth/token",
            data={"username": world.users["partner_1"].email, "password": PASSWORD},
        )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
