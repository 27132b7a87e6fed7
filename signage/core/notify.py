"""Edits announced to every replica at once, through PostgreSQL's LISTEN/NOTIFY.

A transaction that moves the playlist version also sends `NOTIFY signage_playlists, '<version>'`;
PostgreSQL delivers it to every listening connection when (and only if) the transaction commits.
Each process keeps one connection listening, on a thread of its own, and starts its refresh the
moment a notification arrives: an edit through one replica reaches screens polling another in
the time a refresh takes, and no process needs to ask the database every half second. The
version check stays as the fallback (a listener that lost its connection, SQLite).
"""

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine, func
from sqlalchemy import select as select_columns
from sqlalchemy.engine import Connection

CHANNEL = "signage_playlists"
RECONNECT_AFTER_SECONDS = (0.5, 1.0, 2.0, 5.0)
PROBE_EVERY_QUIET_SECONDS = 10
# How the listening connections show in pg_stat_activity.
APPLICATION_NAME = "signage-listener"

logger = logging.getLogger("signage.core.notify")


def announce(connection: Connection, version: int) -> None:
    """Tell every listening process, at commit, that the playlist version is ``version``."""
    if connection.dialect.name == "postgresql":
        connection.execute(select_columns(func.pg_notify(CHANNEL, str(version))))


def libpq_url(engine: Engine) -> str:
    """The engine's database as a libpq URL (without SQLAlchemy's driver name)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeListener:
    """Calls ``on_change`` (from its own thread) for every notification, and once after each
    (re)connection, since notifications sent while it was away are lost."""

    def __init__(self, url: str, on_change: Callable[[], None]) -> None:
        self._url = url
        self._on_change = on_change
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._run, name="playlists-listen", daemon=True)

    @property
    def listening(self) -> bool:
        return self._connected.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def wait_listening(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
                failures = 0
            except Exception as exc:  # the database went away: try again, the check covers
                if failures == 0:
                    logger.warning("not listening for edits (%s); will reconnect", exc)
                delay = RECONNECT_AFTER_SECONDS[min(failures, len(RECONNECT_AFTER_SECONDS) - 1)]
                failures += 1
                self._stop.wait(delay)
            finally:
                self._connected.clear()

    def _listen(self) -> None:
        # TCP keepalives and a user timeout: a database that stops answering (not one that
        # closes) is noticed within seconds, not after the kernel's two hours.
        with psycopg.connect(
            self._url,
            autocommit=True,
            connect_timeout=5,
            application_name=APPLICATION_NAME,
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=2,
            tcp_user_timeout=5000,
        ) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self._connected.set()
            self._on_change()  # whatever was announced while this was not listening
            quiet = 0
            while not self._stop.is_set():
                # Wait at most a second (so that stop() is honoured), answering the first
                # notification at once; those that came with it are one refresh.
                if any(True for _ in connection.notifies(timeout=1.0, stop_after=1)):
                    self._on_change()
                    continue
                quiet += 1
                if quiet % PROBE_EVERY_QUIET_SECONDS == 0:
                    connection.execute("SELECT 1")  # still there?
