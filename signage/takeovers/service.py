"""Takeovers: created, confirmed by a second approver, ended; every step in the audit log."""

from datetime import datetime
from typing import Any

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from signage import timing
from signage.audit.service import record
from signage.core.errors import Conflict, Forbidden, Invalid
from signage.core.roles import OrganisationKind, Role
from signage.core.tenancy import Caller, get_scoped, scoped_select, visible
from signage.core.types import utcnow
from signage.creatives.models import Creative, CreativeStatus
from signage.organisations.models import Organisation
from signage.schedules.models import TargetIn
from signage.schedules.service import check_reach
from signage.schedules.timing_inputs import load_screens, screen_tags, tags_of, timing_target
from signage.screens.models import Screen
from signage.takeovers.models import (
    CONFIRM_WITHIN,
    MAX_DURATION,
    MAX_LEAD,
    PAST_START_GRACE,
    EndReason,
    Takeover,
    TakeoverCreate,
    TakeoverCreative,
    TakeoverPublic,
    TakeoverScreen,
    TakeoverState,
)
from signage.takeovers.timing_inputs import creative_ids_of
from signage.venues.models import Venue

TAKES_OVER = frozenset({Role.editor, Role.approver})
KIND = "takeover"


def _require_taker(caller: Caller) -> None:
    if caller.organisation_kind is OrganisationKind.partner:
        raise Forbidden("venue partners cannot take over screens")
    if caller.role not in TAKES_OVER:
        raise Forbidden("only editors and approvers of a police organisation take over screens")


def _check_creatives(
    session: Session, caller: Caller, creative_ids: list[str], starts: datetime, ends: datetime
) -> None:
    rows = {
        c.id: c
        for c in session.exec(
            select(Creative).where(visible(caller, Creative), col(Creative.id).in_(creative_ids))
        )
    }
    for creative_id in creative_ids:
        creative = rows.get(creative_id)
        if creative is None:
            raise Invalid(f"creative_ids: {creative_id} is not a creative you can use")
        if creative.status != CreativeStatus.approved:
            raise Invalid(
                f"creative_ids: {creative.name} is {creative.status}; a takeover shows only "
                "approved creatives"
            )
        # A creative outside its own validity shows nothing: say so rather than take over
        # the screens with a blank.
        if creative.valid_until is not None and creative.valid_until <= starts:
            raise Invalid(f"creative_ids: {creative.name} is no longer valid by the start")
        if creative.valid_from is not None and creative.valid_from >= ends:
            raise Invalid(f"creative_ids: {creative.name} is not valid before the end")


def _times(data: TakeoverCreate, now: datetime) -> tuple[datetime, datetime]:
    if data.break_glass and data.starts_at is not None and data.starts_at > now:
        raise Invalid("starts_at: break glass starts at once; leave starts_at out")
    starts = data.starts_at or now
    if starts < now - PAST_START_GRACE:
        raise Invalid("starts_at: is in the past")
    starts = max(starts, now) if data.break_glass else starts
    if starts > now + MAX_LEAD:
        raise Invalid("starts_at: a takeover may be prepared at most 7 days ahead")
    ends = data.ends_at
    if ends <= starts:
        raise Invalid("ends_at: must be after starts_at")
    if ends - starts > MAX_DURATION:
        raise Invalid("ends_at: a takeover lasts at most 12 hours")
    return starts, ends


def _set_creatives(session: Session, takeover: Takeover, creative_ids: list[str]) -> None:
    for position, creative_id in enumerate(creative_ids):
        session.add(
            TakeoverCreative(takeover_id=takeover.id, position=position, creative_id=creative_id)
        )


def _engine_target(session: Session, takeover: Takeover) -> timing.Target | None:
    """The takeover's target as the engine reads it (a force's narrowed to its own area), or
    None when its organisation is gone."""
    owner = session.get(Organisation, takeover.organisation_id)
    if owner is None:
        return None
    kind = OrganisationKind(owner.kind)
    return timing_target(takeover.target, takeover.organisation_id, kind)


