"""Preview: what a screen plays at a date and time on its venue's clock, and the next changes.

The answer is the poll's own: ``read_snapshot`` for that one screen and
``Snapshot.playlist_for`` at the instant, exactly as ``GET /v1/screens/{id}/playlist?at=``
computes it, so the thumbnails are the creatives of that body. The venue-local date and time
become an instant by the engine's ``local_to_utc``; a time the clocks skip or repeat is
resolved as the engine resolves it, and the page says so in words.

Partners preview their own screens. Police creatives are not theirs to see in the Campaigns
area, so the thumbnails here are served per screen: a creative's thumbnail is shown to whoever
may see a screen that one of its schedules targets, once it is approved (what the screen may
show in public).
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated

from babel.dates import format_date, format_time
from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select
from starlette.responses import Response

from signage import timing
from signage.console.api_forms import FieldError
from signage.console.i18n import CONSOLE_TIMEZONE, N_, WELSH, Translator
from signage.console.routing import ConsoleRoute, SignedInDep, VisitorDep, check_csrf, page_for
from signage.console.screen_pages import creative_names
from signage.console.templating import render
from signage.core.db import read_session
from signage.core.errors import NotFound
from signage.core.http import etag_matches
from signage.core.tenancy import Caller, visible
from signage.core.types import EARLIEST_DATE, EARLIEST_INSTANT, LATEST_DATE, LATEST_INSTANT, utcnow
from signage.creatives.models import Creative
from signage.media import MediaStore
from signage.player.state import Programmes, read_snapshot
from signage.schedules.models import Schedule, ScheduleCreative
from signage.schedules.timing_inputs import load_creatives, load_screens, timing_schedules
from signage.screens import service as screens
from signage.screens.models import Screen
from signage.venues import service as venues
from signage.venues.models import Venue

router = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

AREA = "/console/screens"  # the preview belongs with the screens in the navigation
ObjectId = Annotated[str, Path(max_length=64)]
# A select of more screens than this is no help to anyone: they start from the screen's page.
PICKER_LIMIT = 500
NEXT_CHANGES = 5

NO_SCREEN = N_("Select a screen")
NO_DATE = N_("Enter a date")
BAD_DATE = N_("Enter a real date, such as 2026-12-25")
DATE_OUT_OF_RANGE = N_("Enter a date between 2000 and 2100")
NO_TIME = N_("Enter a time")
BAD_TIME = N_("Enter a real time, such as 21:30")
IN_THE_GAP = N_("%(time)s does not exist on %(date)s: the clocks go forward; showing %(shown)s")
IN_THE_FOLD = N_(
    "%(time)s happens twice on %(date)s: the clocks go back; showing the first %(time)s, "
    "before they go back"
)


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


def screen_choices(session: Session, caller: Caller) -> tuple[list[Choice], int]:
    """The caller's screens for the select, by venue and name (none past PICKER_LIMIT), and
    how many there are in all; the screens' own tenancy rule, as the fleet table applies it."""
    joined = col(Screen.venue_id) == col(Venue.id)
    where = visible(caller, Screen)
    total = int(
        session.execute(
            select_columns(func.count()).select_from(Screen).join(Venue, joined).where(where)
        ).scalar_one()
    )
    if total > PICKER_LIMIT:
        return [], total
    rows = session.execute(
        select_columns(col(Screen.id), col(Screen.name), col(Venue.name))
        .join(Venue, joined)
        .where(where)
        .order_by(col(Venue.name), col(Screen.name), col(Screen.id))
    )
    return [Choice(str(i), f"{name} – {venue}") for i, name, venue in rows], total


@dataclass(frozen=True)
class Shown:
    id: str
    name: str


@dataclass(frozen=True)
class Moment:
    starts: str  # venue-local, "22:00" or "Saturday 5 December, 02:00"
    ends: str | None  # None: until further notice
    creatives: list[Shown]


@dataclass(frozen=True)
class Answer:
    instant: datetime
    date: str  # the instant shown, on the venue's calendar and clock
    time: str
    note: str | None  # what happened to a time in the clocks' gap or fold
    now: Moment
    changes: list[Moment]


def _locale(translator: Translator) -> str:
    return "cy_GB" if translator.language == WELSH else "en_GB"


