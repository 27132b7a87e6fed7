"""Four-eyes approval: an approver of the owning organisation decides on a creative whose
current file someone else uploaded. Every decision is kept in the creative's history."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from signage.audit.service import record as audit
from signage.campaigns.models import Campaign
from signage.core.errors import Conflict, Forbidden
from signage.core.roles import Role
from signage.core.tenancy import Caller, visible
from signage.core.types import utcnow
from signage.creatives.models import (
    Creative,
    CreativeAction,
    CreativeEvent,
    CreativeEventPublic,
    CreativeStatus,
)
from signage.creatives.service import get_for, record
from signage.organisations.models import Organisation
from signage.users.models import User

NOT_AN_APPROVER = "only an approver of the creative's organisation approves or rejects it"
OWN_UPLOAD = "you uploaded the current file of this creative; another approver must decide on it"


def _decidable(session: Session, *, caller: Caller, creative_id: str) -> Creative:
    # Scope first, so another organisation's creative is a 404 whatever the caller's role.
    creative = get_for(session, caller=caller, creative_id=creative_id, write=True)
    if caller.role is not Role.approver:
        raise Forbidden(NOT_AN_APPROVER)
    # Locked and re-read, so two approvers deciding at once are serialised and the second sees
    # the first's decision (PostgreSQL; SQLite serialises writers anyway).
    creative = session.exec(
        select(Creative)
        .where(Creative.id == creative.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if creative.uploaded_by == caller.user_id:
        raise Forbidden(OWN_UPLOAD)
    return creative


def approve_for(session: Session, *, caller: Caller, creative_id: str) -> Creative:
    """Approve a pending (or earlier rejected) creative; 409 if it is approved already."""
    creative = _decidable(session, caller=caller, creative_id=creative_id)
    if creative.status == CreativeStatus.approved:
        raise Conflict("this creative is already approved")
    creative.status = CreativeStatus.approved
    creative.rejection_reason = None
    creative.updated_at = utcnow()
    session.add(creative)
    record(session, creative=creative, action=CreativeAction.approved, caller=caller)
    audit(
        session,
        caller=caller,
        action="creative.approved",
        object_kind="creative",
        object_id=creative.id,
        organisation_id=creative.organisation_id,
        detail={"name": creative.name},
    )
    session.flush()
    return creative


def reject_for(session: Session, *, caller: Caller, creative_id: str, reason: str) -> Creative:
    """Reject a pending creative, or withdraw an approval; 409 if it is rejected already."""
    creative = _decidable(session, caller=caller, creative_id=creative_id)
    if creative.status == CreativeStatus.rejected:
        raise Conflict("this creative is already rejected")
    creative.status = CreativeStatus.rejected
    creative.rejection_reason = reason
    creative.updated_at = utcnow()
    session.add(creative)
    record(session, creative=creative, action=CreativeAction.rejected, caller=caller, reason=reason)
    audit(
        session,
        caller=caller,
        action="creative.rejected",
        object_kind="creative",
        object_id=creative.id,
        organisation_id=creative.organisation_id,
        detail={"name": creative.name, "reason": reason},
    )
    session.flush()
    return creative


def history_for(session: Session, *, caller: Caller, creative_id: str) -> list[CreativeEventPublic]:
    """Every upload, decision, replacement and edit of a creative, oldest first."""
    creative = get_for(session, caller=caller, creative_id=creative_id)
    rows = session.exec(
        select(CreativeEvent, User.email)
        .join(User, col(User.id) == col(CreativeEvent.user_id))
        .where(CreativeEvent.creative_id == creative.id)
        .order_by(col(CreativeEvent.at), col(CreativeEvent.id))
    ).all()
    return [
        CreativeEventPublic(
            id=event.id,
            action=event.action,
            user_id=event.user_id,
            user_email=email,
            at=event.at,
            reason=event.reason,
            sha256=event.sha256,
        )
        for event, email in rows
    ]


@dataclass(frozen=True)
class QueueEntry:
    """A creative waiting for a decision, with what the queue shows beside it."""

    creative: Creative
    campaign_name: str
    organisation_name: str
    uploaded_by_email: str
    # None if the caller may decide on it; else why not (the API's own reason).
    cannot_decide: str | None


def _why_not(caller: Caller, creative: Creative) -> str | None:
    """What _decidable would refuse, worked out without asking it creative by creative."""
    if caller.role is not Role.approver or creative.organisation_id != caller.organisation_id:
        return NOT_AN_APPROVER
    if creative.uploaded_by == caller.user_id:
        return OWN_UPLOAD
    return None


def _pending(caller: Caller) -> tuple[ColumnElement[bool], ...]:
    return (visible(caller, Creative), col(Creative.status) == CreativeStatus.pending)


def pending_count(session: Session, *, caller: Caller) -> int:
    """How many creatives the caller may see are waiting for a decision."""
    query = select(func.count()).select_from(Creative).where(*_pending(caller))
    return int(session.exec(query).one())


def queue_for(
    session: Session, *, caller: Caller, offset: int = 0, limit: int = 25
) -> tuple[int, list[QueueEntry]]:
    """The pending creatives the caller may see, oldest first (the longest wait is decided
    first), one page of them with their campaign, organisation and uploader, and the count."""
    pending = _pending(caller)
    total = pending_count(session, caller=caller)
    rows = session.exec(
        select(Creative, Campaign.name, Organisation.name, User.email)
        .join(Campaign, col(Campaign.id) == col(Creative.campaign_id))
        .join(Organisation, col(Organisation.id) == col(Creative.organisation_id))
        .join(User, col(User.id) == col(Creative.uploaded_by))
        .where(*pending)
        .order_by(col(Creative.updated_at), col(Creative.id))
        .offset(offset)
        .limit(limit)
    ).all()
    entries = [
        QueueEntry(creative, campaign, organisation, email, _why_not(caller, creative))
        for creative, campaign, organisation, email in rows
    ]
    return total, entries
