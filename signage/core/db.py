"""Engine and sessions for SQLite (embedded default) and PostgreSQL (scale-out), one code path."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the poll read while a writer commits; busy_timeout waits instead of failing with
    # "database is locked"; SQLite leaves foreign keys off unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Execution option that marks a connection as the start of a unit of work that writes.
WRITES = "signage_writes"

# How long a SQLite writer waits for the lock, and a PostgreSQL request for a pooled
# connection, before giving up with a 503 (never a 500, never an unbounded wait).
LOCK_WAIT_SECONDS = 5


def _begin(connection: Any) -> None:
    # Reads begin deferred: they never take SQLite's write lock, so a long read (a reach report,
    # a calendar) or a slow client never holds up a writer or the poll. A unit of work that
    # writes begins IMMEDIATE: one that read and then wrote would otherwise fail at once with
    # "database is locked" (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not wait out) when
    # another writer committed in between; taking the lock up front makes writers queue.
    if connection.get_execution_options().get(WRITES):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


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
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=LOCK_WAIT_SECONDS,
        connect_args={
            # A database that is down or unreachable fails fast instead of hanging a request;
            # a statement or an idle transaction that runs away is ended by the server.
            "connect_timeout": 5,
            "options": "-c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000",
        },
    )


_writers: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def writer(engine: Engine) -> Engine:
    """The same engine (same pool), whose transactions are units of work that write."""
    found = _writers.get(engine)
    if found is None:
        found = _writers[engine] = engine.execution_options(**{WRITES: True})
    return found


def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commits when the block ends cleanly, rolls back otherwise.

    Services never commit; the request (or job) that owns the session does, here. A session
    with ``write=False`` only reads (on SQLite it never takes the write lock).
    """
    with Session(writer(engine) if write else engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A short read-only session, closed (and its connection returned) when the block ends."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
