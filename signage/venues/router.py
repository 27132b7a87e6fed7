from fastapi import APIRouter

from signage.core.deps import CurrentCaller, SessionDep
from signage.venues import service
from signage.venues.models import Venue, VenueCreate, VenuePublic, VenueUpdate

router = APIRouter(prefix="/v1/venues", tags=["venues"])


def _public(venue: Venue) -> VenuePublic:
    return VenuePublic.model_validate(venue, from_attributes=True)


@router.post("", status_code=201, response_model=VenuePublic)
def create_venue(data: VenueCreate, session: SessionDep, caller: CurrentCaller) -> VenuePublic:
    """Register a venue of your partner organisation.

    `force_id` is the police force whose area the venue is in (list them with
    `GET /v1/organisations?kind=force`); `nation` picks the bank-holiday calendar; an opening
    period whose `close` is at or before its `open` ends on the next day.
    """
    return _public(service.create_for(session, caller=caller, data=data))


@router.get("", response_model=list[VenuePublic])
def list_venues(session: SessionDep, caller: CurrentCaller) -> list[VenuePublic]:
    """Venues you can see: a partner its own, a force those in its area, national all."""
    return [_public(v) for v in service.list_for(session, caller=caller)]


@router.get("/{venue_id}", response_model=VenuePublic)
def read_venue(venue_id: str, session: SessionDep, caller: CurrentCaller) -> VenuePublic:
    """One venue you can see."""
    return _public(service.get_for(session, caller=caller, venue_id=venue_id))


@router.patch("/{venue_id}", response_model=VenuePublic)
def update_venue(
    venue_id: str, data: VenueUpdate, session: SessionDep, caller: CurrentCaller
) -> VenuePublic:
    """Change any of a venue's fields (its partner organisation only)."""
    return _public(service.update_for(session, caller=caller, venue_id=venue_id, data=data))
