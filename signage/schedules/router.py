from datetime import UTC, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from signage.core.bounds import Instant, check_range
from signage.core.db import read_session
from signage.core.deps import CurrentCaller, EngineDep, SessionDep
from signage.core.errors import Invalid
from signage.core.tenancy import Caller, get_scoped
from signage.core.types import utcnow
from signage.schedules import reach, service
from signage.schedules.calendar import MAX_CALENDAR_DAYS, load_calendar, render_calendar
from signage.schedules.models import Schedule, ScheduleCreate, SchedulePublic, ScheduleUpdate
from signage.schedules.reach import MAX_RANGE, MAX_RANGE_TEXT, ReachReport
from signage.venues.models import Venue

router = APIRouter(prefix="/v1/schedules", tags=["schedules"])


def _public(session: SessionDep, schedule: Schedule) -> SchedulePublic:
    creative_ids = service.creative_ids_of(session, [schedule.id])[schedule.id]
    return service.to_public(schedule, creative_ids)


ICS = "text/calendar; charset=utf-8"
_ics_response: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}
}


def _calendar_venue(session: Session, caller: Caller, venue_id: str | None) -> Venue | None:
    if venue_id is None:
        return None
    return get_scoped(session, caller, Venue, venue_id, what="venue")


@router.get(".ics", response_class=Response, responses=_ics_response)
def organisation_calendar(
    engine: EngineDep,
    caller: CurrentCaller,
    venue_id: str | None = None,
    days: Annotated[int, Query(ge=1, le=MAX_CALENDAR_DAYS)] = 366,
) -> Response:
    """Every schedule you can see as one calendar feed (subscribe to it in Outlook).

    Times are those of `venue_id` (timezone, bank holidays, opening hours) when given, else
    Europe/London; windows relative to opening hours need a venue and are left out otherwise.
    Dated events are listed for the next `days` days, at most 366 (a year ahead).
    """
    # Read in a short session, closed before the file is written (no transaction held).
    now = utcnow()
    with read_session(engine) as session:
        inputs = load_calendar(
            session,
            schedules=service.list_for(session, caller=caller),
            name="signage schedules",
            venue=_calendar_venue(session, caller, venue_id),
            today=now.date(),
            horizon_days=days,
        )
    return Response(render_calendar(inputs, now=now), media_type=ICS)


@router.get("/{schedule_id}.ics", response_class=Response, responses=_ics_response)
def schedule_calendar(
    schedule_id: str,
    engine: EngineDep,
    caller: CurrentCaller,
    venue_id: str | None = None,
    days: Annotated[int, Query(ge=1, le=MAX_CALENDAR_DAYS)] = 366,
) -> Response:
    """One schedule as iCalendar: weekly windows as RRULEs in venue-local time, bank-holiday
    nights and opening-hour windows as dated events for the next `days` days (at most 366)."""
    now = utcnow()
    with read_session(engine) as session:
        schedule = service.get_for(session, caller=caller, schedule_id=schedule_id)
        inputs = load_calendar(
            session,
            schedules=[schedule],
            name=schedule.name,
            venue=_calendar_venue(session, caller, venue_id),
            today=now.date(),
            horizon_days=days,
        )
    return Response(render_calendar(inputs, now=now), media_type=ICS)


@router.get("/{schedule_id}/reach", response_model=ReachReport)
def schedule_reach(
    schedule_id: str,
    engine: EngineDep,
    caller: CurrentCaller,
    from_: Annotated[Instant | None, Query(alias="from")] = None,
    to: Instant | None = None,
) -> ReachReport:
    """How many screens the schedule reaches between `from` and `to` (default: the next 7
    days), how many hours it is on air there, and how many of those it is actually shown:
    with an approved, valid creative that fits the screen, and not beaten by a higher
    priority. A schedule that never airs shows `shown_hours: 0` here before the weekend.

    The range may span at most 92 days (a longer one is a 422); ask for a quarter at a time."""
    start = (from_ or utcnow()).astimezone(UTC)
    end = (to or start + timedelta(days=7)).astimezone(UTC)
    if end <= start:
        raise Invalid("to: must be after from")
    if end - start > MAX_RANGE:
        raise Invalid(f"to: the range may span at most {MAX_RANGE_TEXT}")
    check_range(start, end)
    # Rows are read in a short session of their own, closed before the computation starts:
    # no transaction (nor pooled connection) is held while the report is computed.
    with read_session(engine) as session:
        schedule = service.get_for(session, caller=caller, schedule_id=schedule_id)
        inputs = reach.load_inputs(session, schedule=schedule)
    return reach.compute_reach(inputs, start=start, end=end)


@router.post("", status_code=201, response_model=SchedulePublic)
def create_schedule(
    data: ScheduleCreate, session: SessionDep, caller: CurrentCaller
) -> SchedulePublic:
    """Schedule creatives of your organisation into night-time windows.

    Window times are wall-clock times at each venue; an end at or before the start runs past
    midnight and belongs to the night it starts. Times may be relative to the venue's opening
    period of that night: `open`, `close`, `close-01:00`, `open+00:30`. Days are `mon`..`sun`,
    `bank_holiday` and `bank_holiday_eve` (per the venue's nation). The highest `priority` on
    air wins; schedules of equal priority share screen time by `weight`. An empty `target`
    reaches every screen you may reach (a force: its own area).
    """
    return _public(session, service.create_for(session, caller=caller, data=data))


@router.get("", response_model=list[SchedulePublic])
def list_schedules(session: SessionDep, caller: CurrentCaller) -> list[SchedulePublic]:
    """Schedules you can see: your organisation's (national staff see all)."""
    schedules = service.list_for(session, caller=caller)
    creatives = service.creative_ids_of(session, [s.id for s in schedules])
    return [service.to_public(s, creatives[s.id]) for s in schedules]


@router.get("/{schedule_id}", response_model=SchedulePublic)
def read_schedule(schedule_id: str, session: SessionDep, caller: CurrentCaller) -> SchedulePublic:
    """One schedule."""
    return _public(session, service.get_for(session, caller=caller, schedule_id=schedule_id))


@router.patch("/{schedule_id}", response_model=SchedulePublic)
def update_schedule(
    schedule_id: str, data: ScheduleUpdate, session: SessionDep, caller: CurrentCaller
) -> SchedulePublic:
    """Change any subset of a schedule's fields."""
    schedule = service.update_for(session, caller=caller, schedule_id=schedule_id, data=data)
    return _public(session, schedule)


@router.delete("/{schedule_id}", status_code=204)
def delete_schedule(schedule_id: str, session: SessionDep, caller: CurrentCaller) -> Response:
    """Delete a schedule; screens stop showing it at their next poll."""
    service.delete_for(session, caller=caller, schedule_id=schedule_id)
    return Response(status_code=204)
