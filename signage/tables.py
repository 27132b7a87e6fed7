"""Imports every table so SQLModel.metadata is complete (for Alembic and schema checks)."""

from signage.organisations.models import Organisation
from signage.player.models import ClaimFailure, PairingRequest
from signage.screens.models import Screen
from signage.users.models import User
from signage.venues.models import Venue

__all__ = ["ClaimFailure", "Organisation", "PairingRequest", "Screen", "User", "Venue"]