def resolve(
    zone_name: str, day: date, at: time, translator: Translator
) -> tuple[datetime, str | None]:
    """The UTC instant of wall-clock ``at`` on ``day`` by the engine's rule, and in words what
    it did with a time the clocks skip (read before the gap) or repeat (the first one)."""
    instant = timing.local_to_utc(zone_name, day, at)
    zone = timing.zone(zone_name)
    shown = instant.astimezone(zone)
    asked = datetime.combine(day, at)
    words = {
        "time": f"{at.hour:02d}:{at.minute:02d}",
        "date": format_date(day, "d MMMM y", locale=_locale(translator)),
        "shown": f"{shown.hour:02d}:{shown.minute:02d}",
    }
    if shown.replace(tzinfo=None) != asked:
        return instant, translator.gettext(IN_THE_GAP) % words
    first = asked.replace(tzinfo=zone).utcoffset()
    second = asked.replace(tzinfo=zone, fold=1).utcoffset()
    if first != second:
        return instant, translator.gettext(IN_THE_FOLD) % words
    return instant, None


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def plays_at(
    session: Session,
    *,
    screen_id: str,
    instant: datetime,
    zone_name: str,
    poll_after: int,
    translator: Translator,
    programmes: Programmes,
) -> tuple[Moment, list[Moment]]:
    """What the screen plays at ``instant`` and the next changes: its poll's body then."""
    snapshot = read_snapshot(session, version=0, screen_id=screen_id, programmes=programmes)
    entry = snapshot.by_id.get(screen_id)
    if entry is None:
        raise NotFound("screen not found")  # revoked or its venue deleted since the read
    compiled, _etag = snapshot.playlist_for(entry, now=instant, poll_after=poll_after)
    timeline = json.loads(compiled.body_for(screen_id))["timeline"][: 1 + NEXT_CHANGES]
    ids = [list(dict.fromkeys(i["creative_id"] for i in s["items"])) for s in timeline]
    names = creative_names(session, {i for found in ids for i in found})
    zone = timing.zone(zone_name)
    locale = _locale(translator)
    asked_day = instant.astimezone(zone).date()

    def local(at: datetime) -> str:
        clock = format_time(at, "HH:mm", tzinfo=zone, locale=locale)
        if at.astimezone(zone).date() == asked_day:
            return clock
        return f"{format_date(at.astimezone(zone).date(), 'EEEE d MMMM', locale=locale)}, {clock}"

    moments = [
        Moment(
            starts=local(max(_instant(s["starts_at"]), instant)),
            ends=local(_instant(s["ends_at"])) if s["ends_at"] else None,
            creatives=[Shown(i, names.get(i, i)) for i in found],
        )
        for s, found in zip(timeline, ids, strict=True)
    ]
    return moments[0], moments[1:]


def _parse_day(text: str) -> tuple[date | None, FieldError | None]:
    if not text.strip():
        return None, FieldError("date", NO_DATE)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None, FieldError("date", BAD_DATE)
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        return None, FieldError("date", DATE_OUT_OF_RANGE)
    return day, None


def _parse_time(text: str) -> tuple[time | None, FieldError | None]:
    text = text.strip()
    if not text:
        return None, FieldError("time", NO_TIME)
    try:
        at = time.fromisoformat(text)
    except ValueError:
        return None, FieldError("time", BAD_TIME)
    if at.tzinfo is not None or len(text) < 4:
        return None, FieldError("time", BAD_TIME)
    return at.replace(second=0, microsecond=0), None


def _answer(
    session: Session,
    *,
    screen: Screen,
    venue: Venue,
    day: date,
    at: time,
    poll_after: int,
    translator: Translator,
    programmes: Programmes,
) -> Answer | FieldError:
    instant, note = resolve(venue.timezone, day, at, translator)
    if not EARLIEST_INSTANT <= instant <= LATEST_INSTANT:
        return FieldError("date", DATE_OUT_OF_RANGE)  # 1 January 2000, 00:30 in Kiribati
    now, changes = plays_at(
        session,
        screen_id=screen.id,
        instant=instant,
        zone_name=venue.timezone,
        poll_after=poll_after,
        translator=translator,
        programmes=programmes,
    )
    zone, locale = timing.zone(venue.timezone), _locale(translator)
    when = format_date(instant.astimezone(zone).date(), "EEEE d MMMM y", locale=locale)
    clock = format_time(instant, "HH:mm", tzinfo=zone, locale=locale)
    return Answer(instant, when, clock, note, now, changes)


