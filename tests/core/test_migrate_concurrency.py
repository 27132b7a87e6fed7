"""Replicas starting together all migrate without tripping over each other."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import inspect

from signage.core.db import create_db_engine
from signage.core.migrate import is_at_head, upgrade_to_head


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


def test_concurrent_migrations_on_postgresql(fresh_pg_database: str) -> None:
    _migrate_concurrently(fresh_pg_database)
    engine = create_db_engine(fresh_pg_database)
    assert is_at_head(engine)
    engine.dispose()
