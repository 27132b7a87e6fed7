"""Proof of play: one row per play a screen reports, and nightly totals rolled up from them.

A play's id is the player's own UUID and the primary key, so a batch sent twice (the player
did not hear the answer) is counted once by the database itself, not by a check-then-insert.

The creative is not a foreign key: creatives can be deleted, and a play is history. The play
keeps what reports need (the creative's name, campaign and owner) as they were when it played.
"""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import BigInteger, ColumnElement, Index, select
from sqlmodel import Field, SQLModel, col

from signage.core.models import fk_field, instant_field
from signage.core.roles import OrganisationKind
from signage.core.tenancy import ALL, NONE, Caller, tenancy_rule
from signage.venues.models import Venue


class Play(SQLModel, table=True):
    __tablename__ = "plays"
    __table_args__ = (
        Index("ix_plays_venue_id_started_at", "venue_id", "started_at"),
        Index("ix_plays_creative_id_started_at", "creative_id", "started_at"),
        Index("ix_plays_organisation_id_started_at", "organisation_id", "started_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    screen_id: str = fk_field("screens.id", index=False)
    venue_id: str = fk_field("venues.id", index=False)
    # The creative's owner (a force or national): whose campaign this play counts for.
    organisation_id: str = fk_field("organisations.id", index=False)
    campaign_id: str = Field(max_length=36)
    creative_id: str = Field(max_length=36)
    creative_name: str = Field(max_length=200)
    started_at: datetime = instant_field(nullable=False, index=True)
    duration_ms: int
    received_at: datetime = instant_field(nullable=False, index=True)


class PlayNightly(SQLModel, table=True):
    """Plays and on-screen time per night, screen and creative; kept after raw plays expire.

    A night is the venue-local date on which it started, with the day turning at 06:00 local
    time: a play at 02:00 on Saturday counts for Friday night.
    """

    __tablename__ = "play_nightly"

    night: date = Field(primary_key=True)
    screen_id: str = Field(primary_key=True, max_length=36)
    creative_id: str = Field(primary_key=True, max_length=36)
    venue_id: str = Field(max_length=36, index=True)
    organisation_id: str = Field(max_length=36, index=True)
    campaign_id: str = Field(max_length=36)
    plays: int
    duration_ms: int = Field(sa_type=BigInteger)


class PlayTally(SQLModel, table=True):
    """Plays and on-screen time per night and creative, in each kind of venue, force area and
    venue owner: the totals the console's reports read (`signage.plays.night_reports`).

    Kept up to date as plays are recorded (`signage.plays.tally`) and recomputed from raw plays
    by the nightly rollup. It has no venue or screen dimension, so its size follows the
    campaigns and the estate's kinds, forces and owners, not the number of plays, venues or
    screens: a week of a national estate is a few thousand rows. The venue's kind, force and
    owner are those it had when its plays were counted, as a play keeps its creative's name.
    The night is the venue's, as in `PlayNightly`.
    """

    __tablename__ = "play_tally"
    __table_args__ = (
        Index("ix_play_tally_organisation_id_night", "organisation_id", "night"),
        Index("ix_play_tally_venue_owner_id_night", "venue_owner_id", "night"),
    )

    night: date = Field(primary_key=True)
    creative_id: str = Field(primary_key=True, max_length=36)
    venue_kind: str = Field(primary_key=True, max_length=32)
    force_id: str = Field(primary_key=True, max_length=36)
    venue_owner_id: str = Field(primary_key=True, max_length=36)
    # The creative's owner, its campaign and its name as last played (the creative may go).
    organisation_id: str = Field(max_length=36)
    campaign_id: str = Field(max_length=36)
    creative_name: str = Field(max_length=200)
    plays: int
    duration_ms: int = Field(sa_type=BigInteger)


@tenancy_rule(Play)
def _play_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    """Police staff see the plays of their organisation's creatives (national: all); partners
    see the plays on screens in their venues, deleted venues included (their history stays)."""
    if write:
        return NONE  # plays are written by screens only, never edited
    if caller.is_national:
        return ALL
    if caller.organisation_kind is OrganisationKind.force:
        return col(Play.organisation_id) == caller.organisation_id
    own_venues = select(col(Venue.id)).where(col(Venue.organisation_id) == caller.organisation_id)
    return col(Play.venue_id).in_(own_venues)


@tenancy_rule(PlayTally)
def _tally_rule(caller: Caller, write: bool) -> ColumnElement[bool]:
    """The scope of plays: the creative's owner, or the partner whose venues played it."""
    if write:
        return NONE
    if caller.is_national:
        return ALL
    if caller.organisation_kind is OrganisationKind.force:
        return col(PlayTally.organisation_id) == caller.organisation_id
    return col(PlayTally.venue_owner_id) == caller.organisation_id


# --- API schemas ------------------------------------------------------------------------------


class PlayBatch(BaseModel):
    """`POST /v1/player/plays`. Each record is checked on its own, so one bad record is
    rejected alone; the list is read leniently for that reason."""

    plays: list[Any]


class RejectedPlay(BaseModel):
    id: str | None
    reason: str
    index: int


class PlayBatchResult(BaseModel):
    accepted: list[str]
    duplicates: list[str]
    rejected: list[RejectedPlay]


class ReportRow(BaseModel):
    """One group: ``key`` is the group's id (or kind, or night date); the same value also
    appears under the grouping's own name (``creative_id``, ``venue_id``, ``venue_kind``,
    ``force_id`` or ``night``) so a row reads on its own."""

    key: str
    label: str
    plays: int
    seconds: float
    creative_id: str | None = None
    venue_id: str | None = None
    venue_kind: str | None = None
    force_id: str | None = None
    night: str | None = None


class ReportTotals(BaseModel):
    plays: int
    seconds: float


class PlayReport(BaseModel):
    group_by: str
    from_: datetime = PydanticField(serialization_alias="from")
    to: datetime
    rows: list[ReportRow]
    totals: ReportTotals