@router.get("/preview")
def preview(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    screen_id: Annotated[str, Query(max_length=64)] = "",
    day_text: Annotated[str, Query(alias="date", max_length=30)] = "",
    time_text: Annotated[str, Query(alias="time", max_length=30)] = "",
) -> Response:
    caller = signed_in.caller
    translator = visitor.translator
    # The form was sent (not a first visit, nor a link naming only the screen).
    asked = "date" in request.query_params or "time" in request.query_params
    errors: list[FieldError] = []
    answer: Answer | None = None
    screen: Screen | None = None
    venue: Venue | None = None
    with read_session(request.app.state.engine) as session:
        choices, total = screen_choices(session, caller)
        if screen_id:
            # Another organisation's screen is not found, here as in the API.
            screen = screens.get_for(session, caller=caller, screen_id=screen_id)
            venue = venues.get_for(session, caller=caller, venue_id=screen.venue_id)
        if asked:
            if screen is None:
                errors.append(FieldError("screen_id", NO_SCREEN))
            day, day_error = _parse_day(day_text)
            at, time_error = _parse_time(time_text)
            errors.extend(e for e in (day_error, time_error) if e)
            if screen is not None and venue is not None and day is not None and at is not None:
                found = _answer(
                    session,
                    screen=screen,
                    venue=venue,
                    day=day,
                    at=at,
                    poll_after=request.app.state.settings.poll_after_seconds,
                    translator=translator,
                    programmes=request.app.state.programmes,
                )
                if isinstance(found, FieldError):
                    errors.append(found)
                else:
                    answer = found
    if not asked:
        # A first visit: the form starts at the present moment on the venue's clock.
        zone = timing.zone(venue.timezone) if venue is not None else CONSOLE_TIMEZONE
        local_now = utcnow().astimezone(zone)
        day_text, time_text = local_now.date().isoformat(), f"{local_now:%H:%M}"
    if screen is not None and venue is not None and all(c.id != screen.id for c in choices):
        choices = [Choice(screen.id, f"{screen.name} – {venue.name}"), *choices]
    return render(
        request,
        "preview.html",
        page_for(request, visitor, current=AREA),
        {
            "screen_options": [(c.id, c.label) for c in choices],
            "total": total,
            "too_many": total > PICKER_LIMIT,
            "screen": screen,
            "venue": venue,
            "values": {"screen_id": screen_id, "date": day_text, "time": time_text},
            "answer": answer,
            "errors": tuple(errors),
        },
        status_code=422 if errors else 200,
    )


# --- the thumbnails of what a screen shows --------------------------------------------------


def may_show(session: Session, *, screen_id: str, creative_id: str) -> bool:
    """Whether the creative is approved and one of its schedules targets the screen (the
    engine's targeting, with the schedules and screen read as the poll reads them)."""
    creative = load_creatives(session, [creative_id]).creatives.get(creative_id)
    if creative is None or not creative.approved:
        return False
    loaded = load_screens(session, screen_id=screen_id)
    if not loaded:
        return False
    linked = select(ScheduleCreative.schedule_id).where(
        col(ScheduleCreative.creative_id) == creative_id
    )
    rows = list(session.exec(select(Schedule).where(col(Schedule.id).in_(linked))))
    screen = loaded[0].timing
    return any(timing.targets(s.target, screen) for s in timing_schedules(session, rows))


@router.get("/screens/{screen_id}/thumbnails/{creative_id}")
def shown_thumbnail(
    request: Request, signed_in: SignedInDep, screen_id: ObjectId, creative_id: ObjectId
) -> Response:
    with read_session(request.app.state.engine) as session:
        screen = screens.get_for(session, caller=signed_in.caller, screen_id=screen_id)
        if not may_show(session, screen_id=screen.id, creative_id=creative_id):
            raise NotFound(f"creative {creative_id} not found")
        sha256 = session.exec(select(Creative.sha256).where(col(Creative.id) == creative_id)).one()
    etag = f'"{sha256}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    store: MediaStore = request.app.state.media_store
    jpeg = store.read_thumbnail(sha256)
    if jpeg is None:
        raise NotFound(f"creative {creative_id} has no thumbnail")
    return Response(content=jpeg, media_type="image/jpeg", headers=headers)
