"""Creatives: the images and videos of a campaign, and the record of every decision on them.

A creative's file lives in the content-addressed media store under its sha256; several
creatives may share one file. Four-eyes approval: an approver of the owning organisation who
did not upload the current file moves it from `pending` to `approved` or `rejected`.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    model_validator,
)
from sqlalchemy import ColumnElement, String, select
from sqlmodel import Field, SQLModel, col

from signage.campaigns.models import Campaign
from signage.core.bounds import Instant
from signage.core.models import created_at_field, fk_field, id_field, instant_field
from signage.core.schemas import Name, StorableInput
from signage.core.tenancy import Caller, tenancy_rule, visible
from signage.core.versioning import Part, track_playlist_inputs

MIN_IMAGE_DURATION_MS = 1_000
MAX_IMAGE_DURATION_MS = 3_600_000
DEFAULT_IMAGE_DURATION_MS = 10_000


class CreativeKind(StrEnum):
    image = "image"
    video = "video"


class CreativeStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class CreativeAction(StrEnum):
    uploaded = "uploaded"
    approved = "approved"
    rejected = "rejected"
    replaced = "replaced"
    edited = "edited"


class Creative(SQLModel, table=True):
    __tablename__ = "creatives"

    id: str = id_field()
    campaign_id: str = fk_field("campaigns.id")
    # The campaign's organisation, copied so the poll and reports need no join to find it.
    organisation_id: str = fk_field("organisations.id")
    name: str = Field(max_length=200)
    kind: CreativeKind = Field(sa_type=String(16))
    sha256: str = Field(max_length=64, index=True)
    mime_type: str = Field(max_length=64)
    bytes: int
    width: int
    height: int
    duration_ms: int
    valid_from: datetime | None = instant_field()
    valid_until: datetime | None = instant_field()
    alt_text: str | None = Field(default=None, max_length=500)
    status: CreativeStatus = Field(default=CreativeStatus.pending, sa_type=String(16), index=True)
    rejection_reason: str | None = Field(default=None, max_length=1000)
    # Who uploaded the current file: a replacement makes its uploader the one who may not approve.
    uploaded_by: str = fk_field("users.id", index=False)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class CreativeEvent(SQLModel, table=True):
    """One line of a creative's history: an upload, a decision, a replacement or an edit."""

    __tablename__ = "creative_events"

    id: str = id_field()
    creative_id: str = fk_field("creatives.id", ondelete="CASCADE")
    action: CreativeAction = Field(sa_type=String(16))
    user_id: str = fk_field("users.id", index=False)
    at: datetime = created_at_field()
    reason: str | None = Field(default=None, max_length=1000)
    sha256: str | None = Field(default=None, max_length=64)


@tenancy_rule(Creative)
def _creative_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    # A creative is seen and changed by whoever may see or change its campaign.
    campaigns = select(col(Campaign.id)).where(visible(caller, Campaign, write=write))
    return col(Creative.campaign_id).in_(campaigns)


def _blank_is_none(value: object) -> object:
    """HTML forms send empty strings for fields left empty; they mean "not given"."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _check_validity(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_from is not None and valid_until is not None and valid_from >= valid_until:
        raise ValueError("valid_from must be before valid_until")


# The constraints sit on the inner type: on the optional one they would be applied to the
# None an empty field becomes, and fail with a TypeError (a 500) instead of passing.
ImageDuration = Annotated[
    Annotated[int, Field(ge=MIN_IMAGE_DURATION_MS, le=MAX_IMAGE_DURATION_MS)] | None,
    BeforeValidator(_blank_is_none),
]
FormInstant = Annotated[Instant | None, BeforeValidator(_blank_is_none)]
AltText = Annotated[Annotated[str, Field(max_length=500)] | None, BeforeValidator(_blank_is_none)]


class CreativeFields(StorableInput):
    """The form fields sent with an upload (`POST /v1/creatives`)."""

    model_config = ConfigDict(extra="forbid")

    campaign_id: str = Field(min_length=1, max_length=36)
    name: Name
    duration_ms: ImageDuration = None
    valid_from: FormInstant = None
    valid_until: FormInstant = None
    alt_text: AltText = None

    @model_validator(mode="after")
    def _validity(self) -> "CreativeFields":
        _check_validity(self.valid_from, self.valid_until)
        return self


class CreativeUpdate(StorableInput):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    duration_ms: int | None = Field(
        default=None, ge=MIN_IMAGE_DURATION_MS, le=MAX_IMAGE_DURATION_MS
    )
    valid_from: Instant | None = None
    valid_until: Instant | None = None
    alt_text: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _validity(self) -> "CreativeUpdate":
        _check_validity(self.valid_from, self.valid_until)
        return self


class Decision(StorableInput):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class CreativePublic(BaseModel):
    id: str
    campaign_id: str
    organisation_id: str
    name: str
    kind: CreativeKind
    sha256: str
    mime_type: str
    bytes: int
    width: int
    height: int
    duration_ms: int
    status: CreativeStatus
    valid_from: datetime | None
    valid_until: datetime | None
    alt_text: str | None
    url: str
    thumbnail_url: str
    uploaded_by: str
    rejection_reason: str | None
    created_at: datetime
    updated_at: datetime


class CreativeEventPublic(BaseModel):
    id: str
    action: CreativeAction
    user_id: str
    user_email: str
    at: datetime
    reason: str | None
    sha256: str | None


# What a screen shows depends on these (see signage/core/versioning.py): declared with the
# model, so every process that writes them, whatever else it imports, bumps the version.
track_playlist_inputs(Creative, part=Part.programme)
