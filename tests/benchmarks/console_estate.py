"""The estate the console's benchmarks run against: a national unit, four forces and a
partner, an editor and a partner user, and a fleet seeded by tests.schedules.fleet."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from signage.core.db import create_db_engine
from signage.core.migrate import upgrade_to_head
from signage.core.roles import OrganisationKind, Role
from signage.organisations.models import Organisation
from signage.users.models import User
from tests.schedules.fleet import Fleet, seed_fleet


@dataclass(frozen=True)
class Estate:
    folder: Path
    url: str
    engine: Engine
    editor: User
    operator: User
    fleet: Fleet


def seed_people_and_fleet(
    engine: Engine,
    *,
    screens: int,
    venues: int,
    configurations: int = 40,
    extra_schedules: int = 0,
) -> tuple[User, User, Fleet]:
    """Into a migrated, empty database: the organisations, the editor and the partner user
    (returned in that order) and the fleet."""
    with Session(engine, expire_on_commit=False) as session:
        national = Organisation(name="National", kind=OrganisationKind.national)
        forces = [Organisation(name=f"Force {i}", kind=OrganisationKind.force) for i in range(4)]
        partner = Organisation(name="Partner", kind=OrganisationKind.partner)
        session.add_all([national, *forces, partner])
        session.flush()
        editor = User(
            email="e@example.org", password_hash="x", role=Role.editor, organisation_id=national.id
        )
        operator = User(
            email="p@example.org", password_hash="x", role=Role.partner, organisation_id=partner.id
        )
        session.add_all([editor, operator])
        session.commit()
    fleet = seed_fleet(
        engine,
        owner_id=national.id,
        editor_id=editor.id,
        partner_id=partner.id,
        force_ids=[f.id for f in forces],
        screens=screens,
        venues=venues,
        configurations=configurations,
        extra_schedules=extra_schedules,
    )
    return editor, operator, fleet


def seed_estate(
    database_url: str | None,
    *,
    screens: int,
    venues: int,
    configurations: int = 40,
    extra_schedules: int = 0,
) -> Estate:
    """A fresh database (SQLite in a temporary folder unless ``database_url`` is given, which
    must be empty) holding the organisations, the two users and the fleet."""
    folder = Path(tempfile.mkdtemp())
    url = database_url or f"sqlite:///{folder / 'signage.db'}"
    upgrade_to_head(url)
    engine = create_db_engine(url)
    editor, operator, fleet = seed_people_and_fleet(
        engine,
        screens=screens,
        venues=venues,
        configurations=configurations,
        extra_schedules=extra_schedules,
    )
    return Estate(folder, url, engine, editor, operator, fleet)
