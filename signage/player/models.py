"""Pairing requests of the device flow (after RFC 8628)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import String
from sqlmodel import Field, SQLModel

from signage.core.models import created_at_field, fk_field, id_field, instant_field
from signage.core.schemas import StorableInput
from signage.screens.models import Orientation


class PairingRequest(SQLModel, table=True):
    __tablename__ = "pairing_requests"

    id: str = id_field()
    device_code_hash: str = Field(max_length=64, unique=True)
    # Unique among rows that exist; expired rows are purged before a new code is drawn.
    user_code: str = Field(max_length=16, unique=True)
    orientation: Orientation | None = Field(default=None, sa_type=String(16))
    width: int | None = None
    height: int | None = None
    player: str | None = Field(default=None, max_length=200)
    expires_at: datetime = instant_field(nullable=False, index=True)
    last_polled_at: datetime | None = instant_field()
    screen_id: str | None = fk_field("screens.id", nullable=True)
    # Set when the device collected its token: a device code grants exactly once.
    consumed_at: datetime | None = instant_field()
    created_at: datetime = created_at_field()


class PairRequest(StorableInput):
    model_config = ConfigDict(extra="forbid")

    orientation: Orientation | None = None
    width: int | None = PydanticField(default=None, ge=1, le=16384)
    height: int | None = PydanticField(default=None, ge=1, le=16384)
    player: str | None = PydanticField(default=None, max_length=200)


class PairResponse(BaseModel):
    device_code: str
    user_code: str
    expires_in: int
    interval: int


class PairPoll(StorableInput):
    model_config = ConfigDict(extra="forbid")

    device_code: str = PydanticField(min_length=1, max_length=128)


class PairGranted(BaseModel):
    screen_id: str
    device_token: str
