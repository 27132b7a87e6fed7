"""Schedules: when and where a campaign's creatives play, by night-time windows and targeting."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from sqlalchemy import JSON, ColumnElement, Date
from sqlmodel import Field, SQLModel, col

from signage.campaigns.models import CAMPAIGN_ORGANISATION_KINDS, CAMPAIGN_ROLES
from signage.core.bounds import CalendarDate
from signage.core.models import created_at_field, fk_field, id_field
from signage.core.schemas import Name, Tag
from signage.core.tenancy import ALL, NONE, Caller, tenancy_rule
from signage.core.versioning import Part, track_playlist_inputs
from signage.timing import parse_window
from signage.venues.models import VenueKind

MAX_WINDOWS = 28
MAX_CREATIVES = 100
MAX_EXCLUDE_DATES = 366


class Schedule(SQLModel, table=True):
    __tablename__ = "schedules"

    id: str = id_field()
    organisation_id: str = fk_field("organisations.id")
    name: str = Field(max_length=200)
    priority: int = 50
    weight: int = 1
    target: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    windows: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    start_date: date | None = Field(default=None, sa_type=Date)
    end_date: date | None = Field(default=None, sa_type=Date)
    exclude_dates: list[str] = Field(default_factory=list, sa_type=JSON)
    created_by: str = fk_field("users.id", index=False)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    # Counts the edits: a calendar's SEQUENCE, so clients know an edited event from the old.
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ScheduleCreative(SQLModel, table=True):
    """A schedule's creatives in play order; deleting a creative takes it out of every schedule."""

    __tablename__ = "schedule_creatives"

    schedule_id: str = Field(
        foreign_key="schedules.id", primary_key=True, max_length=36, ondelete="CASCADE"
    )
    position: int = Field(primary_key=True)
    creative_id: str = Field(
        foreign_key="creatives.id", max_length=36, index=True, ondelete="CASCADE"
    )


@tenancy_rule(Schedule)
def _schedule_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    if caller.organisation_kind not in CAMPAIGN_ORGANISATION_KINDS:
        return NONE
    own = col(Schedule.organisation_id) == caller.organisation_id
    if write:
        return own if caller.role in CAMPAIGN_ROLES else NONE
    return ALL if caller.is_national else own


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Examples that work as they stand when sent from Swagger: an empty list (no narrowing)
    # rather than the "string" an id would otherwise be shown as.
    force_ids: list[str] = Field(
        default_factory=list, max_length=100, schema_extra={"examples": [[]]}
    )
    venue_kinds: list[VenueKind] = Field(
        default_factory=list, max_length=20, schema_extra={"examples": [["pub", "nightclub"]]}
    )
    venue_ids: list[str] = Field(
        default_factory=list, max_length=5000, schema_extra={"examples": [[]]}
    )
    screen_ids: list[str] = Field(
        default_factory=list, max_length=5000, schema_extra={"examples": [[]]}
    )
    tags: list[Tag] = Field(default_factory=list, max_length=100, schema_extra={"examples": [[]]})

    @field_validator("force_ids", "venue_ids", "screen_ids", "venue_kinds", "tags")
    @classmethod
    def _unique_sorted(cls, value: list[Any]) -> list[Any]:
        return sorted(set(value))


class WindowIn(BaseModel):
    """Days plus a start and an end: ``"HH:MM"``, ``"open"``, ``"close"``, ``"close-01:00"``..."""

    model_config = ConfigDict(extra="forbid")

    days: list[str] = Field(min_length=1, max_length=9, schema_extra={"examples": [["fri", "sat"]]})
    start: str = Field(max_length=16, schema_extra={"examples": ["close-01:00"]})
    end: str = Field(max_length=16, schema_extra={"examples": ["close"]})

    @model_validator(mode="after")
    def _parses(self) -> "WindowIn":
        parse_window(self.days, self.start, self.end)
        self.days = sorted(set(self.days), key=_day_order)
        return self


def _day_order(day: str) -> int:
    order = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "bank_holiday", "bank_holiday_eve")
    return order.index(day) if day in order else len(order)


def _check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError("end_date is before start_date")


def _unique_ids(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("each creative may appear once")
    return value


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    creative_ids: list[str] = Field(min_length=1, max_length=MAX_CREATIVES)
    priority: int = Field(default=50, ge=0, le=100)
    weight: int = Field(default=1, ge=1, le=100)
    target: TargetIn = Field(default_factory=TargetIn)
    windows: list[WindowIn] = Field(min_length=1, max_length=MAX_WINDOWS)
    start_date: CalendarDate | None = None
    end_date: CalendarDate | None = None
    exclude_dates: list[CalendarDate] = Field(default_factory=list, max_length=MAX_EXCLUDE_DATES)

    @field_validator("creative_ids")
    @classmethod
    def _creatives(cls, value: list[str]) -> list[str]:
        return _unique_ids(value)

    @model_validator(mode="after")
    def _dates(self) -> "ScheduleCreate":
        _check_dates(self.start_date, self.end_date)
        return self


class ScheduleUpdate(BaseModel):
    """Any subset of the fields; ``null`` clears only the optional ones (dates)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    creative_ids: list[str] | None = Field(default=None, min_length=1, max_length=MAX_CREATIVES)
    priority: int | None = Field(default=None, ge=0, le=100)
    weight: int | None = Field(default=None, ge=1, le=100)
    target: TargetIn | None = None
    windows: list[WindowIn] | None = Field(default=None, min_length=1, max_length=MAX_WINDOWS)
    start_date: CalendarDate | None = None
    end_date: CalendarDate | None = None
    exclude_dates: list[CalendarDate] | None = Field(default=None, max_length=MAX_EXCLUDE_DATES)

    @field_validator("creative_ids")
    @classmethod
    def _creatives(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique_ids(value)


class SchedulePublic(BaseModel):
    id: str
    organisation_id: str
    name: str
    creative_ids: list[str]
    priority: int
    weight: int
    target: TargetIn
    windows: list[WindowIn]
    start_date: date | None
    end_date: date | None
    exclude_dates: list[date]
    created_at: datetime
    updated_at: datetime


# What a screen shows depends on these (see signage/core/versioning.py): declared with the
# model, so every process that writes them, whatever else it imports, bumps the version.
track_playlist_inputs(Schedule, part=Part.programme)
# A creative added to or taken from a schedule changes that schedule.
track_playlist_inputs(
    ScheduleCreative, part=Part.programme, change=lambda link: ("schedules", link.schedule_id)
)
