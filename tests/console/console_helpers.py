"""Helpers for the console's tests: reading tokens out of pages and signing in over HTTP."""

import re

import httpx
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, World

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def email_of(persona: str) -> str:
    return f"{persona.replace('_', '.')}@example.org"


def sign_in(
    client: TestClient | httpx.Client,
    world: World,
    persona: str,
    *,
    password: str = PASSWORD,
) -> httpx.Response:
    """Sign in through the form as a browser would; returns the answer to the POST."""
    del world  # the persona's email is derived from its name, as in tests/factories.py
    form = client.get("/console/sign-in")
    assert form.status_code == 200, form.text
    return client.post(
        "/console/sign-in",
        data={
            "email": email_of(persona),
            "password": password,
            "csrf_token": csrf_token(form.text),
        },
        follow_redirects=False,
    )


def signed_in(client: TestClient, world: World, persona: str) -> str:
    """Sign in and return the CSRF token of the signed-in pages."""
    answer = sign_in(client, world, persona)
    assert answer.status_code == 303, answer.text
    home = client.get("/console")
    assert home.status_code == 200, home.text
    return csrf_token(home.text)
