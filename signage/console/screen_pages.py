"""A screen's own pages: "Add screen" by the code shown on it, rename and tag, rotate its
token, revoke it, and what it plays tonight.

Adding a screen is the API's claim (``player.pairing.claim_screen``, with its throttle and
messages); the rest are ``screens.service``'s calls; "What plays tonight" is the preview's
path (``player.state.read_snapshot`` + ``Snapshot.playlist_for``, as the API's
``GET /v1/screens/{id}/playlist``), so it shows exactly what the screen's poll would.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel.dates import format_time
from fastapi import APIRouter, Depends, Path, Request
from pydantic import ValidationError
from sqlalchemy import select as select_columns
from sqlmodel import Session, col
from starlette.responses import RedirectResponse, Response

from signage.console.api_forms import (
    FieldError,
    PostedForm,
    blank_messages,
    field_errors,
    unit_of_work,
)
from signage.console.i18n import N_, WELSH
from signage.console.overview import night_end
from signage.console.routing import ConsoleRoute, SignedInDep, VisitorDep, check_csrf, page_for
from signage.console.templating import render
from signage.core.db import read_session
from signage.core.errors import Conflict, Forbidden, NotFound, Problem
from signage.core.security import NO_STORE_HEADERS
from signage.core.tenancy import Caller
from signage.core.types import utcnow
from signage.creatives.models import Creative
from signage.player import pairing
from signage.player.state import Programmes, read_snapshot
from signage.screens import service
from signage.screens.models import Screen, ScreenClaim, ScreenUpdate
from signage.venues import service as venues
from signage.venues.models import Venue

# Taken in by signage.console.screens, whose router adds the /console prefix.
router = APIRouter(route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

AREA = "/console/screens"
ScreenId = Annotated[str, Path(max_length=64)]
CLAIM_FIELDS = {
    "user_code": "user_code",
    "venue_id": "venue_id",
    "name": "name",
    "tags": "tags",
    "frameid": "frameid",
}
# The service's own words, for a page that is refused before anything is posted.
_NOT_A_MANAGER = "only a partner organisation's partner users or admins manage screens"


def creative_names(session: Session, ids: set[str | None]) -> dict[str, str]:
    """The names of these creatives: what a screen shows in public, so named for whoever
    runs the screen (one query)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    found = session.execute(
        select_columns(col(Creative.id), col(Creative.name)).where(col(Creative.id).in_(wanted))
    )
    return {str(creative_id): str(name) for creative_id, name in found}


def _screen_values(screen: Screen) -> dict[str, str]:
    return {"name": screen.name, "tags": ", ".join(screen.tags), "frameid": screen.frameid or ""}


def _tags_of(text: str) -> list[str]:
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def _field_for(loc: tuple[Any, ...]) -> str | None:
    return CLAIM_FIELDS.get(str(loc[0])) if loc else None


NOT_A_FRAME = N_("Enter the frame ID as 10 digits, such as 1234567890")

BLANK = {
    "user_code": N_("Enter the code shown on the screen"),
    "venue_id": N_("Select the venue the screen is in"),
    "name": N_("Enter a name for the screen"),
}


# --- Add screen -------------------------------------------------------------------------------


