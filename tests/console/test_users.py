"""The Users pages and Change password, over HTTP: admins add users with a temporary password,
disable and enable them and reset their passwords, through the API's users service (its
tenancy, rules and messages); a user whose password was reset can reach nothing but the
password page until they have chosen their own; anyone changes their own password there."""

import re

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from signage.console import account_forms
from signage.core.roles import Role
from signage.users.models import User
from tests.console.console_helpers import csrf_token, email_of, signed_in
from tests.factories import PASSWORD, World

TEMPORARY = "a temporary passphrase"
CHOSEN = "my very own passphrase"


def sign_in_as(
    client: TestClient, email: str, password: str, next_path: str = ""
) -> httpx.Response:
    """Sign in through the form, in a browser nobody is signed in to (its cookies cleared)."""
    client.cookies.clear()
    form = client.get("/console/sign-in")
    data = {"email": email, "password": password, "csrf_token": csrf_token(form.text)}
    if next_path:
        data["next"] = next_path
    response: httpx.Response = client.post("/console/sign-in", data=data, follow_redirects=False)
    return response


def stored(engine: Engine, user_id: str) -> User:
    with Session(engine) as session:
        user = session.get(User, user_id)
    assert user is not None
    return user


def add_form(token: str, world: World, **overrides: str) -> dict[str, str]:
    form = {
        "csrf_token": token,
        "email": "Sam.Newcomer@example.org",
        "organisation_id": world.org_id("force_a"),
        "role": "editor",
        "password": TEMPORARY,
    }
    form.update(overrides)
    return form


def change_form(token: str, current: str, new: str, confirm: str | None = None) -> dict[str, str]:
    return {
        "csrf_token": token,
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    }


def summary_links(html: str) -> list[str]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="#([\w-]+)"', summary)


@pytest.fixture
def other_client(app: FastAPI) -> TestClient:
    """A second browser, for the user an admin acts on."""
    with TestClient(app, raise_server_exceptions=False) as second:
        return second


# --- the list and Add user ----------------------------------------------------------------


def test_an_admin_adds_a_user_with_a_temporary_password(
    client: TestClient, world: World, engine: Engine
) -> None:
    token = signed_in(client, world, "force_a_admin")
    form = client.get("/console/users/add")
    assert form.status_code == 200
    # Their own organisation only: nothing to choose, and only the roles it has.
    assert '<select class="govuk-select" id="organisation_id"' not in form.text
    assert "Leicestershire Police" in form.text
    assert 'value="approver"' in form.text
    assert 'value="partner"' not in form.text
    assert "approves or rejects other people’s uploads" in form.text

    added = client.post("/console/users/add", data=add_form(token, world), follow_redirects=False)
    assert added.status_code == 303, added.text
    assert added.headers["location"].endswith("?done=added")
    page = client.get(added.headers["location"])
    assert "User added" in page.text
    assert "sam.newcomer@example.org" in page.text
    assert "they must choose a new one when they next sign in" in page.text

    user_id = added.headers["location"].split("/")[-1].split("?")[0]
    user = stored(engine, user_id)
    assert (user.role, user.organisation_id) == (Role.editor, world.org_id("force_a"))
    assert user.must_change_password is True
    listing = client.get("/console/users")
    assert "sam.newcomer@example.org" in listing.text
    assert world.users["force_a_editor"].email in listing.text
    assert world.users["partner_1"].email not in listing.text  # another organisation's


