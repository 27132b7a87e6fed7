"""A database-wide version of everything a screen's playlist depends on.

Every flush that creates, changes or deletes such an object (a schedule, a creative, a venue,
a screen's name, tags, orientation or token, an organisation) bumps one counter in the same
transaction. Each process compares the counter with the one its compiled playlists were built
from, cheaply and at most every half second, so an edit made through one process or replica is
seen by screens polling any other within a second; the poll itself never writes.
"""

from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Field, SQLModel

_tracked: dict[type[Any], frozenset[str]] = {}

# The session flag that says the transaction being committed changed what screens show.
CHANGED = "playlists_changed"


class StateVersion(SQLModel, table=True):
    __tablename__ = "state_version"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0)


def track_playlist_inputs(model: type[Any], *, ignore: frozenset[str] = frozenset()) -> None:
    """Changes to ``model`` (except to the ``ignore``d columns) change what screens show."""
    _tracked[model] = ignore


def _matters(instance: Any, ignore: frozenset[str]) -> bool:
    if not ignore:
        return True
    state = inspect(instance)
    return any(attr.key not in ignore and attr.history.has_changes() for attr in state.attrs)


def _changes_playlists(session: OrmSession) -> bool:
    for instance in (*session.new, *session.deleted):
        if type(instance) in _tracked:
            return True
    for instance in session.dirty:
        ignore = _tracked.get(type(instance))
        if ignore is not None and _matters(instance, ignore):
            return True
    return False


@event.listens_for(OrmSession, "before_flush")
def _bump_on_change(session: OrmSession, _flush: UOWTransaction, _instances: Any) -> None:
    if _changes_playlists(session):
        bump(session.connection())
        # Read after commit by this process's playlist state(s), so they refresh without waiting.
        # Every listener reads it (none may take it away from the others); it is cleared when
        # the session's next transaction begins.
        session.info[CHANGED] = True


@event.listens_for(OrmSession, "after_begin")
def _forget_committed_change(session: OrmSession, _transaction: Any, _connection: Any) -> None:
    session.info.pop(CHANGED, None)


def bump(connection: Connection) -> None:
    table = StateVersion.__table__  # type: ignore[attr-defined]
    bumped = connection.execute(
        update(table).where(table.c.id == 1).values(version=table.c.version + 1)
    )
    if bumped.rowcount == 0:  # the migration seeds the row; recreate it if it went missing
        connection.execute(insert(table).values(id=1, version=1))


def read_version(connection: Connection) -> int:
    table = StateVersion.__table__  # type: ignore[attr-defined]
    value = connection.execute(select(table.c.version).where(table.c.id == 1)).scalar()
    return int(value or 0)
