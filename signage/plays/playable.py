"""Which creatives a screen could have shown: the check that keeps forged plays out of reports.

A screen's token alone would otherwise let it report plays of any creative, another force's
included, and so put its venue into that force's reports. The rule, kept simple and cheap:

- the creative is approved now, or was approved when the play started (its history says so:
  a screen that played it offline may report after the approval was withdrawn); and
- some schedule (or takeover that could show) that targets this screen now lists it, with
  the same targeting the poll uses (a force's schedules reach only its own area).

It does not replay the timeline (windows, dates, priorities): a screen that could show a
creative at all may report it at any hour without harming anyone else's figures. A play of a
schedule since deleted or retargeted is refused. A whole batch costs at most five queries.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, or_, select

from signage import timing
from signage.core.roles import OrganisationKind
from signage.creatives.models import Creative, CreativeAction, CreativeEvent, CreativeStatus
from signage.organisations.models import Organisation
from signage.schedules.models import Schedule, ScheduleCreative
from signage.schedules.timing_inputs import (
    json_text,
    stored_target,
    timing_screen,
    timing_venue,
)
from signage.screens.models import Screen
from signage.takeovers.models import Takeover, TakeoverCreative
from signage.venues.models import Venue

# The events that set a creative's status: approved, or back to pending or rejected.
_STATUS_EVENTS = {
    CreativeAction.uploaded: CreativeStatus.pending,
    CreativeAction.replaced: CreativeStatus.pending,
    CreativeAction.approved: CreativeStatus.approved,
    CreativeAction.rejected: CreativeStatus.rejected,
}


@dataclass
class Playable:
    """For one screen and batch: which creatives it may report, and why not the others."""

    creatives: dict[str, Creative]
    targeted: set[str]
    # Creative id -> (instant, status it took then), oldest first; only for those not
    # approved now.
    history: dict[str, list[tuple[datetime, CreativeStatus]]] = field(default_factory=dict)

    def refusal(self, creative_id: str, started_at: datetime) -> str | None:
        """Why a play of the creative starting then cannot be stored, or None if it can."""
        creative = self.creatives.get(creative_id)
        if creative is None:
            return "unknown creative; it may have been deleted"
        if not self._approved(creative, started_at):
            return f"creative {creative_id} is not approved, so no screen could show it"
        if creative_id not in self.targeted:
            return f"no schedule targets this screen with creative {creative_id}"
        return None

    def _approved(self, creative: Creative, started_at: datetime) -> bool:
        if creative.status == CreativeStatus.approved:
            return True
        status_then = None
        for at, status in self.history.get(creative.id, ()):
            if at > started_at:
                break
            status_then = status
        return status_then == CreativeStatus.approved


def playable_for(session: Session, *, screen: Screen, creatives: dict[str, Creative]) -> Playable:
    """What `screen` may report of `creatives` (the batch's, found by id)."""
    playable = Playable(creatives=creatives, targeted=_targeted(session, screen, creatives))
    unapproved = [c.id for c in creatives.values() if c.status != CreativeStatus.approved]
    if unapproved:
        playable.history = _status_history(session, unapproved)
    return playable


def _targeted(session: Session, screen: Screen, creatives: dict[str, Creative]) -> set[str]:
    if not creatives:
        return set()
    venue = session.get(Venue, screen.venue_id)
    if venue is None:  # pragma: no cover - a foreign key
        return set()
    # Each distinct (owner, target) once, with the batch's creatives it lists: a creative in
    # hundreds of schedules of a few targets is common, and SQLite hands the GIL over for
    # every row fetched, so under load (a reach computing beside it) rows cost far more than
    # their reading.
    rows = list(
        session.execute(
            select_columns(
                col(Schedule.organisation_id),
                json_text(col(Schedule.target)),
                col(ScheduleCreative.creative_id),
            )
            .join(ScheduleCreative, col(ScheduleCreative.schedule_id) == col(Schedule.id))
            .where(col(ScheduleCreative.creative_id).in_(list(creatives)))
            .distinct()
        ).all()
    )
    # A takeover's creatives too, once it could show (confirmed, or started by breaking glass).
    rows += session.execute(
        select_columns(
            col(Takeover.organisation_id),
            json_text(col(Takeover.target)),
            col(TakeoverCreative.creative_id),
        )
        .join(TakeoverCreative, col(TakeoverCreative.takeover_id) == col(Takeover.id))
        .where(
            col(TakeoverCreative.creative_id).in_(list(creatives)),
            or_(col(Takeover.break_glass).is_(True), col(Takeover.confirmed_at).is_not(None)),
        )
        .distinct()
    ).all()
    owners = _owner_kinds(session, {owner_id for owner_id, _, _ in rows})
    view = timing_screen(screen.id, timing_venue(venue), screen.orientation, screen.tags)
    targeted: set[str] = set()
    for owner_id, target, creative_id in rows:
        owner = owners.get(owner_id)
        if owner is None:
            continue  # as in the poll: only forces' and national schedules ever play
        if creative_id in targeted:
            continue  # nothing more to learn from this one
        if timing.targets(stored_target(target, owner_id, owner), view):
            targeted.add(creative_id)
    return targeted


def _owner_kinds(session: Session, ids: Iterable[str]) -> dict[str, OrganisationKind]:
    wanted = list(ids)
    if not wanted:
        return {}
    kinds = (OrganisationKind.national.value, OrganisationKind.force.value)
    rows = session.exec(
        select(col(Organisation.id), col(Organisation.kind)).where(
            col(Organisation.id).in_(wanted), col(Organisation.kind).in_(kinds)
        )
    )
    return {org_id: OrganisationKind(kind) for org_id, kind in rows}


def _status_history(
    session: Session, creative_ids: list[str]
) -> dict[str, list[tuple[datetime, CreativeStatus]]]:
    history: dict[str, list[tuple[datetime, CreativeStatus]]] = defaultdict(list)
    rows = session.exec(
        select(CreativeEvent)
        .where(
            col(CreativeEvent.creative_id).in_(creative_ids),
            col(CreativeEvent.action).in_([a.value for a in _STATUS_EVENTS]),
        )
        .order_by(col(CreativeEvent.at), col(CreativeEvent.id))
    )
    for event in rows:
        history[event.creative_id].append((event.at, _STATUS_EVENTS[CreativeAction(event.action)]))
    return history
