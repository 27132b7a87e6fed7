"""Nightly totals per creative and kind of venue, force and owner (`PlayTally`), kept as
plays are recorded.

Recording a batch adds its new plays to their nights' totals in the same transaction, so the
totals are never behind the plays. The nightly rollup recomputes the same totals from the raw
plays, which also counts plays stored by other means (the demo's history, a restore); on
PostgreSQL the two take one advisory lock, shared by recorders and exclusive for the rollup,
so a recomputation never reads the plays of a batch whose additions it then overwrites.
SQLite runs one writing transaction at a time, which gives the same order by itself.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Insert, delete, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from signage.plays.models import PlayTally
from signage.plays.nights import night_of
from signage.venues.models import Venue

# pg_advisory_xact_lock keys are one bigint; this one is "play" in ASCII.
_LOCK_KEY = 0x706C6179

_TABLE = PlayTally.__table__  # type: ignore[attr-defined]


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def hold_for_recording(session: Session) -> None:
    """Before a batch of plays is written: recorders run side by side, never during a rollup."""
    if _is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": _LOCK_KEY})


def hold_for_rollup(session: Session) -> None:
    """Before totals are recomputed: waits for the batches being recorded to commit."""
    if _is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


Key = tuple[date, str, str, str, str]  # night, creative, venue kind, force, venue owner
_KEY = ("night", "creative_id", "venue_kind", "force_id", "venue_owner_id")
# Venues read per statement when the rollup looks up where its plays were.
_VENUE_CHUNK = 500


def _entry(key: Key, owner: str, campaign: str, name: str) -> dict[str, Any]:
    return {
        **dict(zip(_KEY, key, strict=True)),
        "organisation_id": owner,
        "campaign_id": campaign,
        "creative_name": name,
        "plays": 0,
        "duration_ms": 0,
    }


def add_plays(session: Session, plays: Iterable[Mapping[str, Any]], *, venue: Venue) -> int:
    """Add recorded plays (rows of `plays`, all in this venue) to their nights' totals; returns
    how many totals changed."""
    totals: dict[Key, dict[str, Any]] = {}
    for play in plays:
        key = (
            night_of(play["started_at"], venue.timezone),
            play["creative_id"],
            str(venue.kind),
            venue.force_id,
            venue.organisation_id,
        )
        entry = totals.get(key)
        if entry is None:
            entry = totals[key] = _entry(
                key, play["organisation_id"], play["campaign_id"], play["creative_name"]
            )
        entry["plays"] += 1
        entry["duration_ms"] += int(play["duration_ms"])
    if not totals:
        return 0
    # In key order, so two batches adding to the same totals lock them in the same order.
    values = [totals[key] for key in sorted(totals)]
    statement: Insert
    if _is_postgresql(session):
        pg = postgresql.insert(_TABLE).values(values)
        statement = pg.on_conflict_do_update(index_elements=list(_KEY), set_=_added(pg.excluded))
    else:
        lite = sqlite.insert(_TABLE).values(values)
        statement = lite.on_conflict_do_update(
            index_elements=list(_KEY), set_=_added(lite.excluded)
        )
    session.execute(statement)
    return len(values)


def _added(excluded: Any) -> dict[str, Any]:
    return {
        "plays": _TABLE.c.plays + excluded.plays,
        "duration_ms": _TABLE.c.duration_ms + excluded.duration_ms,
        "creative_name": excluded.creative_name,  # the name it last played under
    }


def _where(session: Session, venue_ids: set[str]) -> dict[str, tuple[str, str, str]]:
    """(kind, force, owner) of each venue, deleted ones too."""
    ids = sorted(venue_ids)
    found: dict[str, tuple[str, str, str]] = {}
    for start in range(0, len(ids), _VENUE_CHUNK):
        rows = session.execute(
            select(
                col(Venue.id), col(Venue.kind), col(Venue.force_id), col(Venue.organisation_id)
            ).where(col(Venue.id).in_(ids[start : start + _VENUE_CHUNK]))
        )
        found.update(
            {str(v): (str(kind), str(force), str(owner)) for v, kind, force, owner in rows}
        )
    return found


def recompute(
    session: Session, *, nights: set[date], totals: Mapping[tuple[Any, ...], Sequence[Any]]
) -> int:
    """Replace the totals of `nights` with the rollup's sums of raw plays, which are keyed
    (night, screen, creative, venue, owner, campaign) and hold [plays, ms, creative name];
    returns how many rows the nights now have. The caller holds `hold_for_rollup`."""
    where = _where(session, {key[3] for key in totals if key[0] in nights})
    tallied: dict[Key, dict[str, Any]] = {}
    for (night, _screen, creative_id, venue_id, owner, campaign), (
        count,
        ms,
        name,
    ) in totals.items():
        if night not in nights:
            continue
        kind, force, venue_owner = where[venue_id]
        key = (night, creative_id, kind, force, venue_owner)
        entry = tallied.get(key)
        if entry is None:
            entry = tallied[key] = _entry(key, owner, campaign, name)
        entry["plays"] += count
        entry["duration_ms"] += ms
    session.execute(delete(_TABLE).where(_TABLE.c.night.in_(nights)))
    if tallied:
        session.execute(insert(_TABLE), list(tallied.values()))
    return len(tallied)
