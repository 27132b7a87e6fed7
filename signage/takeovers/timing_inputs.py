"""Takeover rows as the schedule engine's values: a schedule of `timing.TAKEOVER_PRIORITY`
whose on-air time is an absolute span, under an id no schedule can have."""

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, or_, select

from signage import timing
from signage.core.roles import OrganisationKind
from signage.schedules.timing_inputs import owner_kinds, timing_target
from signage.takeovers.models import Takeover, TakeoverCreative

PREFIX = "takeover:"
# Takeovers that ended longer ago than this are of no playlist's concern (a body looks back a
# day at most).
KEEP_ENDED = timedelta(days=2)


def schedule_id(takeover_id: str) -> str:
    return PREFIX + takeover_id


def takeover_id_of(schedule_id: str) -> str | None:
    return schedule_id[len(PREFIX) :] if schedule_id.startswith(PREFIX) else None


def timing_takeover(
    takeover: Takeover, creative_ids: list[str], owner_kind: OrganisationKind
) -> timing.Schedule | None:
    """The takeover as a schedule, or None while it may not show (awaiting confirmation)."""
    span = takeover.on_air()
    if span is None:
        return None
    return timing.Schedule(
        id=schedule_id(takeover.id),
        creative_ids=tuple(creative_ids),
        priority=timing.TAKEOVER_PRIORITY,
        target=timing_target(takeover.target, takeover.organisation_id, owner_kind),
        spans=(span,),
    )


def creative_ids_of(session: Session, takeover_ids: Collection[str]) -> dict[str, list[str]]:
    rows = session.execute(
        select_columns(col(TakeoverCreative.takeover_id), col(TakeoverCreative.creative_id))
        .where(col(TakeoverCreative.takeover_id).in_(list(takeover_ids)))
        .order_by(col(TakeoverCreative.takeover_id), col(TakeoverCreative.position))
    )
    result: dict[str, list[str]] = {t: [] for t in takeover_ids}
    for takeover_id, creative_id in rows:
        result[takeover_id].append(creative_id)
    return result


def load_takeovers(
    session: Session, now: datetime, ids: Collection[str] | None = None
) -> list[timing.Schedule]:
    """The takeovers that may show (or showed within the last two days), as schedules: all of
    them, or those of ``ids`` (what a refresh reads again)."""
    query = select(Takeover).where(
        col(Takeover.ends_at) > now - KEEP_ENDED,
        or_(col(Takeover.break_glass).is_(True), col(Takeover.confirmed_at).is_not(None)),
    )
    if ids is not None:
        if not ids:
            return []
        query = query.where(col(Takeover.id).in_(list(ids)))
    rows = list(session.exec(query))
    if not rows:
        return []
    owners = owner_kinds(session)
    links = creative_ids_of(session, [t.id for t in rows])
    found = (
        timing_takeover(t, links[t.id], owners[t.organisation_id])
        for t in rows
        if t.organisation_id in owners
    )
    return [s for s in found if s is not None]
