"""A database-wide version of everything a screen's playlist depends on.

Every flush that creates, changes or deletes such an object (a schedule, a creative, a venue,
a screen's name, tags, orientation or token, an organisation) bumps one counter in the same
transaction. Each process compares the counter with the one its compiled playlists were built
from, cheaply and at most every half second, so an edit made through one process or replica is
seen by screens polling any other within a second; the poll itself never writes.

Each change also moves the counter of its part (`Part`: the estate, or the programme), for
readers that depend on one part only, and is written to a change log (`PlaylistChange`: which
kind of row, which id, at which version), so that a process holding the fleet in memory reads
again only the rows that changed since its version, not the whole fleet.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from sqlalchemy import delete, event, func, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Field, SQLModel

from signage.core.notify import announce


class Part(IntEnum):
    """Which part of the playlist inputs a change is in, each with its own counter (the row
    of that id) besides the whole's (row 1): a reader that depends on one part only, such as
    the console's map of the estate, keeps what it built until that part changes."""

    estate = 2  # organisations, venues and screens
    programme = 3  # campaigns, creatives and schedules


WHOLE = 1

# A change as the log holds it: the kind of row (a table's name) and its id.
Change = tuple[str, str]
# The log keeps this many versions: a process further behind than that (down for a long
# while) reads everything again, as it does when it starts.
KEEP_VERSIONS = 20_000
PRUNE_EVERY = 500


@dataclass(frozen=True)
class _Tracking:
    ignore: frozenset[str]
    part: Part
    change: Callable[[Any], Change]


_tracked: dict[type[Any], _Tracking] = {}

# The session flag that says the transaction being committed changed what screens show.
CHANGED = "playlists_changed"


class StateVersion(SQLModel, table=True):
    __tablename__ = "state_version"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0)


class PlaylistChange(SQLModel, table=True):
    """One row changed at one version: what a refresh reads again."""

    __tablename__ = "playlist_change"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(index=True)
    kind: str = Field(max_length=40)
    row_id: str = Field(max_length=36)


def _own_row(instance: Any) -> Change:
    return (instance.__tablename__, str(instance.id))


def track_playlist_inputs(
    model: type[Any],
    *,
    part: Part,
    ignore: frozenset[str] = frozenset(),
    change: Callable[[Any], Change] = _own_row,
) -> None:
    """Changes to ``model`` (except to the ``ignore``d columns) change what screens show;
    ``change`` names the row to read again (by default the instance's own)."""
    _tracked[model] = _Tracking(ignore, part, change)


def _matters(instance: Any, ignore: frozenset[str]) -> bool:
    if not ignore:
        return True
    state = inspect(instance)
    return any(attr.key not in ignore and attr.history.has_changes() for attr in state.attrs)


def _changes(session: OrmSession) -> tuple[set[Part], set[Change]]:
    parts: set[Part] = set()
    changes: set[Change] = set()
    for instance in (*session.new, *session.deleted):
        tracked = _tracked.get(type(instance))
        if tracked is not None:
            parts.add(tracked.part)
            changes.add(tracked.change(instance))
    for instance in session.dirty:
        tracked = _tracked.get(type(instance))
        if tracked is not None and _matters(instance, tracked.ignore):
            parts.add(tracked.part)
            changes.add(tracked.change(instance))
    return parts, changes


@event.listens_for(OrmSession, "before_flush")
def _bump_on_change(session: OrmSession, _flush: UOWTransaction, _instances: Any) -> None:
    parts, changes = _changes(session)
    if parts:
        bump(session.connection(), parts, changes)
        # Read after commit by this process's playlist state(s), so they refresh without waiting.
        # Every listener reads it (none may take it away from the others); it is cleared when
        # the session's next transaction begins.
        session.info[CHANGED] = True


@event.listens_for(OrmSession, "after_begin")
def _forget_committed_change(session: OrmSession, _transaction: Any, _connection: Any) -> None:
    session.info.pop(CHANGED, None)


def bump(connection: Connection, parts: Iterable[Part], changes: Iterable[Change]) -> int:
    """Move the whole's counter and those of the parts changed (in id order, so concurrent
    writers lock the rows in the same order), and log the rows changed at the whole's new
    version; returns that version. Holding the whole's row lock until commit orders the
    versions as the commits: a reader that sees version V has seen every change up to V."""
    table = StateVersion.__table__  # type: ignore[attr-defined]
    version = 0
    for row in sorted({WHOLE, *parts}):
        moved = connection.execute(
            update(table)
            .where(table.c.id == row)
            .values(version=table.c.version + 1)
            .returning(table.c.version)
        ).scalar()
        if moved is None:  # the migrations seed the rows; recreate one gone missing
            connection.execute(insert(table).values(id=row, version=1))
            moved = 1
        if row == WHOLE:
            version = int(moved)
    log = PlaylistChange.__table__  # type: ignore[attr-defined]
    rows = [{"version": version, "kind": kind, "row_id": row_id} for kind, row_id in changes]
    if rows:
        connection.execute(insert(log), rows)
    if version % PRUNE_EVERY == 0:
        connection.execute(delete(log).where(log.c.version <= version - KEEP_VERSIONS))
    announce(connection, version)
    return version


def changes_since(connection: Connection, version: int, upto: int) -> set[Change] | None:
    """The rows changed after ``version`` up to ``upto``, or None when the log no longer
    reaches back that far (then everything must be read again)."""
    log = PlaylistChange.__table__  # type: ignore[attr-defined]
    if upto < version:
        return None  # the counter went back (a restored backup): nothing here can be trusted
    if upto == version:
        return set()
    oldest = connection.execute(select(func.min(log.c.version))).scalar()
    if oldest is None or int(oldest) > version + 1:
        return None
    found = connection.execute(
        select(log.c.kind, log.c.row_id).where(log.c.version > version, log.c.version <= upto)
    )
    return {(kind, row_id) for kind, row_id in found}


def read_version(connection: Connection, part: Part | None = None) -> int:
    """The whole's version, or a part's."""
    table = StateVersion.__table__  # type: ignore[attr-defined]
    row = WHOLE if part is None else int(part)
    value = connection.execute(select(table.c.version).where(table.c.id == row)).scalar()
    return int(value or 0)
