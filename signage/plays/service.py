"""Recording the plays screens report: checked one by one, stored once however often sent."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from signage.core.errors import Problem
from signage.core.schemas import is_storable
from signage.creatives.models import Creative
from signage.plays import tally
from signage.plays.models import Play, PlayBatchResult, RejectedPlay
from signage.plays.playable import playable_for
from signage.plays.records import (
    MAX_PLAYS_PER_BATCH,
    BadRecord,
    PlayRecord,
    check_record,
    sent_id_of,
)
from signage.screens.models import Screen
from signage.venues.models import Venue

# Rows per INSERT: 10 columns each stays well inside SQLite's and PostgreSQL's parameter limits.
_INSERT_CHUNK = 500


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert the rows whose id is new; returns those ids. A unique key, not a prior read,
    decides, so two copies of a batch racing each other still store each play once."""
    table = Play.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    inserted: set[str] = set()
    for start in range(0, len(rows), _INSERT_CHUNK):
        chunk = rows[start : start + _INSERT_CHUNK]
        statement: Insert
        if dialect == "postgresql":
            statement = postgresql.insert(table).values(chunk).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(table).values(chunk).on_conflict_do_nothing()
        else:  # pragma: no cover - only the two supported databases
            raise RuntimeError(f"unsupported database {dialect}")
        result = session.execute(statement.returning(table.c.id))
        inserted.update(str(row[0]) for row in result)
    return inserted


def _creatives(session: Session, ids: set[str]) -> dict[str, Creative]:
    wanted = [i for i in ids if len(i) <= 36 and is_storable(i)]
    if not wanted:
        return {}
    found = session.exec(select(Creative).where(col(Creative.id).in_(wanted)))
    return {c.id: c for c in found}


def record_plays(
    session: Session,
    *,
    screen: Screen,
    plays: Sequence[Any],
    now: datetime,
    retention_days: int,
) -> PlayBatchResult:
    """Store a screen's batch of plays. Each record is accepted, a duplicate (its id was stored
    before, or earlier in this batch) or rejected with a reason, independently of the others:
    a play of a creative the screen could not have shown is rejected (`signage.plays.playable`).
    """
    if len(plays) > MAX_PLAYS_PER_BATCH:
        raise Problem(
            f"a batch holds at most {MAX_PLAYS_PER_BATCH} plays; this one has {len(plays)}. "
            "Send them in several batches",
            status=413,
            max_plays=MAX_PLAYS_PER_BATCH,
        )
    oldest = now - timedelta(days=retention_days)
    rejected: list[RejectedPlay] = []
    checked: list[tuple[int, PlayRecord]] = []
    for index, raw in enumerate(plays):
        try:
            checked.append((index, check_record(raw, now=now, oldest=oldest)))
        except BadRecord as exc:
            rejected.append(RejectedPlay(id=sent_id_of(raw), reason=str(exc), index=index))
    creatives = _creatives(session, {record.creative_id for _, record in checked})
    playable = playable_for(session, screen=screen, creatives=creatives)

    rows: list[dict[str, Any]] = []
    in_batch: set[str] = set()
    repeated: list[PlayRecord] = []
    stored: list[PlayRecord] = []
    for index, record in checked:
        reason = playable.refusal(record.creative_id, record.started_at)
        if reason is not None:
            rejected.append(RejectedPlay(id=record.sent_id, reason=reason, index=index))
            continue
        creative = creatives[record.creative_id]
        if record.id in in_batch:
            repeated.append(record)
            continue
        in_batch.add(record.id)
        stored.append(record)
        rows.append(
            {
                "id": record.id,
                "screen_id": screen.id,
                "venue_id": screen.venue_id,
                "organisation_id": creative.organisation_id,
                "campaign_id": creative.campaign_id,
                "creative_id": creative.id,
                "creative_name": creative.name,
                "started_at": record.started_at,
                "duration_ms": record.duration_ms,
                "received_at": now,
            }
        )
    new_ids: set[str] = set()
    if rows:
        tally.hold_for_recording(session)
        new_ids = _insert_ignoring_duplicates(session, rows)
        venue = session.get_one(Venue, screen.venue_id)
        tally.add_plays(session, (row for row in rows if row["id"] in new_ids), venue=venue)
    accepted = [r.sent_id for r in stored if r.id in new_ids]
    duplicates = [r.sent_id for r in stored if r.id not in new_ids]
    duplicates.extend(r.sent_id for r in repeated)
    rejected.sort(key=lambda r: r.index)
    return PlayBatchResult(accepted=accepted, duplicates=duplicates, rejected=rejected)
