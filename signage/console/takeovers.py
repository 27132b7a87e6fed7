"""Takeovers: the list, and "Take over screens": approved creatives on every screen a target
reaches, above every schedule, until an end at most 12 hours away.

The form builds the API's own ``TakeoverCreate`` and calls the takeovers service, so the same
rules hold: editors and approvers of a force or the national unit take over (partners and
admins do not, and are not offered the pages); it starts once an approver other than its
creator confirms it, or at once by breaking glass, ending after 15 minutes unless confirmed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from signage.console import takeover_forms
from signage.console.api_forms import FieldError, unit_of_work
from signage.console.creative_views import page_count
from signage.console.i18n import N_
from signage.console.routing import (
    ConsoleRoute,
    SignedInDep,
    Visitor,
    VisitorDep,
    check_csrf,
    page_for,
)
from signage.console.schedules import (
    PICKER_LIMIT,
    Choice,
    PostedDep,
    force_choices,
    items_of,
    picker_choices,
)
from signage.console.takeover_pages import router as takeover_pages
from signage.console.takeover_views import AREA, END_REASONS, instant, require_taker, state_tag
from signage.console.templating import render
from signage.console.venues import KIND_LABELS
from signage.core.db import read_session
from signage.core.errors import Forbidden, Invalid
from signage.core.tenancy import Caller
from signage.core.types import utcnow
from signage.organisations import service as organisations
from signage.takeovers import service
from signage.takeovers.models import MAX_DURATION, TakeoverCreate, TakeoverState
from signage.venues.models import Venue

router = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

PAGE_SIZE = 25
NOT_YET = N_("Not yet")
NEVER_SHOWN = N_("Never on screens")


@dataclass(frozen=True)
class Row:
    id: str
    reason: str
    state: str  # the TakeoverState value
    state_text: str
    state_class: str
    unconfirmed_break_glass: bool
    starts: str
    ends: str
    end_reason: str | None
    screens: int
    owner: str


# --- the list ---------------------------------------------------------------------------------


@router.get("/takeovers")
def takeover_list(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    caller = signed_in.caller
    require_taker(caller)
    t = visitor.translator
    now = utcnow()
    with read_session(request.app.state.engine) as session:
        found = service.list_for(session, caller=caller)
        pages = page_count(len(found), PAGE_SIZE)
        page = min(page, pages)
        shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        # The screens each reaches now: only for the rows on this page.
        counts = {tk.id: service.screen_count(session, tk) for tk in shown}
        owners = {o.id: o.name for o in organisations.list_for(session, caller=caller)}
    rows = []
    for takeover in shown:
        state = takeover.state_at(now)
        text, tag = state_tag(t, state)
        ending, why = takeover.end_at()
        # Unconfirmed, it starts when it is confirmed; ended unconfirmed, it never showed.
        never = NEVER_SHOWN if state is TakeoverState.ended else NOT_YET
        starts = instant(t, takeover.on_air_from()) if takeover.on_air() else t.gettext(never)
        rows.append(
            Row(
                id=takeover.id,
                reason=takeover.reason,
                state=state.value,
                state_text=text,
                state_class=tag,
                unconfirmed_break_glass=takeover.break_glass
                and not takeover.confirmed
                and state is not TakeoverState.ended,
                starts=starts,
                ends=instant(t, ending),
                end_reason=t.gettext(END_REASONS[why]) if state is TakeoverState.ended else None,
                screens=counts[takeover.id],
                owner=owners.get(takeover.organisation_id, ""),
            )
        )
    return render(
        request,
        "takeovers.html",
        page_for(request, visitor, current=AREA),
        {
            "rows": rows,
            "total": len(found),
            "national": caller.is_national,
            "page_number": page,
            "pages": pages,
        },
    )


# --- Take over screens ------------------------------------------------------------------------


def _form_page(
    request: Request,
    visitor: Visitor,
    caller: Caller,
    *,
    values: dict[str, Any],
    errors: Sequence[FieldError] = (),
    status_code: int = 200,
) -> Response:
    t = visitor.translator
    with read_session(request.app.state.engine) as session:
        owners = {o.id: o.name for o in organisations.list_for(session, caller=caller)}
        creatives = takeover_forms.creative_choices(session, caller, t, now=utcnow(), owners=owners)
        venues, more_venues = picker_choices(session, caller, Venue, values.get("venue_ids", []))
        forces = force_choices(session, caller)
    return render(
        request,
        "takeover_form.html",
        page_for(request, visitor, current=AREA),
        {
            "values": values,
            "errors": tuple(errors),
            "creatives": creatives,
            "forces": forces,
            "kinds": [Choice(k, t.gettext(label)) for k, label in KIND_LABELS.items()],
            "venues": venues,
            "more_venues": more_venues,
            "picker_limit": PICKER_LIMIT,
            "max_hours": int(MAX_DURATION.total_seconds() // 3600),
            "items_of": items_of,
        },
        status_code=status_code,
    )


@router.get("/takeovers/new")
def new_takeover(request: Request, visitor: VisitorDep, signed_in: SignedInDep) -> Response:
    require_taker(signed_in.caller)
    values: dict[str, Any] = {
        **takeover_forms.end_values(takeover_forms.default_end(utcnow())),
        "break_glass": "no",
    }
    return _form_page(request, visitor, signed_in.caller, values=values)


@router.post("/takeovers/new")
def create_takeover(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, posted: PostedDep
) -> Response:
    caller = signed_in.caller
    require_taker(caller)
    body, values, errors = takeover_forms.body_of(posted)
    data: TakeoverCreate | None = None
    try:
        data = TakeoverCreate.model_validate(body)
    except ValidationError as exc:
        errors += takeover_forms.validation_errors(exc, ends_read="ends_at" in body)
    created_id: str | None = None
    if data is not None and not errors:
        try:
            with unit_of_work(request.app.state.engine) as session:
                created_id = service.create_for(session, caller=caller, data=data).id
        except (Invalid, Forbidden) as problem:
            # Forbidden here is the target's ("a force may target only its own area"): the
            # page let the caller in, so the service's role rule holds for them.
            errors = [takeover_forms.problem_error(problem.detail)]
    if created_id is None:
        return _form_page(
            request,
            visitor,
            caller,
            values=values,
            errors=takeover_forms.shown_errors(errors, body),
            status_code=422,
        )
    done = "break_glass" if body["break_glass"] else "created"
    return RedirectResponse(f"{AREA}/{created_id}?done={done}", status_code=303)


# After /takeovers/new, so "new" is never read as a takeover's id.
router.include_router(takeover_pages)
