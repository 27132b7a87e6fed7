"""One row per staff action that matters: who did what to which object, and when.

Rows are only ever added, in the same transaction as the action they record, so an action
that rolled back leaves no trace and one that committed cannot lose its record. The actor's
email is kept as it was: a user deleted later still shows who acted.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, ColumnElement, Index
from sqlmodel import Field, SQLModel, col

from signage.core.models import created_at_field
from signage.core.tenancy import ALL, NONE, Caller, tenancy_rule


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_organisation_id_at", "organisation_id", "at"),)

    # A sequence, not a UUID: entries of one instant keep the order they were written in, and
    # the id is never shown as an object id (the contract's rule is about objects).
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    # Whose log the entry belongs to: the organisation owning the object acted on.
    organisation_id: str = Field(max_length=36)
    actor_id: str | None = Field(default=None, max_length=36)  # None: the system itself
    actor_email: str | None = Field(default=None, max_length=320)
    action: str = Field(max_length=60)
    object_kind: str = Field(max_length=40)
    object_id: str = Field(max_length=36)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


@tenancy_rule(AuditEntry)
def _audit_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    if write:
        return NONE  # written by the actions themselves, never through the API
    return ALL if caller.is_national else col(AuditEntry.organisation_id) == caller.organisation_id


class Actor(BaseModel):
    user_id: str | None
    email: str | None


class AuditObject(BaseModel):
    kind: str
    id: str


class AuditEntryPublic(BaseModel):
    """The contract's "who, what, when, object", plus whose log it is and the details."""

    id: int
    when: datetime
    who: Actor
    what: str
    object: AuditObject
    organisation_id: str
    detail: dict[str, Any]
