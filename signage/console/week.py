"""Week at a glance, for a screen and for a schedule: seven nights in the venue's local time.

A screen's week is what its poll would return: the poll's own loader and compiler
(``read_snapshot`` + ``Snapshot.playlist_for``, as ``GET /v1/screens/{id}/playlist`` does),
compiled at the start of each night (12:00 on the venue's clock); one compiled playlist covers
the current segment and the day after it, so each night is drawn from its own.

A schedule's week is when it is on air at one of the venues it reaches, from the engine
(``timing.on_air_intervals``) with the schedule and venue converted as the poll converts them
(``signage.schedules.timing_inputs``). Which venues it reaches is the engine's targeting rule
(``timing.targets``) over the live screens the caller may see.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col
from starlette.responses import Response

from signage import timing
from signage.console.api_forms import FieldError
from signage.console.i18n import N_, WELSH, Translator
from signage.console.kept import Kept
from signage.console.navigation import may_visit
from signage.console.overview import area_key
from signage.console.routing import (
    ConsoleRoute,
    SignedInDep,
    Visitor,
    VisitorDep,
    check_csrf,
    page_for,
)
from signage.console.screen_pages import creative_names
from signage.console.templating import render
from signage.console.week_grid import (
    NIGHTS,
    Bar,
    Grid,
    Night,
    draw_week,
    first_nights_allowed,
    tonight,
    week_nights,
)
from signage.core.db import read_session
from signage.core.errors import Forbidden, NotFound
from signage.core.tenancy import Caller, visible
from signage.core.types import utcnow
from signage.core.versioning import Part, read_version
from signage.player.state import Programmes, read_snapshot
from signage.schedules import service as schedules
from signage.schedules.timing_inputs import (
    screen_tags,
    tags_of,
    timing_schedules,
    timing_screen,
    timing_venue_row,
    venue_columns,
)
from signage.screens import service as screens
from signage.screens.models import Screen
from signage.venues import service as venues
from signage.venues.models import Venue

router = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

ObjectId = Annotated[str, Path(max_length=64)]
FromDate = Annotated[str, Query(alias="from", max_length=30)]

BAD_DATE = N_("Enter a real date, such as 2026-12-25")
DATE_OUT_OF_RANGE = N_("Enter a date between 2000 and 2100")
NOT_A_VENUE = N_("Select one of the venues this schedule reaches")
NOT_POLICE = N_(
    "Only police staff see a schedule’s week: editors, approvers and admins of a force or the "
    "national unit."
)
SCHEDULES = "/console/schedules"


@dataclass(frozen=True)
class Week:
    first: date
    previous: str | None  # the query of the week before, None at the end of the range
    next: str | None
    previous_label: str  # "14 October to 20 October"
    next_label: str


def _parse_first(text: str) -> tuple[date, FieldError | None]:
    """The week's first night from ``?from=`` (tonight's date when empty), or an error on the
    form's date field (and tonight's week, so the page still shows one)."""
    default = tonight(utcnow())
    if not text.strip():
        return default, None
    try:
        first = date.fromisoformat(text.strip())
    except ValueError:
        return default, FieldError("from", BAD_DATE)
    earliest, latest = first_nights_allowed()
    if not earliest <= first <= latest:
        return default, FieldError("from", DATE_OUT_OF_RANGE)
    return first, None


def _week(first: date, translator: Translator, **keep: str) -> Week:
    earliest, latest = first_nights_allowed()
    before, after = first - timedelta(days=NIGHTS), first + timedelta(days=NIGHTS)
    locale = "cy_GB" if translator.language == WELSH else "en_GB"

    def query(day: date) -> str:
        return urlencode({**{k: v for k, v in keep.items() if v}, "from": day.isoformat()})

    def label(day: date) -> str:
        last = day + timedelta(days=NIGHTS - 1)
        return translator.gettext("%(start)s to %(end)s") % {
            "start": format_date(day, "d MMMM", locale=locale),
            "end": format_date(last, "d MMMM", locale=locale),
        }

    return Week(
        first=first,
        previous=query(before) if before >= earliest else None,
        next=query(after) if after <= latest else None,
        previous_label=label(before),
        next_label=label(after),
    )


# --- a screen's week ----------------------------------------------------------------------


def screen_bars(
    session: Session,
    *,
    screen_id: str,
    nights: list[Night],
    poll_after: int,
    programmes: Programmes,
) -> list[list[Bar]]:
    """What the screen plays each night, as its poll would say at the start of the night."""
    snapshot = read_snapshot(session, version=0, screen_id=screen_id, programmes=programmes)
    entry = snapshot.by_id.get(screen_id)
    if entry is None:
        raise NotFound("screen not found")  # revoked or its venue deleted since the read
    found: list[list[tuple[datetime, datetime, list[str]]]] = []
    for night in nights:  # in time order, as the poll's cache expects
        compiled, _etag = snapshot.playlist_for(entry, now=night.starts, poll_after=poll_after)
        body = json.loads(compiled.body_for(screen_id))
        segments: list[tuple[datetime, datetime, list[str]]] = []
        for segment in body["timeline"]:
            # Past the compiled horizon a segment runs "until further notice": to the night's end.
            ends = _instant(segment["ends_at"]) if segment["ends_at"] else night.ends
            ids = list(dict.fromkeys(i["creative_id"] for i in segment["items"]))
            if ids and ends > night.starts and _instant(segment["starts_at"]) < night.ends:
                segments.append((_instant(segment["starts_at"]), ends, ids))
        found.append(segments)
    names = creative_names(session, {i for night in found for _s, _e, ids in night for i in ids})
    tones: dict[str, int] = {}
    bars: list[list[Bar]] = []
    for segments in found:
        row: list[Bar] = []
        for starts, ends, ids in segments:
            label = ", ".join(names.get(i, i) for i in ids)
            row.append(Bar(starts, ends, label, tones.setdefault(label, len(tones))))
        bars.append(row)
    return bars


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@router.get("/screens/{screen_id}/week")
def screen_week(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    screen_id: ObjectId,
    from_: FromDate = "",
) -> Response:
    caller = signed_in.caller
    first, error = _parse_first(from_)
    with read_session(request.app.state.engine) as session:
        screen = screens.get_for(session, caller=caller, screen_id=screen_id)
        venue = venues.get_for(session, caller=caller, venue_id=screen.venue_id)
        nights = week_nights(venue.timezone, venue.nation, first)
        bars = screen_bars(
            session,
            screen_id=screen.id,
            nights=nights,
            poll_after=request.app.state.settings.poll_after_seconds,
            programmes=request.app.state.programmes,
        )
    grid = draw_week(nights, bars, zone_name=venue.timezone, translator=visitor.translator)
    return render(
        request,
        "screen_week.html",
        page_for(request, visitor, current="/console/screens"),
        {
            "screen": screen,
            "venue": venue,
            "grid": grid,
            "week": _week(first, visitor.translator),
            "from_value": from_ if error else first.isoformat(),
            "errors": (error,) if error else (),
        },
        status_code=422 if error else 200,
    )


# --- a schedule's week --------------------------------------------------------------------


@dataclass(frozen=True)
class ReachedVenue:
    id: str
    name: str
    engine: timing.Venue


def venues_reached(
    session: Session, *, caller: Caller, subject: timing.Schedule
) -> list[ReachedVenue]:
    """The venues the caller may see with a live screen the schedule targets, by name.

    The database narrows by the target's venue-level keys and its screen ids; the engine's
    ``targets`` decides. A target with no screen-level key (screen ids or tags) treats every
    screen of a venue alike, so one screen per venue is enough to ask about."""
    target = subject.target
    venue_query = venue_columns().where(visible(caller, Venue))
    if target.venue_ids:
        venue_query = venue_query.where(col(Venue.id).in_(target.venue_ids))
    if target.venue_kinds:
        venue_query = venue_query.where(col(Venue.kind).in_(target.venue_kinds))
    if target.force_ids:
        venue_query = venue_query.where(col(Venue.force_id).in_(target.force_ids))
    places = {row[0]: timing_venue_row(row) for row in session.execute(venue_query)}
    if not places:
        return []
    live = [col(Screen.revoked_at).is_(None), col(Screen.venue_id).in_(list(places))]
    if target.screen_ids:
        live.append(col(Screen.id).in_(target.screen_ids))
    screen_query = select_columns(
        col(Screen.id), col(Screen.venue_id), col(Screen.orientation), screen_tags()
    ).where(*live)
    if not (target.screen_ids or target.tags):
        one_each = select_columns(func.min(col(Screen.id))).where(*live).group_by(Screen.venue_id)
        screen_query = screen_query.where(col(Screen.id).in_(one_each))
    reached: set[str] = set()
    for screen_id, venue_id, orientation, tags in session.execute(screen_query):
        if venue_id in reached:
            continue
        view = timing_screen(screen_id, places[venue_id], orientation, tags_of(tags))
        if timing.targets(target, view):
            reached.add(venue_id)
    if not reached:
        return []
    names = session.execute(
        select_columns(col(Venue.id), col(Venue.name)).where(col(Venue.id).in_(reached))
    )
    found = [ReachedVenue(str(i), str(n), places[str(i)]) for i, n in names]
    return sorted(found, key=lambda v: (v.name.casefold(), v.id))


def reached_venues() -> Kept[list[ReachedVenue]]:
    """The venues a schedule reaches, per (area, schedule, versions of the programme and the
    estate), one store per app: over a national estate they take longer to find than the page
    to draw, and people step through the weeks of one schedule."""
    return Kept(32)


def on_air_bars(
    subject: timing.Schedule, venue: timing.Venue, nights: list[Night], *, label: str
) -> list[list[Bar]]:
    """When the schedule is on air at the venue each night (its windows and dates)."""
    return [
        [
            Bar(starts, ends, label)
            for starts, ends in timing.on_air_intervals(
                schedule=subject, venue=venue, start=night.starts, end=night.ends
            )
        ]
        for night in nights
    ]


def _schedule_week_page(
    request: Request,
    visitor: Visitor,
    *,
    schedule_name: str,
    schedule_id: str,
    reached: list[ReachedVenue],
    chosen: ReachedVenue | None,
    grid: Grid | None,
    week: Week,
    from_value: str,
    errors: tuple[FieldError, ...],
) -> Response:
    return render(
        request,
        "schedule_week.html",
        page_for(request, visitor, current=SCHEDULES),
        {
            "schedule_name": schedule_name,
            "schedule_id": schedule_id,
            "venue_options": [(v.id, v.name) for v in reached],
            "chosen": chosen,
            "grid": grid,
            "week": week,
            "from_value": from_value,
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )


@router.get("/schedules/{schedule_id}/week")
def schedule_week(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    schedule_id: ObjectId,
    from_: FromDate = "",
    venue: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    caller = signed_in.caller
    if not may_visit(caller, SCHEDULES):  # partners never see schedules, as on their pages
        raise Forbidden(NOT_POLICE)
    first, date_error = _parse_first(from_)
    errors: list[FieldError] = [date_error] if date_error else []
    with read_session(request.app.state.engine) as session:
        schedule = schedules.get_for(session, caller=caller, schedule_id=schedule_id)
        converted = timing_schedules(session, [schedule])
        # A schedule whose owner may no longer own schedules reaches nothing, as in the poll.
        reached = []
        if converted:
            connection = session.connection()
            # Read before the rows: nothing is kept under a version older than its data.
            key = (
                *area_key(caller),
                schedule.id,
                read_version(connection, Part.programme),
                read_version(connection, Part.estate),
            )
            store: Kept[list[ReachedVenue]] = request.app.state.console_reached
            kept = store.get(key)
            if kept is None:
                kept = venues_reached(session, caller=caller, subject=converted[0])
                store.put(key, kept)
            reached = kept
    chosen = next((v for v in reached if v.id == venue), None) if venue else None
    if venue and chosen is None and reached:
        errors.append(FieldError("venue", NOT_A_VENUE))
    chosen = chosen or (reached[0] if reached else None)
    grid = None
    if chosen is not None:
        nights = week_nights(chosen.engine.timezone, chosen.engine.nation, first)
        bars = on_air_bars(converted[0], chosen.engine, nights, label=schedule.name)
        grid = draw_week(
            nights, bars, zone_name=chosen.engine.timezone, translator=visitor.translator
        )
    return _schedule_week_page(
        request,
        visitor,
        schedule_name=schedule.name,
        schedule_id=schedule.id,
        reached=reached,
        chosen=chosen,
        grid=grid,
        week=_week(first, visitor.translator, venue=chosen.id if chosen and venue else ""),
        from_value=from_ if date_error else first.isoformat(),
        errors=tuple(errors),
    )
