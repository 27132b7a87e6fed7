"""Venues: the list (``venues.service.list_for``), "Add venue" and the edit form.

The forms build the API's own ``VenueCreate`` / ``VenueUpdate`` and call the API's service,
so what the API refuses the console refuses, with the same message, on the field it is about.
Opening hours are one open and one close time per day; a close at or before the open is the
next morning (the API's rule), as the hint says.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from signage.console.api_forms import (
    FieldError,
    PostedForm,
    blank_messages,
    field_errors,
    problem_field,
    unit_of_work,
)
from signage.console.i18n import N_
from signage.console.routing import ConsoleRoute, SignedInDep, VisitorDep, check_csrf, page_for
from signage.console.templating import render
from signage.core.db import read_session
from signage.core.errors import Forbidden, Invalid
from signage.core.roles import OrganisationKind
from signage.core.schemas import WEEKDAYS, Day
from signage.core.tenancy import Caller
from signage.organisations import service as organisations
from signage.venues import service
from signage.venues.models import Nation, Venue, VenueCreate, VenueKind, VenueUpdate

router = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

AREA = "/console/venues"
PAGE_SIZE = 50
VenueId = Annotated[str, Path(max_length=64)]

KIND_LABELS: dict[str, str] = {
    VenueKind.pub: N_("Pub"),
    VenueKind.bar: N_("Bar"),
    VenueKind.nightclub: N_("Nightclub"),
    VenueKind.fast_food: N_("Fast food"),
    VenueKind.takeaway: N_("Takeaway"),
    VenueKind.late_night_shop: N_("Late-night shop"),
    VenueKind.transport_hub: N_("Transport hub"),
    VenueKind.other: N_("Other"),
}
NATION_LABELS: dict[str, str] = {
    Nation.england: N_("England"),
    Nation.wales: N_("Wales"),
    Nation.scotland: N_("Scotland"),
    Nation.northern_ireland: N_("Northern Ireland"),
}
DAY_LABELS: dict[str, str] = {
    Day.mon: N_("Monday"),
    Day.tue: N_("Tuesday"),
    Day.wed: N_("Wednesday"),
    Day.thu: N_("Thursday"),
    Day.fri: N_("Friday"),
    Day.sat: N_("Saturday"),
    Day.sun: N_("Sunday"),
}
# The form's inputs by the API's field names (the error summary links to these ids).
FIELDS = {
    "name": "name",
    "kind": "kind",
    "force_id": "force_id",
    "nation": "nation",
    "timezone": "timezone",
    "postcode": "postcode",
    "opening_hours": "mon-open",
}
BLANK = {
    "name": N_("Enter the venue’s name"),
    "kind": N_("Select the kind of venue"),
    "force_id": N_("Select the police force whose area the venue is in"),
    "nation": N_("Select the nation the venue is in"),
    "timezone": N_("Enter the venue’s timezone, such as Europe/London"),
}
_BOTH_TIMES = N_("Enter both an opening and a closing time for this day, or neither")


@dataclass(frozen=True)
class Force:
    id: str
    name: str


def _forces(session: Session, caller: Caller) -> list[Force]:
    found = organisations.list_for(session, caller=caller, kind=OrganisationKind.force)
    return [Force(o.id, o.name) for o in found]


def _values_of(venue: Venue) -> dict[str, str]:
    values = {
        "name": venue.name,
        "kind": str(venue.kind),
        "force_id": venue.force_id,
        "nation": str(venue.nation),
        "timezone": venue.timezone,
        "postcode": venue.postcode or "",
    }
    for period in venue.opening_hours:
        values[f"{period['day']}-open"] = period["open"]
        values[f"{period['day']}-close"] = period["close"]
    return values


def _body_of(form: dict[str, str]) -> tuple[dict[str, Any], list[FieldError], list[str]]:
    """The API's request body from the form, the errors only the form can have (one time of
    a day without the other), and which day each opening period came from."""
    body: dict[str, Any] = {
        key: form.get(key, "").strip() for key in ("name", "kind", "force_id", "nation", "timezone")
    }
    body["postcode"] = form.get("postcode", "").strip() or None
    periods: list[dict[str, str]] = []
    days: list[str] = []
    errors: list[FieldError] = []
    for day in WEEKDAYS:
        opens = form.get(f"{day}-open", "").strip()
        closes = form.get(f"{day}-close", "").strip()
        if opens and closes:
            periods.append({"day": day.value, "open": opens, "close": closes})
            days.append(day.value)
        elif opens or closes:
            errors.append(FieldError(f"{day}-{'close' if opens else 'open'}", _BOTH_TIMES))
    body["opening_hours"] = periods
    return body, errors, days


def _field_for(days: list[str]) -> Any:
    def field_for(loc: tuple[Any, ...]) -> str | None:
        if not loc:
            return None
        if loc[0] == "opening_hours" and len(loc) >= 2 and isinstance(loc[1], int):
            which = loc[2] if len(loc) >= 3 and loc[2] in ("open", "close") else "open"
            return f"{days[loc[1]]}-{which}" if loc[1] < len(days) else None
        return FIELDS.get(str(loc[0]))

    return field_for


def _form_page(
    request: Request,
    visitor: VisitorDep,
    *,
    forces: list[Force],
    values: dict[str, str],
    errors: tuple[FieldError, ...] = (),
    venue: Venue | None = None,
    editable: bool = True,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "venue_form.html",
        page_for(request, visitor, current=AREA),
        {
            "venue": venue,
            "editable": editable,
            "values": values,
            "errors": blank_messages(errors, values, BLANK),
            "forces": forces,
            "kinds": KIND_LABELS,
            "nations": NATION_LABELS,
            "days": DAY_LABELS,
        },
        status_code=status_code,
    )


@router.get("/venues")
def list_venues(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    caller = signed_in.caller
    with read_session(request.app.state.engine) as session:
        total = service.count_for(session, caller=caller)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page, pages)
        venues = service.list_for(
            session, caller=caller, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        forces = {f.id: f.name for f in _forces(session, caller)}
    return render(
        request,
        "venues.html",
        page_for(request, visitor, current=AREA),
        {
            "venues": venues,
            "forces": forces,
            "kinds": KIND_LABELS,
            "days": DAY_LABELS,
            "may_add": caller.manages_venues,
            "total": total,
            "page_number": page,
            "pages": pages,
        },
    )


def _refuse_unless_manager(caller: Caller) -> None:
    if not caller.manages_venues:
        # The service's own words for the same refusal.
        raise Forbidden("only a partner organisation's partner users or admins register venues")


@router.get("/venues/add")
def add_venue_form(request: Request, visitor: VisitorDep, signed_in: SignedInDep) -> Response:
    _refuse_unless_manager(signed_in.caller)
    with read_session(request.app.state.engine) as session:
        forces = _forces(session, signed_in.caller)
    return _form_page(request, visitor, forces=forces, values={"timezone": "Europe/London"})


@router.post("/venues/add")
def add_venue(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, form: PostedForm
) -> Response:
    caller = signed_in.caller
    body, errors, days = _body_of(form)
    venue_id: str | None = None
    with unit_of_work(request.app.state.engine, write=True) as session:
        forces = _forces(session, caller)
        try:
            data = VenueCreate.model_validate(body)
        except ValidationError as exc:
            errors = [*field_errors(exc, _field_for(days), "name"), *errors]
        else:
            if not errors:
                try:
                    venue_id = service.create_for(session, caller=caller, data=data).id
                except Invalid as problem:
                    errors = [problem_field(problem.detail, FIELDS, "name")]
    if venue_id is None:
        return _form_page(
            request, visitor, forces=forces, values=form, errors=tuple(errors), status_code=422
        )
    return RedirectResponse(f"{AREA}/{venue_id}", status_code=303)


@router.get("/venues/{venue_id}")
def venue_page(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, venue_id: VenueId
) -> Response:
    caller = signed_in.caller
    with read_session(request.app.state.engine) as session:
        venue = service.get_for(session, caller=caller, venue_id=venue_id)
        try:
            service.get_for(session, caller=caller, venue_id=venue_id, write=True)
            editable = True
        except Forbidden:
            editable = False  # a force reads the venues in its area; it changes none
        forces = _forces(session, caller)
    return _form_page(
        request, visitor, forces=forces, values=_values_of(venue), venue=venue, editable=editable
    )


@router.post("/venues/{venue_id}")
def edit_venue(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    venue_id: VenueId,
    form: PostedForm,
) -> Response:
    caller = signed_in.caller
    body, errors, days = _body_of(form)
    saved = False
    with unit_of_work(request.app.state.engine, write=True) as session:
        # 404 out of sight, 403 read-only, before anything is validated (as the API does).
        venue = service.get_for(session, caller=caller, venue_id=venue_id, write=True)
        forces = _forces(session, caller)
        try:
            data = VenueUpdate.model_validate(body)
        except ValidationError as exc:
            errors = [*field_errors(exc, _field_for(days), "name"), *errors]
        else:
            if not errors:
                try:
                    service.update_for(session, caller=caller, venue_id=venue_id, data=data)
                    saved = True
                except Invalid as problem:
                    errors = [problem_field(problem.detail, FIELDS, "name")]
    if not saved:
        return _form_page(
            request,
            visitor,
            forces=forces,
            values=form,
            venue=venue,
            errors=tuple(errors),
            status_code=422,
        )
    return RedirectResponse(f"{AREA}?saved={venue_id}", status_code=303)
