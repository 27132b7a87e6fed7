"""Engine and sessions for SQLite (embedded default) and PostgreSQL (scale-out), one code path."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the poll read while a writer commits; busy_timeout waits instead of failing with
    # "database is locked"; SQLite leaves foreign keys off unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # A transaction that reads and then writes would otherwise fail at once with "database is
    # locked" (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not wait out) when another writer
    # committed in between. Taking the write lock up front makes such transactions queue.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_db_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None stops pysqlite beginning transactions on its own, so the
        # "begin" hook below decides how they begin (SQLAlchemy's documented pysqlite recipe).
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "isolation_level": None}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits when the block ends cleanly, rolls back otherwise.

    Services never commit; the request (or job) that owns the session does, here.
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
