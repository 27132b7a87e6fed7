"""Test data: a small world of organisations and users, and helpers to make venues and screens.

Users are inserted directly with one precomputed password hash (argon2 is slow on purpose, and
the suite makes hundreds of users); tokens are issued as the login endpoint issues them.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from signage.core.roles import OrganisationKind, Role
from signage.core.security import hash_password, issue_access_token
from signage.organisations.models import Organisation
from signage.users.models import User

PASSWORD = "correct horse battery"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


# persona name -> (organisation key, role)
PERSONAS: dict[str, tuple[str, Role]] = {
    "national_admin": ("national", Role.admin),
    "national_editor": ("national", Role.editor),
    "national_approver": ("national", Role.approver),
    "force_a_admin": ("force_a", Role.admin),
    "force_a_editor": ("force_a", Role.editor),
    "force_a_approver": ("force_a", Role.approver),
    "force_b_editor": ("force_b", Role.editor),
    "partner_1": ("partner_1", Role.partner),
    "partner_1_admin": ("partner_1", Role.admin),
    "partner_2": ("partner_2", Role.partner),
    "partner_2_admin": ("partner_2", Role.admin),
}

ORGANISATIONS: dict[str, tuple[str, OrganisationKind]] = {
    "national": ("National Night-Time Economy Unit", OrganisationKind.national),
    "force_a": ("Leicestershire Police", OrganisationKind.force),
    "force_b": ("Police Scotland", OrganisationKind.force),
    "partner_1": ("Crown & Anchor Pubs", OrganisationKind.partner),
    "partner_2": ("Late Bites Ltd", OrganisationKind.partner),
}


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, engine: Engine, *, secret: str) -> "World":
        world = cls()
        with Session(engine, expire_on_commit=False) as session:
            for key, (name, kind) in ORGANISATIONS.items():
                world.orgs[key] = Organisation(name=name, kind=kind)
                session.add(world.orgs[key])
            session.flush()
            for persona, (org_key, role) in PERSONAS.items():
                user = User(
                    email=f"{persona.replace('_', '.')}@example.org",
                    password_hash=password_hash(),
                    role=role,
                    organisation_id=world.orgs[org_key].id,
                )
                world.users[persona] = user
                session.add(user)
            session.commit()
        for persona, user in world.users.items():
            world.tokens[persona] = issue_access_token(
                user_id=user.id, secret=secret, lifetime=timedelta(hours=1)
            )
        return world

    def headers(self, persona: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[persona]}"}

    def org_id(self, key: str) -> str:
        return self.orgs[key].id


def venue_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "The Crown",
        "kind": "pub",
        "force_id": world.org_id("force_a"),
        "nation": "england",
        "timezone": "Europe/London",
        "postcode": "le1 1aa",
        "opening_hours": [
            {"day": "fri", "open": "18:00", "close": "02:00"},
            {"day": "sat", "open": "18:00", "close": "03:00"},
        ],
    }
    body.update(overrides)
    return body


def make_venue(
    client: TestClient, world: World, persona: str = "partner_1", **overrides: Any
) -> dict[str, Any]:
    response = client.post(
        "/v1/venues", json=venue_body(world, **overrides), headers=world.headers(persona)
    )
    assert response.status_code == 201, response.text
    venue: dict[str, Any] = response.json()
    return venue


def make_screen(
    client: TestClient,
    world: World,
    venue_id: str,
    persona: str = "partner_1",
    **overrides: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"venue_id": venue_id, "name": "Bar screen", "orientation": "landscape"}
    body.update(overrides)
    response = client.post("/v1/screens", json=body, headers=world.headers(persona))
    assert response.status_code == 201, response.text
    screen: dict[str, Any] = response.json()
    return screen
