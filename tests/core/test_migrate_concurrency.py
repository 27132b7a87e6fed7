"""Replicas starting together all migrate without tripping over each other."""

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import inspect

from signage.core.db import create_db_engine
from signage.core.migrate import is_at_head, upgrade_to_head
from tests.conftest import PG_ADMIN_DSN


def _migrate_concurrently(url: str, times: int = 4) -> None:
    with ThreadPoolExecutor(max_workers=times) as pool:
        for future in [pool.submit(upgrade_to_head, url) for _ in range(times)]:
            future.result()


def test_concurrent_migrations_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    _migrate_concurrently(url)
    engine = create_db_engine(url)
    assert is_at_head(engine)
    assert "screens" in inspect(engine).get_table_names()
    engine.dispose()


@pytest.fixture
def empty_pg_database() -> Iterator[str]:
    name = f"signage_migrate_race_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_concurrent_migrations_on_postgresql(empty_pg_database: str) -> None:
    _migrate_concurrently(empty_pg_database)
    engine = create_db_engine(empty_pg_database)
    assert is_at_head(engine)
    engine.dispose()