def targeted_screens(session: Session, takeover: Takeover) -> list[TakeoverScreen]:
    """The live screens the takeover's target reaches now, by id."""
    target = _engine_target(session, takeover)
    return [] if target is None else _reached(session, target)


def screen_count(session: Session, takeover: Takeover) -> int:
    """How many live screens the target reaches now: what `targeted_screens` lists, counted
    in the database (only tags, JSON, are checked here), for lists of many takeovers."""
    target = _engine_target(session, takeover)
    if target is None:
        return 0
    query = (
        select_columns(screen_tags())
        .select_from(Screen)
        .join(Venue, col(Venue.id) == col(Screen.venue_id))
        .where(col(Screen.revoked_at).is_(None), col(Venue.deleted_at).is_(None))
    )
    for values, column in (
        (target.force_ids, col(Venue.force_id)),
        (target.venue_kinds, col(Venue.kind)),
        (target.venue_ids, col(Venue.id)),
        (target.screen_ids, col(Screen.id)),
    ):
        if values:
            query = query.where(column.in_(sorted(values)))
    rows = session.execute(query).scalars()
    if not target.tags:
        return sum(1 for _ in rows)
    return sum(1 for tags in rows if not target.tags.isdisjoint(tags_of(tags)))


def _reached(session: Session, target: timing.Target) -> list[TakeoverScreen]:
    # The venues first, narrowed in SQL by what the target names; then each screen checked
    # with the engine's own rule, so this is the set the playlists are compiled for.
    venues = select(Venue.id).where(col(Venue.deleted_at).is_(None))
    if target.force_ids:
        venues = venues.where(col(Venue.force_id).in_(sorted(target.force_ids)))
    if target.venue_kinds:
        venues = venues.where(col(Venue.kind).in_(sorted(target.venue_kinds)))
    if target.venue_ids:
        venues = venues.where(col(Venue.id).in_(sorted(target.venue_ids)))
    venue_ids = list(session.exec(venues))
    if not venue_ids:
        return []
    screens = load_screens(session, venue_ids=venue_ids)
    return [
        TakeoverScreen(id=s.id, name=s.name, venue_id=s.venue_id)
        for s in screens
        if timing.targets(target, s.timing)
    ]


def create_for(session: Session, *, caller: Caller, data: TakeoverCreate) -> Takeover:
    _require_taker(caller)
    now = utcnow()
    starts, ends = _times(data, now)
    _check_creatives(session, caller, data.creative_ids, starts, ends)
    check_reach(session, caller=caller, target=data.target)
    takeover = Takeover(
        organisation_id=caller.organisation_id,
        reason=data.reason,
        target=data.target.model_dump(mode="json"),
        starts_at=starts,
        ends_at=ends,
        break_glass=data.break_glass,
        confirm_by=now + CONFIRM_WITHIN if data.break_glass else None,
        created_by=caller.user_id,
    )
    if not targeted_screens(session, takeover):
        raise Invalid("target: reaches no screens")
    session.add(takeover)
    session.flush()
    _set_creatives(session, takeover, data.creative_ids)
    detail: dict[str, Any] = {
        "reason": takeover.reason,
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "creative_ids": data.creative_ids,
        "target": takeover.target,
    }
    if data.break_glass:
        detail["confirm_by"] = takeover.confirm_by.isoformat() if takeover.confirm_by else None
    action = "takeover.break_glass" if data.break_glass else "takeover.created"
    _audit(session, caller, takeover, action, detail)
    session.flush()
    return takeover


