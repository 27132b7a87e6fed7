"""One takeover's pages: its state, who created and confirmed it, its delivery report, and
"Confirm takeover" and "End takeover now" (which asks first, as revoking a screen does).

The state and rules are the takeovers service's (``get_for``, ``confirm_for``, ``end_for``):
an approver other than its creator confirms; any editor or approver of its organisation ends
it. The delivery report is the API's (``plays.delivery.delivery_report``, behind
``GET /v1/takeovers/{id}/delivery``): per screen when it was told, fetched and played.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import ValidationError
from sqlalchemy import select as select_columns
from sqlmodel import Session, col
from starlette.responses import RedirectResponse, Response

from signage.console.api_forms import FieldError, PostedForm, api_message, unit_of_work
from signage.console.creative_views import page_count
from signage.console.i18n import N_, Translator
from signage.console.routing import (
    ConsoleRoute,
    SignedInDep,
    Visitor,
    VisitorDep,
    check_csrf,
    page_for,
)
from signage.console.screen_pages import creative_names
from signage.console.takeover_views import AREA, END_REASONS, instant, require_taker, state_tag
from signage.console.templating import render
from signage.core.db import read_session
from signage.core.errors import Conflict, Forbidden
from signage.core.roles import Role
from signage.core.tenancy import Caller
from signage.core.types import utcnow
from signage.organisations import service as organisations
from signage.plays.delivery import ScreenDelivery, delivery_report
from signage.takeovers import service
from signage.takeovers.models import Takeover, TakeoverEnd, TakeoverState
from signage.users.models import User
from signage.venues.models import Venue

# Taken in by signage.console.takeovers, whose router adds the /console prefix.
router = APIRouter(route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

TakeoverId = Annotated[str, Path(max_length=64)]
# The delivery table shows this many screens a page.
SCREENS_PAGE = 100
DELIVERY_TAGS: dict[str, tuple[str, str]] = {
    "played": (N_("Played"), "govuk-tag--green"),
    "fetched": (N_("Fetched"), "govuk-tag--blue"),
    "nudged": (N_("Told"), "govuk-tag--light-blue"),
    "waiting": (N_("Waiting"), "govuk-tag--grey"),
}
# What the page says after an action, by the redirect's ?done=.
DONE = {
    "created": N_("Takeover created. It starts when an approver other than you confirms it."),
    "break_glass": N_(
        "Break glass: the takeover is on its screens now. An approver other than you must "
        "confirm it within 15 minutes, or it ends by itself."
    ),
    "confirmed": N_("Takeover confirmed. It stays on its screens until its end."),
    "ended": N_("Takeover ended. Its screens go back to their schedules."),
}
OWN_TAKEOVER = N_("You created this takeover, so another approver must confirm it.")
NOT_AN_APPROVER = N_("Only an approver can confirm a takeover.")
READ_ONLY = N_("This takeover belongs to another organisation: you can see it but not change it.")


@dataclass(frozen=True)
class ScreenRow:
    name: str
    venue: str
    status_text: str
    status_class: str
    nudged: str
    fetched: str
    played: str
    seconds: str


def _writable(session: Session, caller: Caller, takeover_id: str) -> bool:
    try:
        service.get_for(session, caller=caller, takeover_id=takeover_id, write=True)
    except Forbidden:
        return False  # national staff read every force's takeovers; they change none
    return True


def _emails(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    found = session.execute(
        select_columns(col(User.id), col(User.email)).where(col(User.id).in_(wanted))
    )
    return {str(user_id): str(email) for user_id, email in found}


def _venue_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    found = session.execute(
        select_columns(col(Venue.id), col(Venue.name)).where(col(Venue.id).in_(ids))
    )
    return {str(venue_id): str(name) for venue_id, name in found}


def _seconds(t: Translator, value: float | None) -> str:
    if value is None:
        return t.gettext(N_("Not yet"))
    return t.gettext(N_("%(seconds)s seconds")) % {"seconds": t.number(value, decimals=1)}


def _screen_rows(
    t: Translator, screens: list[ScreenDelivery], venues: dict[str, str]
) -> list[ScreenRow]:
    def when(at: Any) -> str:
        return t.time(at) if at is not None else ""

    rows = []
    for screen in screens:
        text, tag = DELIVERY_TAGS.get(screen.status, DELIVERY_TAGS["waiting"])
        rows.append(
            ScreenRow(
                name=screen.name,
                venue=venues.get(screen.venue_id, ""),
                status_text=t.gettext(text),
                status_class=tag,
                nudged=when(screen.nudged_at),
                fetched=when(screen.fetched_at),
                played=when(screen.first_played_at),
                seconds=""
                if screen.seconds_to_fetch is None
                else t.number(screen.seconds_to_fetch, decimals=1),
            )
        )
    return rows


def _why_not_confirm(caller: Caller, takeover: Takeover) -> str | None:
    """Why the caller (who may change it) has no Confirm button, if it awaits confirming."""
    if caller.user_id == takeover.created_by:
        return OWN_TAKEOVER
    if caller.role is not Role.approver:
        return NOT_AN_APPROVER
    return None


def _takeover_page(
    request: Request, visitor: Visitor, caller: Caller, takeover_id: str, *, done: str, page: int
) -> Response:
    t = visitor.translator
    now = utcnow()
    with read_session(request.app.state.engine) as session:
        takeover = service.get_for(session, caller=caller, takeover_id=takeover_id)
        writable = _writable(session, caller, takeover_id)
        public = service.to_public(session, takeover, now=now)
        report = delivery_report(session, takeover)
        owner = organisations.get_for(
            session, caller=caller, organisation_id=takeover.organisation_id
        )
        emails = _emails(session, (takeover.created_by, takeover.confirmed_by, takeover.ended_by))
        names = creative_names(session, set(public.creative_ids))
        pages = page_count(len(report.screens), SCREENS_PAGE)
        page = min(page, pages)
        shown = report.screens[(page - 1) * SCREENS_PAGE : page * SCREENS_PAGE]
        venues = _venue_names(session, {s.venue_id for s in shown})
    state = public.state
    confirmable = not takeover.confirmed and state is not TakeoverState.ended
    why_not = _why_not_confirm(caller, takeover) if confirmable and writable else None
    state_text, state_class = state_tag(t, state)
    summary = report.summary
    return render(
        request,
        "takeover.html",
        page_for(request, visitor, current=AREA),
        {
            "takeover": public,
            "owner": owner.name,
            "state_text": state_text,
            "state_class": state_class,
            "ended": state is TakeoverState.ended,
            "on_air": report.on_air_from is not None,
            "end_reason": t.gettext(END_REASONS[public.end_reason]) if public.end_reason else None,
            "starts": instant(t, takeover.on_air_from()),
            "ends": instant(t, public.ending_at),
            "created": instant(t, public.created_at),
            "confirmed": instant(t, public.confirmed_at) if public.confirmed_at else None,
            "confirm_by": t.time(public.confirm_by) if public.confirm_by else None,
            "ended_at": instant(t, public.ended_at) if public.ended_at else None,
            "emails": emails,
            "creatives": [names.get(i, i) for i in public.creative_ids],
            "writable": writable,
            "may_confirm": confirmable and writable and why_not is None,
            "why_not_confirm": t.gettext(why_not) if why_not else None,
            "may_end": writable and state is not TakeoverState.ended,
            "read_only": t.gettext(READ_ONLY) if not writable else None,
            "done": t.gettext(DONE[done]) if done in DONE else None,
            "summary": summary,
            "median": _seconds(t, summary.median_seconds_to_fetch),
            "p95": _seconds(t, summary.p95_seconds_to_fetch),
            "screens": _screen_rows(t, shown, venues),
            "page_number": page,
            "pages": pages,
            "audit_query": urlencode({"object_id": takeover.id}),
        },
    )


@router.get("/takeovers/{takeover_id}")
def takeover_page(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    takeover_id: TakeoverId,
    done: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    require_taker(signed_in.caller)
    return _takeover_page(request, visitor, signed_in.caller, takeover_id, done=done, page=page)


@router.post("/takeovers/{takeover_id}/confirm")
def confirm_takeover(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, takeover_id: TakeoverId
) -> Response:
    del visitor
    require_taker(signed_in.caller)
    # The service refuses the creator, an editor and a takeover that ended, in its own words.
    with unit_of_work(request.app.state.engine) as session:
        service.confirm_for(session, caller=signed_in.caller, takeover_id=takeover_id)
    return RedirectResponse(f"{AREA}/{takeover_id}?done=confirmed", status_code=303)


# --- End takeover now -------------------------------------------------------------------------


def _end_page(
    request: Request,
    visitor: Visitor,
    caller: Caller,
    takeover_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: tuple[FieldError, ...] = (),
    status_code: int = 200,
) -> Response:
    with read_session(request.app.state.engine) as session:
        # 404 out of sight, 403 read-only, 409 over, as the service would answer the POST.
        takeover = service.get_for(session, caller=caller, takeover_id=takeover_id, write=True)
        if takeover.state_at(utcnow()) is TakeoverState.ended:
            raise Conflict("this takeover has already ended")
    return render(
        request,
        "takeover_end.html",
        page_for(request, visitor, current=AREA),
        {"takeover": takeover, "values": values or {}, "errors": errors},
        status_code=status_code,
    )


@router.get("/takeovers/{takeover_id}/end")
def end_confirmation(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, takeover_id: TakeoverId
) -> Response:
    require_taker(signed_in.caller)
    return _end_page(request, visitor, signed_in.caller, takeover_id)


@router.post("/takeovers/{takeover_id}/end")
def end_takeover(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    takeover_id: TakeoverId,
    form: PostedForm,
) -> Response:
    caller = signed_in.caller
    require_taker(caller)
    try:
        data = TakeoverEnd.model_validate({"reason": form.get("reason", "").strip() or None})
    except ValidationError as exc:
        message = api_message(dict(exc.errors()[0]))
        errors = (FieldError("reason", f"reason: {message}"),)
        return _end_page(
            request, visitor, caller, takeover_id, values=form, errors=errors, status_code=422
        )
    with unit_of_work(request.app.state.engine) as session:
        service.end_for(session, caller=caller, takeover_id=takeover_id, reason=data.reason)
    return RedirectResponse(f"{AREA}/{takeover_id}?done=ended", status_code=303)
