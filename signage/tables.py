"""Imports every table so SQLModel.metadata is complete (for Alembic and schema checks)."""

from signage.campaigns.models import Campaign
from signage.core.jobs import JobRun
from signage.core.throttle import ThrottleCounter
from signage.core.versioning import StateVersion
from signage.creatives.models import Creative, CreativeEvent
from signage.organisations.models import Organisation
from signage.player.models import PairingRequest
from signage.plays.models import Play, PlayNightly
from signage.schedules.models import Schedule, ScheduleCreative
from signage.screens.models import Screen
from signage.screens.outages import ScreenOutage
from signage.users.models import RevokedToken, User
from signage.venues.models import Venue

__all__ = [
    "Campaign",
    "Creative",
    "CreativeEvent",
    "JobRun",
    "Organisation",
    "PairingRequest",
    "Play",
    "PlayNightly",
    "RevokedToken",
    "Schedule",
    "ScheduleCreative",
    "Screen",
    "ScreenOutage",
    "StateVersion",
    "ThrottleCounter",
    "User",
    "Venue",
]
