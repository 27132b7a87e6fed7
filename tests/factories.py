"""Test data: a small world of organisations and users, and helpers to make venues and screens.

Users are inserted directly with one precomputed password hash (argon2 is slow on purpose, and
the suite makes hundreds of users); tokens are issued as the login endpoint issues them.
"""

import subprocess
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from signage.core.roles import OrganisationKind, Role
from signage.core.security import hash_password, issue_access_token
from signage.organisations.models import Organisation
from signage.users.models import User

PASSWORD = "correct horse battery"

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    """The response is RFC 9457 problem JSON with ``status`` and a detail naming ``fragments``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert PROBLEM_KEYS <= body.keys()
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    for fragment in fragments:
        assert fragment in body["detail"], body["detail"]
    return body


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


# --- campaigns and creatives ------------------------------------------------------------------


def add_person(
    world: World, engine: Engine, *, persona: str, org_key: str, role: Role, secret: str
) -> User:
    """Another user in one of the world's organisations (a second approver, say), with a token."""
    with Session(engine, expire_on_commit=False) as session:
        user = User(
            email=f"{persona.replace('_', '.')}@example.org",
            password_hash=password_hash(),
            role=role,
            organisation_id=world.org_id(org_key),
        )
        session.add(user)
        session.commit()
    world.users[persona] = user
    world.tokens[persona] = issue_access_token(
        user_id=user.id, secret=secret, lifetime=timedelta(hours=1)
    )
    return user


def make_campaign(
    client: TestClient, world: World, persona: str = "force_a_editor", **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Walk Away", "description": "Walk away from a fight."}
    body.update(overrides)
    response = client.post("/v1/campaigns", json=body, headers=world.headers(persona))
    assert response.status_code == 201, response.text
    campaign: dict[str, Any] = response.json()
    return campaign


def png_bytes(
    width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    """A small, valid PNG; different colours give different files."""
    import io

    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(output, format="PNG")
    return output.getvalue()


def post_creative(
    client: TestClient,
    world: World,
    campaign_id: str,
    persona: str = "force_a_editor",
    *,
    content: bytes | None = None,
    filename: str = "poster.png",
    content_type: str = "image/png",
    **fields: Any,
) -> Any:
    """POST /v1/creatives as multipart; the form fields go before the file."""
    form: dict[str, Any] = {"campaign_id": campaign_id, "name": "Walk Away poster"}
    form.update({k: v for k, v in fields.items() if v is not None})
    file = content if content is not None else png_bytes()
    return client.post(
        "/v1/creatives",
        data=form,
        files={"file": (filename, file, content_type)},
        headers=world.headers(persona),
    )


def upload_creative(
    client: TestClient,
    world: World,
    campaign_id: str,
    persona: str = "force_a_editor",
    **kwargs: Any,
) -> dict[str, Any]:
    response = post_creative(client, world, campaign_id, persona, **kwargs)
    assert response.status_code == 201, response.text
    creative: dict[str, Any] = response.json()
    return creative


# --- schedules ----------------------------------------------------------------------------


def schedule_body(creative_ids: list[str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Walk Away - weekend nights",
        "creative_ids": creative_ids,
        "priority": 50,
        "weight": 1,
        "target": {},
        "windows": [{"days": ["fri", "sat", "bank_holiday_eve"], "start": "20:00", "end": "04:00"}],
        "start_date": "2026-11-01",
        "end_date": None,
        "exclude_dates": [],
    }
    body.update(overrides)
    return body


# --- proof of play ----------------------------------------------------------------------------


def device_headers(screen: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {screen['device_token']}"}


def play_record(
    creative_id: str, started_at: str, duration_ms: int = 10000, **overrides: Any
) -> dict[str, Any]:
    """One play as a player reports it, with a fresh UUID unless ``id`` is given."""
    import uuid

    record: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "creative_id": creative_id,
        "started_at": started_at,
        "duration_ms": duration_ms,
    }
    record.update(overrides)
    return record


def post_plays(client: TestClient, screen: dict[str, Any], plays: list[Any]) -> Any:
    return client.post("/v1/player/plays", json={"plays": plays}, headers=device_headers(screen))


# --- media files ----------------------------------------------------------------------------


def run_ffmpeg(*args: str) -> None:
    """Debian's ffmpeg, quiet, never prompting: the tests make their own video files."""
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True, timeout=60)
