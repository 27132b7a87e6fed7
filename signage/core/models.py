"""Column helpers every table uses: opaque UUID ids and UTC timestamps."""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from signage.core.types import UTCDateTime, utcnow

# Fixed constraint names so migrations can name what they alter, identically on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


def id_field() -> Any:
    return Field(default_factory=new_id, primary_key=True, max_length=36)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def instant_field(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def fk_field(
    target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None
) -> Any:
    field: Any = Field(  # type: ignore[call-overload]  # default is ... (required) or None
        default=None if nullable else ...,
        foreign_key=target,
        max_length=36,
        nullable=nullable,
        index=index,
        ondelete=ondelete,
    )
    return field


__all__ = ["created_at_field", "datetime", "fk_field", "id_field", "instant_field", "new_id"]
