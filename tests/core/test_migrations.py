"""The migrated schema is exactly what the models describe, on SQLite and PostgreSQL."""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from signage.core.migrate import alembic_config, head_revisions, is_at_head
from tests.wheel import built_wheel_names

ROOT = Path(__file__).resolve().parents[2]


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_database_is_at_head_after_migrations(engine: Engine) -> None:
    assert is_at_head(engine)
    assert len(head_revisions()) == 1


def test_constraints_have_fixed_names(engine: Engine) -> None:
    inspector = inspect(engine)
    assert inspector.get_pk_constraint("screens")["name"] == "pk_screens"
    foreign_keys = {fk["name"] for fk in inspector.get_foreign_keys("screens")}
    assert foreign_keys == {"fk_screens_venue_id_venues"}


def test_downgrade_to_base_and_back(engine: Engine, database_url: str) -> None:
    config = alembic_config(database_url)
    engine.dispose()
    command.downgrade(config, "base")
    assert "screens" not in inspect(engine).get_table_names()
    command.upgrade(config, "head")
    assert is_at_head(engine)


def test_readyz_reports_unmigrated_database(client: TestClient, database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "not migrated"
    command.upgrade(alembic_config(database_url), "head")


def test_wheel_ships_the_migrations_and_the_web_player(tmp_path: Path) -> None:
    names = built_wheel_names(tmp_path)
    assert "signage/migrations/env.py" in names
    shipped = {n for n in names if n.startswith("signage/migrations/versions/")}
    in_repo = {
        f"signage/migrations/versions/{p.name}" for p in (ROOT / "migrations/versions").glob("*.py")
    }
    assert shipped == in_repo
    assert "signage/player_web/index.html" in names
    assert "signage/player_web/sw.js" in names
