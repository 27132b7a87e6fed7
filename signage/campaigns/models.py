"""Campaigns: a named group of creatives (such as "Walk Away - winter") owned by one police
organisation, national or a force."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_
from sqlmodel import Field, SQLModel, col

from signage.core.models import created_at_field, fk_field, id_field, instant_field
from signage.core.roles import OrganisationKind, Role
from signage.core.schemas import Name, SpaceId, StorableInput, not_nullable
from signage.core.tenancy import ALL, NONE, Caller, tenancy_rule
from signage.core.versioning import Part, track_playlist_inputs

# The people who edit campaigns: editors, approvers (editors who may also approve) and admins.
CAMPAIGN_ROLES = frozenset({Role.editor, Role.approver, Role.admin})
CAMPAIGN_ORGANISATION_KINDS = frozenset({OrganisationKind.national, OrganisationKind.force})


class Campaign(SQLModel, table=True):
    __tablename__ = "campaigns"

    id: str = id_field()
    organisation_id: str = fk_field("organisations.id")
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    created_by: str = fk_field("users.id", index=False)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    # Soft delete: proof-of-play reports name the campaign (their order id) after it is gone.
    deleted_at: datetime | None = instant_field()
    # Outsmart SPACE ids for the playout file: the buyer and brand are mandatory there.
    spacebuyerid: int | None = None
    spaceagencyid: int | None = None
    spacebrandid: int | None = None


def edits_campaigns(caller: Caller) -> bool:
    """Whether the caller's role and organisation let them create and change campaigns."""
    return caller.organisation_kind in CAMPAIGN_ORGANISATION_KINDS and caller.role in CAMPAIGN_ROLES


@tenancy_rule(Campaign)
def _campaign_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    return and_(col(Campaign.deleted_at).is_(None), _campaign_reach(caller, write))


def _campaign_reach(caller: Caller, write: bool) -> ColumnElement[bool]:
    if caller.organisation_kind not in CAMPAIGN_ORGANISATION_KINDS:
        return NONE  # partners run venues; campaigns are police business
    own = col(Campaign.organisation_id) == caller.organisation_id
    if write:
        return own if caller.role in CAMPAIGN_ROLES else NONE
    # The national coordinator oversees every force's campaigns, read-only.
    return ALL if caller.is_national else own


class CampaignCreate(StorableInput):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: str | None = Field(default=None, max_length=2000)
    spacebuyerid: SpaceId | None = None
    spaceagencyid: SpaceId | None = None
    spacebrandid: SpaceId | None = None


class CampaignUpdate(StorableInput):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = not_nullable()
    description: str | None = Field(default=None, max_length=2000)
    spacebuyerid: SpaceId | None = None  # null takes it away
    spaceagencyid: SpaceId | None = None
    spacebrandid: SpaceId | None = None


class CampaignPublic(BaseModel):
    id: str
    organisation_id: str
    name: str
    description: str | None
    spacebuyerid: int | None
    spaceagencyid: int | None
    spacebrandid: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime


# What a screen shows depends on these (see signage/core/versioning.py): declared with the
# model, so every process that writes them, whatever else it imports, bumps the version.
track_playlist_inputs(Campaign, part=Part.programme)
