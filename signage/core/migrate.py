"""Alembic, driven from code so `signage migrate` works from any directory and any install.

The migration scripts live in the repository's top-level ``migrations/`` and are shipped inside
the wheel as ``signage/migrations`` (see pyproject.toml), so both layouts are looked for.
"""

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from signage.core.db import create_db_engine

_PACKAGE = Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    for candidate in (_PACKAGE / "migrations", _PACKAGE.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise RuntimeError("the signage migrations are missing from this installation")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s",
    )
    # Percent signs in passwords would otherwise be read as interpolation.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


# Any fixed number: the PostgreSQL advisory lock that serialises replicas migrating at once.
_MIGRATION_LOCK_KEY = 0x5167_6E61_6765


def upgrade_to_head(database_url: str) -> None:
    """Migrate to the latest revision; safe when several processes start at the same moment."""
    url = make_url(database_url)
    config = alembic_config(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            command.upgrade(config, "head")
            return
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{database}.migrate.lock", timeout=120):
            command.upgrade(config, "head")
        return
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as connection:
            # Held until this transaction ends: the second replica waits, then finds nothing to do.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def new_revision(database_url: str, message: str) -> None:
    """Write a migration for whatever the models have that the (migrated) database lacks."""
    upgrade_to_head(database_url)
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return frozenset(script.get_heads())


def is_at_head(engine: Engine) -> bool:
    with engine.connect() as connection:
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
    return current == head_revisions()