def _claim_page(
    request: Request,
    visitor: VisitorDep,
    *,
    venue_choices: list[Venue],
    values: dict[str, str],
    errors: tuple[FieldError, ...] = (),
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    response = render(
        request,
        "screen_add.html",
        page_for(request, visitor, current=AREA),
        {
            "venues": venue_choices,
            "values": values,
            "errors": blank_messages(errors, values, BLANK),
        },
        status_code=status_code,
    )
    response.headers.update(headers or {})
    return response


def _managed_venues(session: Session, caller: Caller) -> list[Venue]:
    if not caller.manages_venues:
        raise Forbidden(_NOT_A_MANAGER)
    return venues.list_for(session, caller=caller)


@router.get("/screens/add")
def add_screen_form(request: Request, visitor: VisitorDep, signed_in: SignedInDep) -> Response:
    with read_session(request.app.state.engine) as session:
        choices = _managed_venues(session, signed_in.caller)
    return _claim_page(request, visitor, venue_choices=choices, values={})


@router.post("/screens/add")
def add_screen(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, form: PostedForm
) -> Response:
    caller = signed_in.caller
    settings = request.app.state.settings
    with read_session(request.app.state.engine) as session:
        choices = _managed_venues(session, caller)
    body = {
        "user_code": form.get("user_code", "").strip(),
        "venue_id": form.get("venue_id", ""),
        "name": form.get("name", ""),
        "tags": _tags_of(form.get("tags", "")),
    }
    try:
        data = ScreenClaim.model_validate(body)
    except ValidationError as exc:
        errors = field_errors(exc, _field_for, "user_code")
        return _claim_page(
            request, visitor, venue_choices=choices, values=form, errors=errors, status_code=422
        )
    try:
        # The claim's own unit of work: a refused claim rolls back what it counted, and a wrong
        # code stays counted (claim_screen commits it itself), exactly as over the API.
        with unit_of_work(request.app.state.engine, write=True) as session:
            screen_id = pairing.claim_screen(
                session, settings=settings, caller=caller, data=data
            ).id
    except Forbidden:
        raise
    except Problem as problem:
        venue_gone = isinstance(problem, NotFound) and problem.detail.startswith("venue")
        error = FieldError("venue_id" if venue_gone else "user_code", problem.detail)
        retry = {k: v for k, v in (problem.headers or {}).items() if k == "Retry-After"}
        return _claim_page(
            request,
            visitor,
            venue_choices=choices,
            values=form,
            errors=(error,),
            status_code=problem.status,
            headers=retry,
        )
    return RedirectResponse(f"{AREA}/{screen_id}", status_code=303)


# --- a screen's page --------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    starts: str
    ends: str | None  # None: until further notice
    creatives: list[str]


def _local_time(instant: datetime, zone: ZoneInfo, language: str) -> str:
    return format_time(
        instant, "HH:mm", tzinfo=zone, locale="cy_GB" if language == WELSH else "en_GB"
    )


def plays_tonight(
    session: Session,
    *,
    screen_id: str,
    zone: ZoneInfo,
    language: str,
    poll_after: int,
    programmes: Programmes,
) -> list[Segment]:
    """The screen's timeline from now until 06:00 at the venue, in the venue's local time."""
    snapshot = read_snapshot(session, version=0, screen_id=screen_id, programmes=programmes)
    entry = snapshot.by_id.get(screen_id)
    if entry is None:
        raise NotFound("screen not found")  # revoked or its venue deleted since the read
    now = utcnow()
    compiled, _etag = snapshot.playlist_for(entry, now=now.astimezone(UTC), poll_after=poll_after)
    body = json.loads(compiled.body_for(screen_id))
    until = night_end(now, zone)
    timeline = [s for s in body["timeline"] if _instant(s["starts_at"]) < until]
    names = creative_names(session, {i["creative_id"] for s in timeline for i in s["items"]})
    return [
        Segment(
            starts=_local_time(max(_instant(s["starts_at"]), now), zone, language),
            ends=_local_time(_instant(s["ends_at"]), zone, language) if s["ends_at"] else None,
            creatives=[names.get(i["creative_id"], i["creative_id"]) for i in s["items"]],
        )
        for s in timeline
    ]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _screen_page(
    request: Request,
    visitor: VisitorDep,
    caller: Caller,
    screen_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: tuple[FieldError, ...] = (),
    status_code: int = 200,
) -> Response:
    settings = request.app.state.settings
    with read_session(request.app.state.engine) as session:
        screen = service.get_for(session, caller=caller, screen_id=screen_id)
        venue = venues.get_for(session, caller=caller, venue_id=screen.venue_id)
        editable = _writable(session, caller, screen_id)
        public = service.to_public(
            screen,
            offline_after=timedelta(seconds=settings.screen_offline_after_seconds),
            reported=request.app.state.seen.latest(screen.id),
        )
        playing = creative_names(session, {public.playing_creative_id})
        segments = plays_tonight(
            session,
            screen_id=screen.id,
            zone=ZoneInfo(venue.timezone),
            language=visitor.translator.language,
            poll_after=settings.poll_after_seconds,
            programmes=request.app.state.programmes,
        )
    return render(
        request,
        "screen.html",
        page_for(request, visitor, current=AREA),
        {
            "screen": public,
            "venue": venue,
            "editable": editable,
            "playing": playing.get(public.playing_creative_id or ""),
            "segments": segments,
            "values": values
            or {
                "name": screen.name,
                "tags": ", ".join(screen.tags),
                "frameid": screen.frameid or "",
            },
            "errors": blank_messages(errors, values or {}, BLANK),
        },
        status_code=status_code,
    )


def _writable(session: Session, caller: Caller, screen_id: str) -> bool:
    try:
        service.get_for(session, caller=caller, screen_id=screen_id, write=True)
    except Forbidden:
        return False  # a force reads the screens in its area; it changes none
    return True


@router.get("/screens/{screen_id}")
def screen_page(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, screen_id: ScreenId
) -> Response:
    return _screen_page(request, visitor, signed_in.caller, screen_id)


@router.post("/screens/{screen_id}")
def edit_screen(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    screen_id: ScreenId,
    form: PostedForm,
) -> Response:
    caller = signed_in.caller
    with unit_of_work(request.app.state.engine, write=True) as session:
        # 404 out of sight, 403 read-only, before anything is validated (as the API does).
        service.get_for(session, caller=caller, screen_id=screen_id, write=True)
        try:
            frameid = form.get("frameid", "").strip()
            data = ScreenUpdate.model_validate(
                {
                    "name": form.get("name", ""),
                    "tags": _tags_of(form.get("tags", "")),
                    "frameid": frameid or None,  # empty: it has none
                }
            )
        except ValidationError as exc:
            errors = field_errors(exc, _field_for, "name")
            errors = tuple(
                FieldError("frameid", NOT_A_FRAME) if e.field == "frameid" else e for e in errors
            )
        else:
            try:
                service.update_for(session, caller=caller, screen_id=screen_id, data=data)
                errors = ()
            except Conflict as taken:
                errors = (FieldError("frameid", taken.detail),)
    if errors:
        return _screen_page(
            request, visitor, caller, screen_id, values=form, errors=errors, status_code=422
        )
    return RedirectResponse(f"{AREA}/{screen_id}", status_code=303)


@router.post("/screens/{screen_id}/token")
def rotate_token(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, screen_id: ScreenId
) -> Response:
    with unit_of_work(request.app.state.engine, write=True) as session:
        screen, token = service.rotate_token_for(
            session, caller=signed_in.caller, screen_id=screen_id
        )
    # Shown once, on this answer only: never stored by the browser or a proxy.
    response = render(
        request,
        "screen_token.html",
        page_for(request, visitor, current=AREA),
        {"screen": screen, "token": token},
    )
    response.headers.update(NO_STORE_HEADERS)
    return response


@router.get("/screens/{screen_id}/revoke")
def revoke_confirmation(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, screen_id: ScreenId
) -> Response:
    with read_session(request.app.state.engine) as session:
        screen = service.get_for(session, caller=signed_in.caller, screen_id=screen_id, write=True)
    return render(
        request,
        "screen_revoke.html",
        page_for(request, visitor, current=AREA),
        {"screen": screen},
    )


@router.post("/screens/{screen_id}/revoke")
def revoke_screen(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, screen_id: ScreenId
) -> Response:
    del visitor
    with unit_of_work(request.app.state.engine, write=True) as session:
        service.revoke_for(session, caller=signed_in.caller, screen_id=screen_id)
    return RedirectResponse(AREA, status_code=303)
