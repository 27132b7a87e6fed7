"""Schedules as iCalendar (RFC 5545), so staff see the campaign calendar in Outlook.

Window times are wall-clock times at each venue, so the calendar is written in one venue's
terms: a given venue's timezone, nation (bank holidays) and opening hours, or else
Europe/London and England with no opening hours, in which case windows relative to opening
hours have nothing to resolve against and are left out.
"""

from datetime import date

from sqlmodel import Session

from signage.core.roles import OrganisationKind
from signage.organisations.models import Organisation
from signage.player.playlist import engine_schedule, engine_venue
from signage.schedules.models import Schedule
from signage.schedules.service import creative_ids_of
from signage.timing import ics
from signage.venues.models import Venue


def calendar_for(
    session: Session,
    *,
    schedules: list[Schedule],
    name: str,
    venue: Venue | None,
    today: date,
    horizon_days: int,
) -> bytes:
    links = creative_ids_of(session, [s.id for s in schedules])
    kinds: dict[str, OrganisationKind] = {}
    pairs = []
    for schedule in schedules:
        if schedule.organisation_id not in kinds:
            owner = session.get(Organisation, schedule.organisation_id)
            assert owner is not None
            kinds[owner.id] = OrganisationKind(owner.kind)
        engine = engine_schedule(schedule, links[schedule.id], kinds[schedule.organisation_id])
        pairs.append((engine, schedule.name))
    place = engine_venue(venue) if venue is not None else None
    return ics.organisation_feed(
        pairs,
        timezone=place.timezone if place else "Europe/London",
        nation=place.nation if place else "england",
        opening_hours=place.opening_hours if place else (),
        name=name,
        # From today on: staff plan forward, and one-off nights (bank holidays, opening-hour
        # windows) are listed for `horizon_days` from here.
        horizon_start=today,
        horizon_days=horizon_days,
    )
