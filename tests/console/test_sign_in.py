"""Signing in and out of the console, over HTTP: redirects, cookies, errors, the API's throttle."""

from datetime import timedelta

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from signage.core.config import Settings
from signage.core.types import utcnow
from signage.tables import ConsoleSession
from signage.users.models import User
from tests.console.console_helpers import csrf_token, email_of, sign_in, signed_in
from tests.factories import World


def test_root_redirects_to_the_console(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console"


def test_signed_out_visitor_is_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in"


def test_sign_in_page_has_labelled_fields_and_button(client: TestClient) -> None:
    page = client.get("/console/sign-in")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<label class="govuk-label" for="email">' in page.text
    assert "Email address" in page.text
    assert 'for="password"' in page.text
    assert "Sign in" in page.text


def test_sign_in_sets_a_session_cookie_and_redirects_home(client: TestClient, world: World) -> None:
    response = sign_in(client, world, "force_a_editor")
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("console_session=")
    )
    lowered = cookie.lower()
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert "path=/console" in lowered
    assert "secure" not in lowered  # plain HTTP here; Secure over HTTPS
    assert client.get("/console").status_code == 200


def test_session_cookie_is_secure_over_https(app: object, world: World) -> None:
    with TestClient(app, base_url="https://testserver") as https:  # type: ignore[arg-type]
        response = sign_in(https, world, "force_a_editor")
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("console_session=")
    )
    assert "secure" in cookie.lower()


def test_only_a_digest_of_the_cookie_is_stored(
    client: TestClient, world: World, engine: Engine
) -> None:
    sign_in(client, world, "force_a_editor")
    value = client.cookies.get("console_session")
    assert value
    with Session(engine) as session:
        ids = list(session.exec(select(ConsoleSession.id)).scalars())  # type: ignore[call-overload]
    assert len(ids) == 1
    assert value not in ids[0]
    assert len(ids[0]) == 64


def test_wrong_password_shows_an_error_summary_linked_to_the_field(
    client: TestClient, world: World
) -> None:
    response = sign_in(client, world, "force_a_editor", password="not the password")
    assert response.status_code == 400
    assert 'class="govuk-error-summary"' in response.text
    assert '<a href="#password">Wrong email or password</a>' in response.text
    assert 'id="password-error"' in response.text
    assert "console_session" not in client.cookies


def test_empty_fields_are_each_named_in_the_summary(client: TestClient) -> None:
    form = client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in", data={"csrf_token": csrf_token(form.text)}, follow_redirects=False
    )
    assert response.status_code == 400
    assert '<a href="#email">Enter your email address</a>' in response.text
    assert '<a href="#password">Enter your password</a>' in response.text


def test_too_long_fields_are_a_page_not_a_server_error(client: TestClient) -> None:
    form = client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in",
        data={"csrf_token": csrf_token(form.text), "email": "a" * 5000, "password": "x"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")


def test_sign_in_is_throttled_with_the_api(
    client: TestClient, world: World, settings: Settings
) -> None:
    for _ in range(settings.login_failures_per_account):
        failed = client.post(
            "/v1/auth/token",
            data={"username": email_of("force_a_editor"), "password": "wrong"},
        )
        assert failed.status_code == 401
    response = sign_in(client, world, "force_a_editor")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Too many failed sign-ins for this account or from this address" in response.text
    assert "Try again after" in response.text


def test_sign_in_starts_a_new_session_and_ends_the_old(
    client: TestClient, world: World, engine: Engine
) -> None:
    sign_in(client, world, "force_a_editor")
    first = client.cookies.get("console_session")
    assert first
    # Another tab's sign-in form, sent while the first session is still in the browser.
    client.cookies.delete("console_session")
    form = client.get("/console/sign-in")
    client.cookies.set("console_session", first, domain="testserver.local", path="/console")
    client.post(
        "/console/sign-in",
        data={
            "email": email_of("force_a_editor"),
            "password": "correct horse battery",
            "csrf_token": csrf_token(form.text),
        },
        follow_redirects=False,
    )
    second = client.cookies.get("console_session")
    assert second
    assert second != first
    with Session(engine) as session:
        count = session.execute(select(func.count()).select_from(ConsoleSession)).scalar_one()
    assert count == 1


def test_a_planted_session_id_is_never_signed_in(client: TestClient, world: World) -> None:
    client.cookies.set(
        "console_session", "chosen-by-an-attacker", domain="testserver.local", path="/console"
    )
    sign_in(client, world, "force_a_editor")
    assert client.cookies.get("console_session") != "chosen-by-an-attacker"


def test_a_next_path_is_followed_only_within_the_console(client: TestClient, world: World) -> None:
    form = client.get("/console/sign-in?next=https://evil.example/")
    assert 'name="next"' not in form.text
    response = client.post(
        "/console/sign-in",
        data={
            "email": email_of("force_a_editor"),
            "password": "correct horse battery",
            "csrf_token": csrf_token(form.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console"


def test_sign_out_ends_the_session(client: TestClient, world: World, engine: Engine) -> None:
    token = signed_in(client, world, "force_a_editor")
    out = client.post("/console/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/console/sign-in"
    assert client.get("/console", follow_redirects=False).status_code == 303
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(ConsoleSession)).scalar_one() == 0


def test_an_idle_session_expires(client: TestClient, world: World, settings: Settings) -> None:
    signed_in(client, world, "force_a_editor")
    idle = timedelta(minutes=settings.console_idle_minutes)
    with time_machine.travel(utcnow() + idle - timedelta(minutes=1), tick=False):
        assert client.get("/console", follow_redirects=False).status_code == 200
    # Used a minute before the limit, so the idle clock restarted then.
    with time_machine.travel(utcnow() + 2 * idle - timedelta(minutes=3), tick=False):
        assert client.get("/console", follow_redirects=False).status_code == 200
    with time_machine.travel(utcnow() + 3 * idle, tick=False):
        response = client.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in"


def test_a_session_ends_at_its_absolute_limit_however_used(
    client: TestClient, world: World, settings: Settings
) -> None:
    signed_in(client, world, "force_a_editor")
    start = utcnow()
    step = timedelta(minutes=settings.console_idle_minutes - 5)
    at = start
    limit = start + timedelta(hours=settings.console_session_hours)
    while at + step < limit:
        at += step
        with time_machine.travel(at, tick=False):
            assert client.get("/console", follow_redirects=False).status_code == 200
    with time_machine.travel(limit + timedelta(seconds=1), tick=False):
        assert client.get("/console", follow_redirects=False).status_code == 303


def test_a_password_change_ends_earlier_sessions(
    client: TestClient, world: World, engine: Engine
) -> None:
    signed_in(client, world, "force_a_editor")
    with Session(engine) as session:
        user = session.get(User, world.users["force_a_editor"].id)
        assert user is not None
        user.tokens_valid_after = utcnow() + timedelta(seconds=1)
        session.add(user)
        session.commit()
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_a_disabled_user_is_signed_out(client: TestClient, world: World, engine: Engine) -> None:
    signed_in(client, world, "force_a_editor")
    with Session(engine) as session:
        user = session.get(User, world.users["force_a_editor"].id)
        assert user is not None
        user.is_active = False
        session.add(user)
        session.commit()
    assert client.get("/console", follow_redirects=False).status_code == 303
