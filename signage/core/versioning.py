"""A database-wide version of everything a screen's playlist depends on.

Every flush that creates, changes or deletes such an object (a schedule, a creative, a venue,
a screen's name, tags, orientation or token, an organisation) bumps one counter in the same
transaction. Each process compares the counter with the one its compiled playlists were built
from, cheaply and at most every half second, so an edit made through one process or replica is
seen by screens polling any other within a second; the poll itself never writes.

Each change also moves the counter of its part (`Part`: the estate, or the programme), for
readers that depend on one part only.
"""

from collections.abc import Iterable
from enum import IntEnum
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Field, SQLModel


class Part(IntEnum):
    """Which part of the playlist inputs a change is in, each with its own counter (the row
    of that id) besides the whole's (row 1): a reader that depends on one part only, such as
    the console's map of the estate, keeps what it built until that part changes."""

    estate = 2  # organisations, venues and screens
    programme = 3  # campaigns, creatives and schedules


WHOLE = 1
_tracked: dict[type[Any], tuple[frozenset[str], Part]] = {}

# The session flag that says the transaction being committed changed what screens show.
CHANGED = "playlists_changed"


class StateVersion(SQLModel, table=True):
    __tablename__ = "state_version"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0)


def track_playlist_inputs(
    model: type[Any], *, part: Part, ignore: frozenset[str] = frozenset()
) -> None:
    """Changes to ``model`` (except to the ``ignore``d columns) change what screens show."""
    _tracked[model] = (ignore, part)


def _matters(instance: Any, ignore: frozenset[str]) -> bool:
    if not ignore:
        return True
    state = inspect(instance)
    return any(attr.key not in ignore and attr.history.has_changes() for attr in state.attrs)


def _parts_changed(session: OrmSession) -> set[Part]:
    parts: set[Part] = set()
    for instance in (*session.new, *session.deleted):
        tracked = _tracked.get(type(instance))
        if tracked is not None:
            parts.add(tracked[1])
    for instance in session.dirty:
        tracked = _tracked.get(type(instance))
        if tracked is not None and tracked[1] not in parts and _matters(instance, tracked[0]):
            parts.add(tracked[1])
    return parts


@event.listens_for(OrmSession, "before_flush")
def _bump_on_change(session: OrmSession, _flush: UOWTransaction, _instances: Any) -> None:
    parts = _parts_changed(session)
    if parts:
        bump(session.connection(), parts)
        # Read after commit by this process's playlist state(s), so they refresh without waiting.
        # Every listener reads it (none may take it away from the others); it is cleared when
        # the session's next transaction begins.
        session.info[CHANGED] = True


@event.listens_for(OrmSession, "after_begin")
def _forget_committed_change(session: OrmSession, _transaction: Any, _connection: Any) -> None:
    session.info.pop(CHANGED, None)


def bump(connection: Connection, parts: Iterable[Part]) -> None:
    """Move the whole's counter and those of the parts changed (in id order, so concurrent
    writers lock the rows in the same order)."""
    table = StateVersion.__table__  # type: ignore[attr-defined]
    for row in sorted({WHOLE, *parts}):
        bumped = connection.execute(
            update(table).where(table.c.id == row).values(version=table.c.version + 1)
        )
        if bumped.rowcount == 0:  # the migrations seed the rows; recreate one gone missing
            connection.execute(insert(table).values(id=row, version=1))


def read_version(connection: Connection, part: Part | None = None) -> int:
    """The whole's version, or a part's."""
    table = StateVersion.__table__  # type: ignore[attr-defined]
    row = WHOLE if part is None else int(part)
    value = connection.execute(select(table.c.version).where(table.c.id == row)).scalar()
    return int(value or 0)
