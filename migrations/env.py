"""Alembic environment: runs against the URL the caller configured, or the settings' one."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import signage.tables  # noqa: F401  (registers every table on the metadata)
from signage.core.config import get_settings
from signage.core.db import create_db_engine

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    configured = config.get_main_option("sqlalchemy.url")
    return configured or get_settings().effective_database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _configure(connectable)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_db_engine(_url())
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
