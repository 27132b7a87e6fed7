"""Four-eyes approval: an approver of the owning organisation decides on a creative whose
current file someone else uploaded. Every decision is kept in the creative's history."""

from sqlmodel import Session, col, select

from signage.core.errors import Conflict, Forbidden
from signage.core.roles import Role
from signage.core.tenancy import Caller
from signage.core.types import utcnow
from signage.creatives.models import (
    Creative,
    CreativeAction,
    CreativeEvent,
    CreativeEventPublic,
    CreativeStatus,
)
from signage.creatives.service import get_for, record
from signage.users.models import User


def _decidable(session: Session, *, caller: Caller, creative_id: str) -> Creative:
    # Scope first, so another organisation's creative is a 404 whatever the caller's role.
    creative = get_for(session, caller=caller, creative_id=creative_id, write=True)
    if caller.role is not Role.approver:
        raise Forbidden("only an approver of the creative's organisation approves or rejects it")
    # Locked and re-read, so two approvers deciding at once are serialised and the second sees
    # the first's decision (PostgreSQL; SQLite serialises writers anyway).
    creative = session.exec(
        select(Creative)
        .where(Creative.id == creative.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if creative.uploaded_by == caller.user_id:
        raise Forbidden(
            "you uploaded the current file of this creative; another approver must decide on it"
        )
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