def _audit(
    session: Session,
    caller: Caller | None,
    takeover: Takeover,
    action: str,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    record(
        session,
        caller=caller,
        action=action,
        object_kind=KIND,
        object_id=takeover.id,
        organisation_id=takeover.organisation_id,
        detail=detail,
        at=at,
    )


def get_for(session: Session, *, caller: Caller, takeover_id: str, write: bool = False) -> Takeover:
    return get_scoped(session, caller, Takeover, takeover_id, write=write, what="takeover")


def list_for(session: Session, *, caller: Caller, limit: int = 200) -> list[Takeover]:
    query = scoped_select(caller, Takeover).order_by(
        col(Takeover.created_at).desc(), col(Takeover.id)
    )
    return list(session.exec(query.limit(limit)))


def confirm_for(session: Session, *, caller: Caller, takeover_id: str) -> Takeover:
    """The second person's yes: an approver of the organisation, never the creator."""
    if caller.organisation_kind is OrganisationKind.partner:
        raise Forbidden("venue partners cannot confirm takeovers")
    takeover = get_for(session, caller=caller, takeover_id=takeover_id, write=True)
    if caller.role is not Role.approver:
        raise Forbidden("only an approver confirms a takeover")
    if caller.user_id == takeover.created_by:
        raise Forbidden("a takeover needs a second person: its creator cannot confirm it")
    now = utcnow()
    if takeover.confirmed:
        raise Conflict("this takeover is already confirmed")
    if takeover.state_at(now) is TakeoverState.ended:
        raise Conflict("this takeover has ended; create a new one")
    takeover.confirmed_by = caller.user_id
    takeover.confirmed_at = now
    session.add(takeover)
    _audit(session, caller, takeover, "takeover.confirmed")
    session.flush()
    return takeover


def end_for(
    session: Session, *, caller: Caller, takeover_id: str, reason: str | None = None
) -> Takeover:
    _require_taker(caller)
    takeover = get_for(session, caller=caller, takeover_id=takeover_id, write=True)
    now = utcnow()
    if takeover.state_at(now) is TakeoverState.ended:
        raise Conflict("this takeover has already ended")
    takeover.ended_by = caller.user_id
    takeover.ended_at = now
    takeover.end_recorded = True
    session.add(takeover)
    detail = {"reason": " ".join(reason.split())} if reason and reason.strip() else None
    _audit(session, caller, takeover, "takeover.ended", detail)
    session.flush()
    return takeover


def record_ends(session: Session, now: datetime) -> int:
    """Write into the audit log the takeovers that ended by themselves (at their end, or
    unconfirmed), once each; returns how many."""
    due = session.exec(
        select(Takeover).where(
            col(Takeover.end_recorded).is_(False),
            col(Takeover.ends_at) <= now + MAX_DURATION,  # could have ended by now
        )
    )
    done = 0
    for takeover in due:
        end, why = takeover.end_at()
        if end > now:
            continue
        action = "takeover.not_confirmed" if why is EndReason.not_confirmed else "takeover.expired"
        _audit(session, None, takeover, action, {"ended_at": end.isoformat()}, at=end)
        takeover.end_recorded = True
        session.add(takeover)
        done += 1
    session.flush()
    return done


def to_public(
    session: Session,
    takeover: Takeover,
    *,
    creative_ids: list[str] | None = None,
    screens: list[TakeoverScreen] | None = None,
    count: int | None = None,
    now: datetime | None = None,
) -> TakeoverPublic:
    if creative_ids is None:
        creative_ids = creative_ids_of(session, [takeover.id])[takeover.id]
    ending, why = takeover.end_at()
    state = takeover.state_at(now or utcnow())
    return TakeoverPublic(
        id=takeover.id,
        organisation_id=takeover.organisation_id,
        state=state,
        reason=takeover.reason,
        creative_ids=creative_ids,
        target=TargetIn.model_validate(takeover.target),
        starts_at=takeover.starts_at,
        ends_at=takeover.ends_at,
        break_glass=takeover.break_glass,
        confirm_by=takeover.confirm_by,
        created_by=takeover.created_by,
        created_at=takeover.created_at,
        confirmed_by=takeover.confirmed_by,
        confirmed_at=takeover.confirmed_at,
        ended_by=takeover.ended_by,
        ended_at=takeover.ended_at,
        ending_at=ending,
        end_reason=why if state is TakeoverState.ended else None,
        screen_count=len(screens) if screens is not None else count,
        screens=screens,
    )