def test_a_national_admin_sees_every_organisation(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "national_admin")
    listing = client.get("/console/users")
    for persona in ("force_a_editor", "partner_1", "partner_2_admin"):
        assert world.users[persona].email in listing.text
    assert "Crown &amp; Anchor Pubs" in listing.text
    form = client.get("/console/users/add")
    for key in ("national", "force_a", "force_b", "partner_1", "partner_2"):
        assert f'value="{world.org_id(key)}"' in form.text
    assert 'value="partner"' in form.text  # some organisation on offer has partners
    added = client.post(
        "/console/users/add",
        data=add_form(token, world, organisation_id=world.org_id("partner_2"), role="partner"),
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text


def test_add_user_errors_link_to_their_fields(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "national_admin")
    blank = client.post(
        "/console/users/add",
        data=add_form(token, world, email="", organisation_id="", role="", password=""),
    )
    assert blank.status_code == 422
    assert blank.text.count("<title>Error:") == 1
    assert summary_links(blank.text) == ["email", "organisation_id", "role", "password"]
    for message in (
        "Enter the user’s email address",
        "Enter a temporary password",
        "Select a role",
        "Select an organisation",
    ):
        assert message in blank.text

    wrong = client.post(
        "/console/users/add", data=add_form(token, world, email="not-an-email", password="short")
    )
    assert wrong.status_code == 422
    assert "Enter an email address in the correct format" in wrong.text
    assert "The password must be 8 characters or more" in wrong.text
    assert 'value="not-an-email"' in wrong.text  # what was typed is kept

    # The service's refusals, in its words, on their fields.
    misfit = client.post(
        "/console/users/add",
        data=add_form(token, world, organisation_id=world.org_id("partner_1"), role="editor"),
    )
    assert misfit.status_code == 422
    assert summary_links(misfit.text) == ["role"]
    assert "does not exist in a partner organisation" in misfit.text
    taken = client.post(
        "/console/users/add", data=add_form(token, world, email=email_of("partner_1"))
    )
    assert taken.status_code == 409
    assert summary_links(taken.text) == ["email"]
    assert "already exists" in taken.text


def test_the_form_says_the_password_limits_of_the_api_model() -> None:
    # The words "8 characters or more" and "256 characters or fewer" are these numbers.
    assert account_forms.LIMITS == (8, 256)


def test_a_force_admin_adds_to_their_own_organisation_only(
    client: TestClient, world: World
) -> None:
    token = signed_in(client, world, "force_a_admin")
    elsewhere = client.post(
        "/console/users/add", data=add_form(token, world, organisation_id=world.org_id("force_b"))
    )
    assert elsewhere.status_code == 403
    assert "own organisation only" in elsewhere.text
    unseen = client.post(
        "/console/users/add",
        data=add_form(token, world, organisation_id=world.org_id("partner_1"), role="partner"),
    )
    assert unseen.status_code == 422
    assert summary_links(unseen.text) == ["organisation_id"]


# --- disabling ----------------------------------------------------------------------------


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(
    client: TestClient, other_client: TestClient, world: World
) -> None:
    signed_in(other_client, world, "force_a_editor")
    token = signed_in(client, world, "force_a_admin")
    user_id = world.users["force_a_editor"].id
    page = client.get(f"/console/users/{user_id}")
    assert "Disable account" in page.text
    disabled = client.post(
        f"/console/users/{user_id}/disable", data={"csrf_token": token}, follow_redirects=False
    )
    assert disabled.status_code == 303
    page = client.get(disabled.headers["location"])
    assert "Account disabled" in page.text
    assert "Enable account" in page.text
    assert "Disabled" in client.get("/console/users").text

    gone = other_client.get("/console", follow_redirects=False)
    assert gone.headers["location"] == "/console/sign-in"
    refused = sign_in_as(other_client, email_of("force_a_editor"), PASSWORD)
    assert refused.status_code == 400
    assert "Wrong email or password" in refused.text

    enabled = client.post(
        f"/console/users/{user_id}/enable", data={"csrf_token": token}, follow_redirects=False
    )
    assert enabled.status_code == 303
    assert sign_in_as(other_client, email_of("force_a_editor"), PASSWORD).status_code == 303


def test_an_admin_cannot_disable_themselves(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "partner_1_admin")
    own = world.users["partner_1_admin"].id
    page = client.get(f"/console/users/{own}")
    assert page.status_code == 200
    assert "This is your own account" in page.text
    assert f"/console/users/{own}/disable" not in page.text
    assert f"/console/users/{own}/password" not in page.text
    refused = client.post(f"/console/users/{own}/disable", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "you cannot change your own role or disable your own account" in refused.text
    reset = client.post(
        f"/console/users/{own}/password", data={"csrf_token": token, "password": TEMPORARY}
    )
    assert reset.status_code == 403
    assert "use Change password" in reset.text
    assert client.get("/console").status_code == 200  # still signed in, nothing changed


# --- resetting a password -----------------------------------------------------------------


def test_a_reset_user_must_choose_a_password_before_anything_else(
    client: TestClient, other_client: TestClient, world: World, engine: Engine
) -> None:
    signed_in(other_client, world, "force_a_editor")
    token = signed_in(client, world, "force_a_admin")
    user_id = world.users["force_a_editor"].id
    short = client.post(
        f"/console/users/{user_id}/password", data={"csrf_token": token, "password": "short"}
    )
    assert short.status_code == 422
    assert summary_links(short.text) == ["password"]
    assert "8 characters or more" in short.text
    reset = client.post(
        f"/console/users/{user_id}/password",
        data={"csrf_token": token, "password": TEMPORARY},
        follow_redirects=False,
    )
    assert reset.status_code == 303
    assert "Password reset" in client.get(reset.headers["location"]).text
    assert stored(engine, user_id).must_change_password is True

    # Their session ended; signing in with the temporary password leads to the password page.
    assert other_client.get("/console", follow_redirects=False).status_code == 303
    answer = sign_in_as(other_client, email_of("force_a_editor"), TEMPORARY, "/console/venues")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/password?next=%2Fconsole%2Fvenues"
    for elsewhere, back in (
        ("/console", ""),
        ("/console/campaigns", "?next=%2Fconsole%2Fcampaigns"),
        ("/console/screens?status=online", "?next=%2Fconsole%2Fscreens%3Fstatus%3Donline"),
    ):
        sent = other_client.get(elsewhere, follow_redirects=False)
        assert sent.status_code == 303, elsewhere
        assert sent.headers["location"] == f"/console/password{back}"
    form = other_client.get("/console/password")
    assert "An admin has reset your password" in form.text
    assert 'href="/console/campaigns"' not in form.text  # no navigation to follow
    user_token = csrf_token(form.text)
    posted = other_client.post(
        "/console/campaigns",
        data={"csrf_token": user_token, "name": "Sneaked in"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == "/console/password"

    # Not the temporary one again; then their own.
    same = other_client.post(
        "/console/password", data=change_form(user_token, TEMPORARY, TEMPORARY)
    )
    assert same.status_code == 422
    assert "different from your current one" in same.text
    changed = other_client.post(
        "/console/password",
        data={**change_form(user_token, TEMPORARY, CHOSEN), "next": "/console/venues"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert changed.headers["location"] == "/console/password/changed?next=%2Fconsole%2Fvenues"
    done = other_client.get(changed.headers["location"])
    assert "Password changed" in done.text
    assert 'href="/console/venues"' in done.text
    assert other_client.get("/console/venues").status_code == 200
    assert stored(engine, user_id).must_change_password is False
    assert sign_in_as(client, email_of("force_a_editor"), TEMPORARY).status_code == 400


def test_a_new_user_chooses_their_password_at_first_sign_in(
    client: TestClient, other_client: TestClient, world: World
) -> None:
    token = signed_in(client, world, "partner_1_admin")
    added = client.post(
        "/console/users/add",
        data=add_form(
            token, world, email="bar.manager@example.org", organisation_id="", role="partner"
        )
        | {"organisation_id": world.org_id("partner_1")},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    answer = sign_in_as(other_client, "bar.manager@example.org", TEMPORARY)
    assert answer.headers["location"].startswith("/console/password")
    form = other_client.get("/console/password")
    changed = other_client.post(
        "/console/password",
        data=change_form(csrf_token(form.text), TEMPORARY, CHOSEN),
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert other_client.get("/console/screens").status_code == 200


# --- changing one's own password ----------------------------------------------------------


def test_anyone_changes_their_own_password_and_is_signed_out_elsewhere(
    client: TestClient, other_client: TestClient, world: World
) -> None:
    signed_in(other_client, world, "partner_2")  # another browser of the same user
    token = signed_in(client, world, "partner_2")
    home = client.get("/console")
    assert 'href="/console/password"' in home.text
    assert "Change password" in home.text
    form = client.get("/console/password")
    assert form.status_code == 200
    for label in ("Current password", "New password", "Confirm new password"):
        assert label in form.text
    assert "An admin has reset your password" not in form.text
    changed = client.post(
        "/console/password", data=change_form(token, PASSWORD, CHOSEN), follow_redirects=False
    )
    assert changed.status_code == 303
    assert any(c.startswith("console_session=") for c in changed.headers.get_list("set-cookie"))
    done = client.get(changed.headers["location"])
    assert 'href="/console"' in done.text
    assert client.get("/console").status_code == 200  # still signed in here...
    assert other_client.get("/console", follow_redirects=False).status_code == 303  # not there
    assert sign_in_as(other_client, email_of("partner_2"), CHOSEN).status_code == 303


def test_password_form_errors_are_in_the_summary(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "force_a_editor")
    wrong = client.post("/console/password", data=change_form(token, "not my password", CHOSEN))
    assert wrong.status_code == 422
    assert summary_links(wrong.text) == ["current_password"]
    assert "That is not your current password" in wrong.text
    assert wrong.text.count("<title>Error:") == 1

    blank = client.post("/console/password", data=change_form(token, "", "", ""))
    assert blank.status_code == 422
    assert summary_links(blank.text) == ["current_password", "new_password", "confirm_password"]
    assert "Enter your current password" in blank.text

    mismatched = client.post(
        "/console/password", data=change_form(token, PASSWORD, CHOSEN, "something else entirely")
    )
    assert mismatched.status_code == 422
    assert summary_links(mismatched.text) == ["confirm_password"]
    assert "Enter the same new password twice" in mismatched.text

    limits = client.post("/console/password", data=change_form(token, PASSWORD, "x" * 257))
    assert summary_links(limits.text) == ["new_password"]
    assert "The password must be 256 characters or fewer" in limits.text
    assert sign_in_as(client, email_of("force_a_editor"), PASSWORD).status_code == 303


def test_wrong_current_passwords_are_throttled_with_sign_in(
    client: TestClient, world: World
) -> None:
    token = signed_in(client, world, "force_a_editor")
    limit = client.app.state.settings.login_failures_per_account  # type: ignore[attr-defined]
    for _ in range(limit):
        guess = client.post("/console/password", data=change_form(token, "guess", CHOSEN))
        assert guess.status_code == 422
    refused = client.post("/console/password", data=change_form(token, PASSWORD, CHOSEN))
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text
    assert "Try again after" in refused.text
    assert int(refused.headers["Retry-After"]) > 0


# --- who may go where ---------------------------------------------------------------------


def test_every_form_needs_the_csrf_token(client: TestClient, world: World, engine: Engine) -> None:
    signed_in(client, world, "force_a_admin")
    user_id = world.users["force_a_editor"].id
    for path, data in (
        ("/console/users/add", add_form("", world)),
        (f"/console/users/{user_id}/disable", {}),
        (f"/console/users/{user_id}/enable", {}),
        (f"/console/users/{user_id}/password", {"password": TEMPORARY}),
        ("/console/password", change_form("", PASSWORD, CHOSEN)),
    ):
        for token in ("", "not-the-token"):
            refused = client.post(path, data={**data, "csrf_token": token})
            assert refused.status_code == 403, path
    user = stored(engine, user_id)
    assert user.is_active
    assert not user.must_change_password
    assert "sam.newcomer" not in client.get("/console/users").text
    assert sign_in_as(client, email_of("force_a_admin"), PASSWORD).status_code == 303


@pytest.mark.parametrize("persona", ["force_a_editor", "force_a_approver", "partner_1"])
def test_only_admins_see_users(client: TestClient, world: World, persona: str) -> None:
    token = signed_in(client, world, persona)
    home = client.get("/console")
    assert 'href="/console/users"' not in home.text
    own = world.users[persona].id
    for path in ("/console/users", "/console/users/add", f"/console/users/{own}"):
        assert client.get(path).status_code == 403, path
    other = world.users["force_a_admin"].id
    disable = client.post(f"/console/users/{other}/disable", data={"csrf_token": token})
    assert disable.status_code == 403
    assert client.post("/console/users/add", data=add_form(token, world)).status_code == 403


def test_admins_see_the_users_link(client: TestClient, world: World) -> None:
    signed_in(client, world, "partner_1_admin")
    assert 'href="/console/users"' in client.get("/console").text


def test_another_organisations_user_is_not_found(
    client: TestClient, world: World, engine: Engine
) -> None:
    token = signed_in(client, world, "force_a_admin")
    other = world.users["partner_1"].id
    assert client.get(f"/console/users/{other}").status_code == 404
    for action, data in (("disable", {}), ("enable", {}), ("password", {"password": TEMPORARY})):
        answer = client.post(f"/console/users/{other}/{action}", data={**data, "csrf_token": token})
        assert answer.status_code == 404, action
    assert stored(engine, other).is_active
    assert client.get("/console/users/not-a-user").status_code == 404


def test_the_users_list_is_paginated(client: TestClient, world: World, engine: Engine) -> None:
    with Session(engine) as session:
        for n in range(50):
            session.add(
                User(
                    email=f"steward.{n:02d}@example.org",
                    password_hash="x",
                    role=Role.partner,
                    organisation_id=world.org_id("partner_1"),
                )
            )
        session.commit()
    signed_in(client, world, "national_admin")
    first = client.get("/console/users").text
    assert "Page 1 of 2" in first
    second = client.get("/console/users?page=2").text
    assert "Page 2 of 2" in second

    def rows(page: str) -> int:
        return page.count('href="/console/users/') - page.count('href="/console/users/add"')

    # 61 accounts by email: the world's 11 (force..., national..., partner...) come first.
    assert (rows(first), rows(second)) == (50, 11)
    assert "force.a.admin@example.org" in first
    assert "steward.38@example.org" in first
    assert "steward.39@example.org" in second
    assert "force.a.admin@example.org" not in second
