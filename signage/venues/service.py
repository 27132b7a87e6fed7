"""Venues: partners register and edit theirs; forces read those in their area."""

from typing import Any

from sqlmodel import Session, func, select

from signage.core.errors import Forbidden, Invalid
from signage.core.roles import OrganisationKind
from signage.core.tenancy import Caller, get_scoped, scoped_select, visible
from signage.organisations.models import Organisation
from signage.venues.models import Venue, VenueCreate, VenueUpdate


def _check_force(session: Session, force_id: str) -> None:
    force = session.get(Organisation, force_id)
    if force is None or force.kind != OrganisationKind.force:
        raise Invalid(f"force_id: {force_id} is not a police force organisation")


def create_for(session: Session, *, caller: Caller, data: VenueCreate) -> Venue:
    if not caller.manages_venues:
        raise Forbidden("only a partner organisation's partner users or admins register venues")
    _check_force(session, data.force_id)
    venue = Venue(
        organisation_id=caller.organisation_id,
        **data.model_dump(mode="json"),
    )
    session.add(venue)
    session.flush()
    return venue


def list_for(
    session: Session, *, caller: Caller, offset: int = 0, limit: int | None = None
) -> list[Venue]:
    query = scoped_select(caller, Venue).order_by(Venue.name, Venue.id).offset(offset)
    return list(session.exec(query if limit is None else query.limit(limit)))


def count_for(session: Session, *, caller: Caller) -> int:
    query = select(func.count()).select_from(Venue).where(visible(caller, Venue))
    return int(session.exec(query).one())


def get_for(session: Session, *, caller: Caller, venue_id: str, write: bool = False) -> Venue:
    return get_scoped(session, caller, Venue, venue_id, write=write, what="venue")


def update_for(session: Session, *, caller: Caller, venue_id: str, data: VenueUpdate) -> Venue:
    venue = get_for(session, caller=caller, venue_id=venue_id, write=True)
    changes: dict[str, Any] = data.model_dump(mode="json", exclude_unset=True)
    for required in ("name", "kind", "force_id", "nation", "timezone", "opening_hours"):
        if required in changes and changes[required] is None:
            raise Invalid(f"{required}: may be changed but not removed")
    if "force_id" in changes:
        _check_force(session, changes["force_id"])
    for field, value in changes.items():
        setattr(venue, field, value)
    session.add(venue)
    session.flush()
    return venue
