"""Takeovers: an urgent message that outranks every schedule on the screens of an area, for a
few hours at most, approved by two people (or started at once by one, who must find the second
within 15 minutes).

A takeover's state is a function of its row and the clock (`state_at`), so it ends by itself
at its end, on every replica, with no job having to run first; a job only writes the end into
the audit log (signage/takeovers/jobs.py).
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator
from sqlalchemy import JSON, ColumnElement
from sqlmodel import Field, SQLModel, col

from signage.campaigns.models import CAMPAIGN_ORGANISATION_KINDS
from signage.core.bounds import Instant
from signage.core.models import created_at_field, fk_field, id_field, instant_field
from signage.core.tenancy import ALL, NONE, Caller, tenancy_rule
from signage.core.versioning import Part, track_playlist_inputs
from signage.schedules.models import TargetIn

MAX_DURATION = timedelta(hours=12)
CONFIRM_WITHIN = timedelta(minutes=15)
MAX_CREATIVES = 20
# How far ahead a takeover may be prepared: it is for incidents, not for campaigns.
MAX_LEAD = timedelta(days=7)
# A start a little in the past (the form was filled in a minute ago) counts as now.
PAST_START_GRACE = timedelta(minutes=5)


class TakeoverState(StrEnum):
    pending = "pending"
    active = "active"
    ended = "ended"


class EndReason(StrEnum):
    ended_early = "ended_early"  # someone ended it
    expired = "expired"  # it reached its end
    not_confirmed = "not_confirmed"  # nobody confirmed it in time


class Takeover(SQLModel, table=True):
    __tablename__ = "takeovers"

    id: str = id_field()
    organisation_id: str = fk_field("organisations.id")
    reason: str = Field(max_length=500)
    target: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    starts_at: datetime = instant_field(nullable=False)
    ends_at: datetime = instant_field(nullable=False, index=True)
    break_glass: bool = False
    # Break glass: when it ends unless confirmed.
    confirm_by: datetime | None = instant_field()
    created_by: str = fk_field("users.id", index=False)
    created_at: datetime = created_at_field()
    confirmed_by: str | None = fk_field("users.id", nullable=True, index=False)
    confirmed_at: datetime | None = instant_field()
    ended_by: str | None = fk_field("users.id", nullable=True, index=False)
    ended_at: datetime | None = instant_field()
    # Whether its end is in the audit log yet (a takeover that ends by itself is recorded by
    # the job that notices); not an input of any playlist.
    end_recorded: bool = Field(default=False, index=True)

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    def on_air_from(self) -> datetime:
        """When it starts showing: its start, or its confirmation if that came later."""
        if self.break_glass or self.confirmed_at is None:
            return self.starts_at
        return max(self.starts_at, self.confirmed_at)

    def end_at(self) -> tuple[datetime, EndReason]:
        """When it ends (or ended) as things stand, and why."""
        end, why = self.ends_at, EndReason.expired
        if self.confirmed_at is None:
            deadline = self.confirm_by if self.break_glass else self.ends_at
            if deadline is not None and deadline <= end:
                end, why = deadline, EndReason.not_confirmed
        if self.ended_at is not None and self.ended_at < end:
            end, why = self.ended_at, EndReason.ended_early
        return end, why

    def on_air(self) -> tuple[datetime, datetime] | None:
        """The span it is (or will be, or was) on screens, or None while it may not show."""
        if not (self.break_glass or self.confirmed):
            return None
        starts, (ends, _) = self.on_air_from(), self.end_at()
        return (starts, ends) if starts < ends else None

    def state_at(self, now: datetime) -> TakeoverState:
        end, _ = self.end_at()
        if now >= end:
            return TakeoverState.ended
        if (self.break_glass or self.confirmed) and self.on_air_from() <= now:
            return TakeoverState.active
        return TakeoverState.pending


class TakeoverCreative(SQLModel, table=True):
    """A takeover's creatives in play order."""

    __tablename__ = "takeover_creatives"

    takeover_id: str = Field(
        foreign_key="takeovers.id", primary_key=True, max_length=36, ondelete="CASCADE"
    )
    position: int = Field(primary_key=True)
    creative_id: str = Field(
        foreign_key="creatives.id", max_length=36, index=True, ondelete="CASCADE"
    )


class TakeoverDelivery(SQLModel, table=True):
    """When each screen was told (an event on its stream) and when it fetched the playlist
    with the takeover; written in batches off the request path, the earliest time kept."""

    __tablename__ = "takeover_deliveries"

    takeover_id: str = Field(
        foreign_key="takeovers.id", primary_key=True, max_length=36, ondelete="CASCADE"
    )
    screen_id: str = Field(primary_key=True, max_length=36)
    nudged_at: datetime | None = instant_field()
    fetched_at: datetime | None = instant_field()


@tenancy_rule(Takeover)
def _takeover_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    if caller.organisation_kind not in CAMPAIGN_ORGANISATION_KINDS:
        return NONE  # partners take over nothing and see no takeovers
    own = col(Takeover.organisation_id) == caller.organisation_id
    if write:
        return own
    return ALL if caller.is_national else own


def _reason(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("say why the screens are being taken over")
    return value


Reason = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_reason)]


class TakeoverCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    creative_ids: list[str] = Field(min_length=1, max_length=MAX_CREATIVES)
    target: TargetIn = Field(default_factory=TargetIn)
    starts_at: Instant | None = None
    ends_at: Instant
    reason: Reason
    break_glass: bool = False

    @field_validator("creative_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each creative may appear once")
        return value


class TakeoverEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(max_length=500)] | None = None


class TakeoverScreen(BaseModel):
    id: str
    name: str
    venue_id: str


class TakeoverPublic(BaseModel):
    id: str
    organisation_id: str
    state: TakeoverState
    reason: str
    creative_ids: list[str]
    target: TargetIn
    starts_at: datetime
    ends_at: datetime
    break_glass: bool
    confirm_by: datetime | None
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None
    ended_by: str | None
    ended_at: datetime | None
    # When it stops (or stopped) showing as things stand, and why.
    ending_at: datetime
    end_reason: EndReason | None
    screen_count: int | None = None
    screens: list[TakeoverScreen] | None = None


# A takeover changes what its screens show; its row in the change log names it.
track_playlist_inputs(Takeover, part=Part.programme, ignore=frozenset({"end_recorded"}))
track_playlist_inputs(
    TakeoverCreative, part=Part.programme, change=lambda link: ("takeovers", link.takeover_id)
)
