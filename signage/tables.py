"""Imports every table so SQLModel.metadata is complete (for Alembic and schema checks).

The console's own table is declared here rather than in signage/console: the console sits
above this module in the layers, and this is where the metadata must be complete.
"""

from datetime import datetime

from sqlmodel import Field, SQLModel

from signage.audit.models import AuditEntry
from signage.campaigns.models import Campaign
from signage.core.jobs import JobRun
from signage.core.models import created_at_field, fk_field, instant_field
from signage.core.throttle import ThrottleCounter
from signage.core.versioning import PlaylistChange, StateVersion
from signage.creatives.models import Creative, CreativeEvent
from signage.organisations.models import Organisation
from signage.player.models import PairingRequest
from signage.plays.models import Play, PlayNightly, PlayTally
from signage.schedules.models import Schedule, ScheduleCreative
from signage.screens.models import Screen
from signage.screens.outages import ScreenOutage
from signage.takeovers.models import Takeover, TakeoverCreative, TakeoverDelivery
from signage.users.models import RevokedToken, User
from signage.venues.models import Venue


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser of the staff console (signage/console/sessions.py).

    Only a digest of the cookie's random value is kept, so a copy of the table signs no one in.
    """

    __tablename__ = "console_sessions"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie value
    user_id: str = fk_field("users.id", ondelete="CASCADE")
    csrf_secret: str = Field(max_length=64)
    created_at: datetime = created_at_field()
    last_seen_at: datetime = created_at_field()
    # The absolute end; the idle end is last_seen_at plus the idle setting.
    expires_at: datetime = instant_field(nullable=False, index=True)


__all__ = [
    "AuditEntry",
    "ConsoleSession",
    "Campaign",
    "Creative",
    "CreativeEvent",
    "JobRun",
    "Organisation",
    "PairingRequest",
    "Play",
    "PlayNightly",
    "PlayTally",
    "RevokedToken",
    "Schedule",
    "ScheduleCreative",
    "Screen",
    "ScreenOutage",
    "PlaylistChange",
    "StateVersion",
    "Takeover",
    "TakeoverCreative",
    "TakeoverDelivery",
    "ThrottleCounter",
    "User",
    "Venue",
]
