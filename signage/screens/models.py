"""Screens: a display in a venue, known to the server by a hashed device token."""

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import JSON, ColumnElement, String, and_, select
from sqlmodel import Field, SQLModel, col

from signage.core.models import created_at_field, fk_field, id_field, instant_field
from signage.core.schemas import FrameId, Name, StorableInput, Tag, not_nullable
from signage.core.tenancy import Caller, tenancy_rule, visible
from signage.core.versioning import Part, track_playlist_inputs
from signage.venues.models import Venue


class Orientation(StrEnum):
    landscape = "landscape"
    portrait = "portrait"


class Screen(SQLModel, table=True):
    __tablename__ = "screens"

    id: str = id_field()
    venue_id: str = fk_field("venues.id")
    name: str = Field(max_length=200)
    orientation: Orientation | None = Field(default=None, sa_type=String(16))
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    # sha256 of the device token; the token itself is shown once and never stored.
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    width: int | None = None
    height: int | None = None
    player: str | None = Field(default=None, max_length=200)
    playing_creative_id: str | None = Field(default=None, max_length=36)
    last_seen_at: datetime | None = instant_field()
    # Its Outsmart SPACE frame id, for the playout file (unique: one frame, one screen).
    frameid: str | None = Field(default=None, max_length=10, unique=True)
    created_at: datetime = created_at_field()
    # Revoked screens keep their row so proof-of-play reports still name them.
    revoked_at: datetime | None = instant_field()


def _unique_tags(tags: list[str]) -> list[str]:
    return sorted(set(tags))


class ScreenCreate(StorableInput):
    model_config = ConfigDict(extra="forbid")

    venue_id: str = Field(min_length=1, max_length=36)
    name: Name
    orientation: Orientation | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return _unique_tags(value)


class ScreenClaim(StorableInput):
    model_config = ConfigDict(extra="forbid")

    user_code: str = Field(min_length=1, max_length=32)
    venue_id: str = Field(min_length=1, max_length=36)
    name: Name
    tags: list[Tag] = Field(default_factory=list, max_length=50)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return _unique_tags(value)


class ScreenUpdate(StorableInput):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = not_nullable()
    orientation: Orientation | None = None
    tags: list[Tag] | None = not_nullable(max_length=50)
    frameid: FrameId | None = None  # null takes it away

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique_tags(value)


ScreenStatus = Literal["online", "offline", "never_seen"]


class ScreenPublic(BaseModel):
    id: str
    venue_id: str
    name: str
    orientation: Orientation | None
    tags: list[str]
    status: ScreenStatus
    last_seen_at: datetime | None
    player: str | None
    playing_creative_id: str | None
    width: int | None
    height: int | None
    frameid: str | None
    created_at: datetime


class ScreenWithToken(ScreenPublic):
    device_token: str


@tenancy_rule(Screen)
def _screen_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    # A screen belongs to whoever may see (or run) its venue; revoked screens are gone.
    venues = select(col(Venue.id)).where(visible(caller, Venue, write=write))
    return and_(col(Screen.revoked_at).is_(None), col(Screen.venue_id).in_(venues))


# What a screen shows depends on its row (see signage/core/versioning.py), but not on its own
# reports: last seen, the player it runs, what it plays, its size.
track_playlist_inputs(
    Screen,
    part=Part.estate,
    ignore=frozenset({"last_seen_at", "player", "playing_creative_id", "width", "height"}),
)
