"""Organisations: the national coordinator, police forces and partner venue operators."""

from datetime import datetime

from pydantic import field_validator
from sqlalchemy import ColumnElement, String, or_
from sqlmodel import Field, SQLModel, col

from signage.core.models import created_at_field, id_field
from signage.core.roles import OrganisationKind
from signage.core.tenancy import ALL, NONE, Caller, tenancy_rule
from signage.core.versioning import Part, track_playlist_inputs


class OrganisationBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    kind: OrganisationKind

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("name must not be blank")
        return value


class Organisation(OrganisationBase, table=True):
    __tablename__ = "organisations"

    id: str = id_field()
    name: str = Field(max_length=200, unique=True)
    kind: OrganisationKind = Field(sa_type=String(16))
    created_at: datetime = created_at_field()


@tenancy_rule(Organisation)
def _organisation_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    if caller.is_national:
        return ALL if (caller.is_national_admin or not write) else NONE
    if write:
        return NONE
    # Forces are public knowledge: partners pick one when they register a venue.
    return or_(
        col(Organisation.id) == caller.organisation_id,
        col(Organisation.kind) == OrganisationKind.force,
    )


class OrganisationCreate(OrganisationBase):
    pass


class OrganisationPublic(SQLModel):
    id: str
    name: str
    kind: OrganisationKind


# What a screen shows depends on these (see signage/core/versioning.py): declared with the
# model, so every process that writes them, whatever else it imports, bumps the version.
track_playlist_inputs(Organisation, part=Part.estate)
