"""CSRF on every console form, and the console's security headers (on the console only)."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, Form
from fastapi.testclient import TestClient
from starlette.responses import PlainTextResponse, Response

from signage.console.routing import ConsoleRoute, SignedInDep, check_csrf
from signage.console.security import CONTENT_SECURITY_POLICY
from tests.console.console_helpers import email_of, signed_in
from tests.factories import PASSWORD, World


def test_sign_out_without_a_token_is_refused(client: TestClient, world: World) -> None:
    signed_in(client, world, "force_a_editor")
    response = client.post("/console/sign-out", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert "nothing was changed" in response.text
    assert client.get("/console", follow_redirects=False).status_code == 200


def test_sign_out_with_a_wrong_token_is_refused(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "force_a_editor")
    response = client.post("/console/sign-out", data={"csrf_token": token[:-1] + "x"})
    assert response.status_code == 403
    assert client.get("/console", follow_redirects=False).status_code == 200


def test_sign_out_with_the_right_token_works(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "force_a_editor")
    response = client.post("/console/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_another_sessions_token_is_refused(app: object, world: World) -> None:
    with TestClient(app) as first, TestClient(app) as second:  # type: ignore[arg-type]
        signed_in(first, world, "force_a_editor")
        other = signed_in(second, world, "force_a_editor")
        response = first.post("/console/sign-out", data={"csrf_token": other})
    assert response.status_code == 403


def test_sign_in_without_the_form_token_is_refused(client: TestClient, world: World) -> None:
    client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in",
        data={"email": email_of("force_a_editor"), "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "console_session" not in client.cookies


def test_console_pages_carry_the_security_headers(client: TestClient) -> None:
    response = client.get("/console/sign-in")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"


def test_redirects_and_errors_carry_them_too(client: TestClient) -> None:
    redirect = client.get("/console", follow_redirects=False)
    missing = client.get("/console/no-such-page")
    for response in (redirect, missing):
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["cache-control"] == "no-store"


def test_the_api_and_the_poll_are_untouched(client: TestClient, world: World) -> None:
    api = client.get("/v1/users/me", headers=world.headers("force_a_editor"))
    poll = client.get("/v1/player/playlist")
    for response in (api, poll):
        assert "content-security-policy" not in response.headers
        assert "x-frame-options" not in response.headers


def test_pages_have_no_inline_script_or_style(client: TestClient, world: World) -> None:
    pages = [client.get("/console/sign-in").text]
    signed_in(client, world, "national_approver")
    pages.append(client.get("/console").text)
    for html in pages:
        assert "<script>" not in html
        assert "<script " not in html.replace(
            '<script type="module" src="/console/static/console.js"></script>', ""
        )
        assert " style=" not in html
        assert "<style" not in html


@pytest.fixture
def form_page(app: FastAPI) -> str:
    """A POST page as later console areas declare theirs: the router checks every form."""
    area = APIRouter(
        prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)]
    )

    @area.post("/test-form")
    def save(signed_in: SignedInDep, note: Annotated[str, Form()] = "") -> Response:
        return PlainTextResponse(f"saved {note} for {signed_in.caller.email}")

    app.include_router(area)
    return "/console/test-form"


def test_an_area_form_needs_the_token(client: TestClient, world: World, form_page: str) -> None:
    token = signed_in(client, world, "force_a_editor")
    assert client.post(form_page, data={"note": "x"}).status_code == 403
    assert client.post(form_page, data={"note": "x", "csrf_token": "nope"}).status_code == 403
    done = client.post(form_page, data={"note": "x", "csrf_token": token})
    assert done.status_code == 200
    assert done.text == "saved x for force.a.editor@example.org"


def test_an_area_form_signed_out_goes_to_sign_in(client: TestClient, form_page: str) -> None:
    response = client.post(form_page, data={"note": "x"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in"
