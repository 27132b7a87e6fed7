"""The main navigation: by role, and only to pages that exist."""

import pytest
from fastapi.testclient import TestClient

from signage.console.navigation import AREAS, navigation_for
from signage.core.roles import OrganisationKind, Role
from signage.core.tenancy import Caller
from tests.console.console_helpers import signed_in
from tests.factories import World

EVERY_PAGE = frozenset(link.path for link, _ in AREAS)


def _caller(kind: OrganisationKind, role: Role) -> Caller:
    return Caller(
        user_id="u", email="u@example.org", role=role, organisation_id="o", organisation_kind=kind
    )


POLICE = ["Campaigns", "Schedules"]
EVERYONE = ["Screens", "Venues", "Reports", "Audit log"]


@pytest.mark.parametrize(
    ("kind", "role", "expected"),
    [
        (OrganisationKind.force, Role.editor, ["Tonight", *POLICE, "Takeovers", *EVERYONE]),
        (
            OrganisationKind.force,
            Role.approver,
            ["Tonight", "Campaigns", "Approvals", "Schedules", "Takeovers", *EVERYONE],
        ),
        (OrganisationKind.national, Role.admin, ["Tonight", *POLICE, *EVERYONE, "Users"]),
        (OrganisationKind.partner, Role.partner, ["Tonight", *EVERYONE]),
        (OrganisationKind.partner, Role.admin, ["Tonight", *EVERYONE, "Users"]),
    ],
)
def test_links_follow_the_role(kind: OrganisationKind, role: Role, expected: list[str]) -> None:
    links = navigation_for(_caller(kind, role), EVERY_PAGE)
    assert [link.label for link in links] == expected


def test_links_to_pages_not_yet_built_are_left_out() -> None:
    links = navigation_for(_caller(OrganisationKind.force, Role.approver), {"/console"})
    assert [link.label for link in links] == ["Tonight"]


def test_a_partner_sees_no_police_links(client: TestClient, world: World) -> None:
    signed_in(client, world, "partner_1")
    home = client.get("/console").text
    for police_only in ("Campaigns", "Approvals", "Schedules", "Waiting for approval"):
        assert police_only not in home
    assert 'aria-current="page"' in home
    assert ">Tonight<" in home.replace("\n", "").replace(" ", "").replace(
        "Tonight</strong>", "Tonight<"
    )
