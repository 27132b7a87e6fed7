"""The jobs lease: only the process holding it runs timed jobs.

APScheduler 3 does not coordinate processes, so with several workers or replicas every job
would run once per process. Each process tries to take the lease; the one that gets it runs
the jobs, the others try again every half minute and take over when the holder goes away.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a dedicated
  connection kept open. If the process or its connection dies, PostgreSQL releases the lock.
- SQLite: an exclusive lock on ``<database file>.jobs.lock``, released by the kernel when the
  process exits.
"""

import logging
import threading
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

logger = logging.getLogger("signage.jobs")

# Any fixed number, different from the migration lock's.
JOBS_LOCK_KEY = 0x5167_6E61_6A62


class Lease(Protocol):
    def try_acquire(self) -> bool:
        """Take the lease if free; True if this process holds it afterwards."""

    def check(self) -> bool:
        """Whether this process still holds the lease (it may have been lost)."""

    def release(self) -> None: ...


class PostgresLease:
    def __init__(self, database_url: str, key: int = JOBS_LOCK_KEY) -> None:
        # Its own engine without a pool: the connection is ours alone and closing it ends the
        # session, which releases the lock.
        self._engine = create_engine(database_url, poolclass=NullPool)
        self._key = key
        self._connection: Connection | None = None
        self._guard = threading.Lock()

    def try_acquire(self) -> bool:
        with self._guard:
            if self._connection is not None:
                return self._alive()
            try:
                connection = self._engine.connect()
                connection.execution_options(isolation_level="AUTOCOMMIT")
                got = connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
                ).scalar()
            except SQLAlchemyError:
                logger.warning("could not reach the database to take the jobs lease")
                return False
            if got:
                self._connection = connection
                return True
            connection.close()
            return False

    def _alive(self) -> bool:
        assert self._connection is not None
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            logger.warning("lost the jobs lease: its database connection failed")
            self._drop()
            return False

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except SQLAlchemyError:
                pass
            self._connection = None

    def check(self) -> bool:
        with self._guard:
            return self._connection is not None and self._alive()

    def release(self) -> None:
        with self._guard:
            if self._connection is not None:
                try:
                    self._connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
                    )
                except SQLAlchemyError:
                    pass  # closing the connection releases it anyway
                self._connection.close()
                self._connection = None
        self._engine.dispose()


class FileLease:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(path, timeout=0, thread_local=False)

    def try_acquire(self) -> bool:
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def check(self) -> bool:
        return self._lock.is_locked

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)


class ProcessLease:
    """An in-memory database lives in one process; that process always holds the lease."""

    def __init__(self) -> None:
        self._held = False

    def try_acquire(self) -> bool:
        self._held = True
        return True

    def check(self) -> bool:
        return self._held

    def release(self) -> None:
        self._held = False


def lease_for(database_url: str) -> Lease:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            return ProcessLease()
        return FileLease(Path(f"{database}.jobs.lock"))
    return PostgresLease(database_url)
