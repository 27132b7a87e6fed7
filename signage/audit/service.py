"""Recording staff actions, and reading them back scoped to the caller."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col

from signage.audit.models import Actor, AuditEntry, AuditEntryPublic, AuditObject
from signage.core.tenancy import Caller, scoped_select


def record(
    session: Session,
    *,
    caller: Caller | None,
    action: str,
    object_kind: str,
    object_id: str,
    organisation_id: str,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an entry to the session's transaction (``caller`` None: the system acted, such as
    a takeover ending by itself)."""
    entry = AuditEntry(
        organisation_id=organisation_id,
        actor_id=caller.user_id if caller else None,
        actor_email=caller.email if caller else None,
        action=action,
        object_kind=object_kind,
        object_id=object_id,
        detail=detail or {},
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    return entry


def list_for(
    session: Session,
    *,
    caller: Caller,
    start: datetime,
    end: datetime,
    object_kind: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Entries from ``start`` to ``end`` (half-open), newest first; ``before`` (an entry's
    id) continues a page from where the last one stopped."""
    query = scoped_select(caller, AuditEntry).where(
        col(AuditEntry.at) >= start, col(AuditEntry.at) < end
    )
    if object_kind is not None:
        query = query.where(AuditEntry.object_kind == object_kind)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if before is not None:
        query = query.where(col(AuditEntry.id) < before)
    # By id: the order they were written in, so `before` pages without gaps or repeats.
    query = query.order_by(col(AuditEntry.id).desc()).limit(limit)
    return list(session.exec(query))


def to_public(entry: AuditEntry) -> AuditEntryPublic:
    assert entry.id is not None  # read back from the database
    return AuditEntryPublic(
        id=entry.id,
        when=entry.at,
        who=Actor(user_id=entry.actor_id, email=entry.actor_email),
        what=entry.action,
        object=AuditObject(kind=entry.object_kind, id=entry.object_id),
        organisation_id=entry.organisation_id,
        detail=entry.detail,
    )
