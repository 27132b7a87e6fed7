"""Venues: the pubs, clubs and takeaways where screens hang, with their opening hours."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import JSON, ColumnElement, String, and_
from sqlmodel import Field, SQLModel, col

from signage.core.models import created_at_field, fk_field, id_field, instant_field
from signage.core.roles import OrganisationKind
from signage.core.schemas import HHMM, Day, Name, StorableInput, TimezoneName, not_nullable
from signage.core.tenancy import ALL, NONE, Caller, tenancy_rule
from signage.core.versioning import Part, track_playlist_inputs


class VenueKind(StrEnum):
    pub = "pub"
    bar = "bar"
    nightclub = "nightclub"
    fast_food = "fast_food"
    takeaway = "takeaway"
    late_night_shop = "late_night_shop"
    transport_hub = "transport_hub"
    other = "other"


class Nation(StrEnum):
    england = "england"
    wales = "wales"
    scotland = "scotland"
    northern_ireland = "northern_ireland"


class OpeningPeriod(BaseModel):
    """One opening period starting on ``day``; a close at or before the open is the next day."""

    model_config = ConfigDict(extra="forbid")

    day: Day
    open: HHMM
    close: HHMM


def _check_opening_hours(periods: list[OpeningPeriod]) -> list[OpeningPeriod]:
    # One period per starting day keeps "the opening period that begins on the night's date"
    # (the contract's relative windows) unambiguous.
    seen: set[Day] = set()
    for period in periods:
        if period.day in seen:
            raise ValueError(f"more than one opening period starts on {period.day.value}")
        seen.add(period.day)
    return sorted(periods, key=lambda p: list(Day).index(p.day))


class Venue(SQLModel, table=True):
    __tablename__ = "venues"

    id: str = id_field()
    organisation_id: str = fk_field("organisations.id")
    force_id: str = fk_field("organisations.id")
    name: str = Field(max_length=200)
    kind: VenueKind = Field(sa_type=String(32))
    nation: Nation = Field(sa_type=String(32))
    timezone: str = Field(max_length=64)
    postcode: str | None = Field(default=None, max_length=16)
    opening_hours: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = created_at_field()
    deleted_at: datetime | None = instant_field()


def _normalise_postcode(value: str | None) -> str | None:
    """Upper case, single spaces; a blank postcode is no postcode."""
    return " ".join(value.upper().split()) or None if value is not None else None


class VenueCreate(StorableInput):
    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: VenueKind
    force_id: str = Field(min_length=1, max_length=36)
    nation: Nation
    timezone: TimezoneName = "Europe/London"
    postcode: str | None = Field(default=None, max_length=16)
    opening_hours: list[OpeningPeriod] = Field(default_factory=list, max_length=7)

    @field_validator("opening_hours")
    @classmethod
    def _opening(cls, value: list[OpeningPeriod]) -> list[OpeningPeriod]:
        return _check_opening_hours(value)

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str | None) -> str | None:
        return _normalise_postcode(value)


class VenueUpdate(StorableInput):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = not_nullable()
    kind: VenueKind | None = not_nullable()
    force_id: str | None = not_nullable(min_length=1, max_length=36)
    nation: Nation | None = not_nullable()
    timezone: TimezoneName | None = not_nullable()
    postcode: str | None = Field(default=None, max_length=16)
    opening_hours: list[OpeningPeriod] | None = not_nullable(max_length=7)

    @field_validator("opening_hours")
    @classmethod
    def _opening(cls, value: list[OpeningPeriod] | None) -> list[OpeningPeriod] | None:
        return None if value is None else _check_opening_hours(value)

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str | None) -> str | None:
        return _normalise_postcode(value)


class VenuePublic(BaseModel):
    id: str
    organisation_id: str
    name: str
    kind: VenueKind
    force_id: str
    nation: Nation
    timezone: str
    postcode: str | None
    opening_hours: list[OpeningPeriod]
    created_at: datetime


@tenancy_rule(Venue)
def _venue_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    return and_(col(Venue.deleted_at).is_(None), _venue_reach(caller, write))


def _venue_reach(caller: Caller, write: bool) -> ColumnElement[bool]:
    if caller.manages_venues:
        return col(Venue.organisation_id) == caller.organisation_id
    if write:
        return NONE
    if caller.is_national:
        return ALL
    if caller.organisation_kind is OrganisationKind.force:
        return col(Venue.force_id) == caller.organisation_id
    # A partner organisation's admin-less roles do not exist; a stray role sees its own.
    return col(Venue.organisation_id) == caller.organisation_id


# What a screen shows depends on these (see signage/core/versioning.py): declared with the
# model, so every process that writes them, whatever else it imports, bumps the version.
track_playlist_inputs(Venue, part=Part.estate)
