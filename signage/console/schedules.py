"""Schedules: the list, the form (create and edit) with its reach and warnings before saving,
and the live count of screens the targeting reaches.

The form builds the API's own ``ScheduleCreate`` / ``ScheduleUpdate`` and calls the schedules
service, so what the API refuses the console refuses, with the same message, on the input it
is about. "Check reach" shows the figures without saving; "Save schedule" saves.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import ValidationError
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select
from starlette.responses import JSONResponse, RedirectResponse, Response

from signage.campaigns.models import edits_campaigns
from signage.console import schedule_checks
from signage.console.api_forms import FieldError, api_message, blank_messages, unit_of_work
from signage.console.campaigns import require_police_staff
from signage.console.creative_views import STATUS_TAGS
from signage.console.i18n import Translator
from signage.console.routing import (
    ConsoleRoute,
    SignedInDep,
    Visitor,
    VisitorDep,
    check_csrf,
    page_for,
)
from signage.console.schedule_forms import (
    BLANK,
    DAY_CHIPS,
    FIELD_OF,
    OFFSETS,
    WindowForm,
    api_windows,
    field_for,
    offset_label,
    posted_windows,
    split_list,
    window_in_words,
    windows_of,
)
from signage.console.templating import render
from signage.console.venues import KIND_LABELS
from signage.core.db import read_session
from signage.core.errors import Forbidden, Invalid
from signage.core.roles import OrganisationKind
from signage.core.tenancy import Caller, visible
from signage.core.types import utcnow
from signage.creatives.models import Creative, CreativeStatus
from signage.organisations import service as organisations
from signage.schedules import service
from signage.schedules.models import Schedule, ScheduleCreate, ScheduleUpdate, TargetIn
from signage.screens.models import Screen
from signage.venues.models import Venue

router = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

AREA = "/console/schedules"
PAGE_SIZE = 50
ScheduleId = Annotated[str, Path(max_length=64)]
# The venue and screen pickers list this many by name (and whatever is already chosen); a
# larger estate is targeted by force, kind of venue or tag, which scale to any size.
PICKER_LIMIT = 100
MAX_FIELD = 5000
TARGET_LISTS = ("force_ids", "venue_kinds", "venue_ids", "screen_ids")


@dataclass(frozen=True)
class Choice:
    value: str
    text: str
    hint: str | None = None


@dataclass(frozen=True)
class Posted:
    """The form as posted: one value per text input, every value of each checkbox group."""

    text: dict[str, str]
    lists: dict[str, list[str]]


async def _posted(request: Request) -> Posted:
    form = await request.form()
    text: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            continue
        text[key] = value[:MAX_FIELD]
        lists.setdefault(key, []).append(value[:200])
    return Posted(text, lists)


PostedDep = Annotated[Posted, Depends(_posted)]


# --- what the form offers -------------------------------------------------------------------


def items_of(choices: Sequence[Choice], chosen: Sequence[str]) -> list[dict[str, Any]]:
    """GOV.UK checkbox items for the choices, ticked where chosen."""
    picked = set(chosen)
    return [
        {
            "value": c.value,
            "text": c.text,
            "checked": c.value in picked,
            "hint": {"text": c.hint} if c.hint else None,
        }
        for c in choices
    ]


def _creative_choices(session: Session, caller: Caller, t: Translator) -> list[Choice]:
    # A schedule plays its own organisation's creatives only (the service's rule).
    rows = session.exec(
        select(Creative)
        .where(visible(caller, Creative), Creative.organisation_id == caller.organisation_id)
        .order_by(col(Creative.name), col(Creative.id))
    ).all()
    return [Choice(c.id, c.name, t.gettext(STATUS_TAGS[CreativeStatus(c.status)][0])) for c in rows]


def picker_choices(
    session: Session, caller: Caller, model: type[Venue] | type[Screen], chosen: Sequence[str]
) -> tuple[list[Choice], bool]:
    """The venue or screen picker's choices (the first PICKER_LIMIT by name and whatever is
    already chosen), and whether there are more (the takeover form's venues too)."""
    # Plain columns: a hundred ORM objects for two strings each cost more than the query.
    base = select_columns(col(model.id), col(model.name)).where(visible(caller, model))
    if model is Venue:
        base = base.where(col(Venue.deleted_at).is_(None))
    rows: list[Any] = list(
        session.execute(base.order_by(col(model.name), col(model.id)).limit(PICKER_LIMIT + 1))
    )
    more = len(rows) > PICKER_LIMIT
    rows = rows[:PICKER_LIMIT]
    listed = {r[0] for r in rows}
    missing = [c for c in chosen if c not in listed]
    if missing:
        rows += list(session.execute(base.where(col(model.id).in_(missing))))
    return [Choice(str(sid), str(name)) for sid, name in rows], more


def force_choices(session: Session, caller: Caller) -> list[Choice] | None:
    """Forces to choose from: the national unit's schedules may target any; a force's reach
    only its own area, whatever it chooses (the engine's rule), so it is not asked."""
    if not caller.is_national:
        return None
    found = organisations.list_for(session, caller=caller, kind=OrganisationKind.force)
    return [Choice(o.id, o.name) for o in found]


# --- form <-> API ---------------------------------------------------------------------------


def _values_of(
    schedule: Schedule, creative_ids: list[str]
) -> tuple[dict[str, Any], list[WindowForm]]:
    target = schedule.target
    values: dict[str, Any] = {
        "name": schedule.name,
        "priority": str(schedule.priority),
        "weight": str(schedule.weight),
        "start_date": schedule.start_date.isoformat() if schedule.start_date else "",
        "end_date": schedule.end_date.isoformat() if schedule.end_date else "",
        "exclude_dates": ", ".join(schedule.exclude_dates),
        "tags": ", ".join(target.get("tags", [])),
        "creative_ids": creative_ids,
        **{
            k: list(target.get(k, []))
            for k in ("force_ids", "venue_kinds", "venue_ids", "screen_ids")
        },
    }
    return values, windows_of(schedule.windows)


def _body_of(
    posted: Posted,
) -> tuple[dict[str, Any], dict[str, Any], list[WindowForm], list[int], list[FieldError]]:
    """The API's body, the values to show again, the window rows, which row each API window
    came from, and the errors only the form can have."""
    text, lists = posted.text, posted.lists
    rows = posted_windows(text, lists)
    windows, numbers, errors = api_windows(rows)
    target = {
        "force_ids": lists.get("force_ids", []),
        "venue_kinds": lists.get("venue_kinds", []),
        "venue_ids": lists.get("venue_ids", []),
        "screen_ids": lists.get("screen_ids", []),
        "tags": split_list(text.get("tags", "")),
    }
    body: dict[str, Any] = {
        "name": text.get("name", "").strip(),
        "creative_ids": lists.get("creative_ids", []),
        "priority": text.get("priority", "").strip() or "50",
        "weight": text.get("weight", "").strip() or "1",
        "target": target,
        "windows": windows,
        "start_date": text.get("start_date", "").strip() or None,
        "end_date": text.get("end_date", "").strip() or None,
        "exclude_dates": split_list(text.get("exclude_dates", "")),
    }
    values: dict[str, Any] = {
        **{
            k: text.get(k, "")
            for k in (
                "name",
                "priority",
                "weight",
                "tags",
                "start_date",
                "end_date",
                "exclude_dates",
            )
        },
        "creative_ids": body["creative_ids"],
        **{k: target[k] for k in TARGET_LISTS},
    }
    return body, values, rows, numbers, errors


def _validation_errors(exc: ValidationError, numbers: list[int]) -> list[FieldError]:
    seen: dict[str, FieldError] = {}
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        field = field_for(loc, numbers) or "name"
        where = ".".join(str(p) for p in loc)
        message = api_message(dict(error))
        seen.setdefault(field, FieldError(field, f"{where}: {message}" if where else message))
    return list(seen.values())


def _blank_errors(errors: list[FieldError], body: Mapping[str, Any]) -> tuple[FieldError, ...]:
    """GOV.UK wording for what was left out; every other message is the API's own."""
    shown = {
        "name": body["name"],
        "creative_ids": " ".join(body["creative_ids"]),
        "window-1-days": "x" if body["windows"] else "",
    }
    blank = {
        FIELD_OF["name"]: BLANK["name"],
        FIELD_OF["creative_ids"]: BLANK["creative_ids"],
        FIELD_OF["windows"]: BLANK["windows"],
    }
    return blank_messages(errors, shown, blank)


def _problem_error(problem: Invalid | Forbidden) -> FieldError:
    head = problem.detail.split(":", 1)[0].strip()
    name = head.removeprefix("target.")
    return FieldError(FIELD_OF.get(name, "name"), problem.detail)


# --- pages ------------------------------------------------------------------------------------


def _form_page(
    request: Request,
    visitor: Visitor,
    caller: Caller,
    *,
    schedule: Schedule | None,
    values: dict[str, Any],
    rows: list[WindowForm],
    errors: Sequence[FieldError] = (),
    reach: schedule_checks.Reach | None = None,
    editable: bool = True,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    t = visitor.translator
    with read_session(request.app.state.engine) as session:
        venues, more_venues = picker_choices(session, caller, Venue, values.get("venue_ids", []))
        screens, more_screens = picker_choices(
            session, caller, Screen, values.get("screen_ids", [])
        )
        context = {
            "schedule": schedule,
            "editable": editable,
            "saved": saved,
            "values": values,
            "rows": rows,
            "errors": tuple(errors),
            "reach": reach,
            "creatives": _creative_choices(session, caller, t),
            "forces": force_choices(session, caller),
            "kinds": [Choice(k, t.gettext(label)) for k, label in KIND_LABELS.items()],
            "venues": venues,
            "more_venues": more_venues,
            "screens": screens,
            "more_screens": more_screens,
            "day_chips": [Choice(v, t.gettext(label)) for v, label in DAY_CHIPS],
            "offsets": [Choice(str(m), offset_label(t, m)) for m in OFFSETS],
            "picker_limit": PICKER_LIMIT,
            "items_of": items_of,
        }
    return render(
        request,
        "schedule_form.html",
        page_for(request, visitor, current=AREA),
        context,
        status_code=status_code,
    )


@router.get("/schedules")
def schedule_list(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    caller = signed_in.caller
    require_police_staff(caller)
    t = visitor.translator
    with read_session(request.app.state.engine) as session:
        total = service.count_for(session, caller=caller)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page, pages)
        found = service.list_for(
            session, caller=caller, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        owners = {o.id: o.name for o in organisations.list_for(session, caller=caller)}
    rows = [
        {
            "schedule": s,
            "windows": [window_in_words(t, w) for w in s.windows],
            "owner": owners.get(s.organisation_id, ""),
        }
        for s in found
    ]
    return render(
        request,
        "schedules.html",
        page_for(request, visitor, current=AREA),
        {
            "rows": rows,
            "may_create": edits_campaigns(caller),
            "national": caller.is_national,
            "page_number": page,
            "pages": pages,
        },
    )


@router.get("/schedules/new")
def new_schedule(request: Request, visitor: VisitorDep, signed_in: SignedInDep) -> Response:
    caller = signed_in.caller
    require_police_staff(caller)
    if not edits_campaigns(caller):
        raise Forbidden("only editors, approvers and admins of police organisations schedule")
    values: dict[str, Any] = {"priority": "50", "weight": "1"}
    return _form_page(request, visitor, caller, schedule=None, values=values, rows=windows_of([]))


@router.get("/schedules/screens-count")
def screens_count(request: Request, visitor: VisitorDep, signed_in: SignedInDep) -> Response:
    """The live count: how many screens the targeting in the query reaches (the form's
    script asks as the pickers change). Invalid targeting counts nothing."""
    caller = signed_in.caller
    require_police_staff(caller)
    params = request.query_params
    target = {
        "force_ids": params.getlist("force_ids")[:100],
        "venue_kinds": params.getlist("venue_kinds")[:20],
        "venue_ids": params.getlist("venue_ids")[:5000],
        "screen_ids": params.getlist("screen_ids")[:5000],
        "tags": split_list(params.get("tags", "")[:2000]),
    }
    try:
        chosen = TargetIn.model_validate(target)
    except ValidationError:
        return JSONResponse({"screens": None, "text": ""})
    with read_session(request.app.state.engine) as session:
        count = schedule_checks.screens_targeted(session, caller, chosen)
    text = visitor.translator.ngettext(
        "This targeting reaches %(num)s screen.", "This targeting reaches %(num)s screens.", count
    ) % {"num": visitor.translator.number(count)}
    return JSONResponse({"screens": count, "text": text}, headers={"Cache-Control": "no-store"})


def _submit(
    request: Request,
    visitor: Visitor,
    caller: Caller,
    posted: Posted,
    *,
    schedule_id: str | None,
) -> Response:
    body, values, rows, numbers, errors = _body_of(posted)
    checking = posted.text.get("action") == "check"
    t = visitor.translator
    saved_id: str | None = None
    loaded: schedule_checks.Loaded | None = None
    schedule: Schedule | None = None
    with unit_of_work(request.app.state.engine, write=not checking) as session:
        if schedule_id is not None:
            # 404 out of sight, 403 read-only, before anything is validated (as the API does).
            schedule = service.get_for(session, caller=caller, schedule_id=schedule_id, write=True)
        try:
            data = ScheduleCreate.model_validate(body)
        except ValidationError as exc:
            errors = [*errors, *_validation_errors(exc, numbers)]
            data = None
        if data is not None and not errors:
            try:
                if checking:
                    # What saving would refuse, refused now; then the figures' inputs.
                    service.check_for(session, caller=caller, data=data)
                    loaded = schedule_checks.load(
                        session, caller=caller, data=data, schedule_id=schedule_id
                    )
                else:
                    saved_id = _save(session, caller, data, schedule_id)
            except (Invalid, Forbidden) as problem:
                errors = [_problem_error(problem)]
    if saved_id is not None:
        return RedirectResponse(f"{AREA}/{saved_id}?saved=1", status_code=303)
    reach = None if loaded is None else schedule_checks.figures(loaded, t=t, now=utcnow())
    return _form_page(
        request,
        visitor,
        caller,
        schedule=schedule,
        values=values,
        rows=rows,
        errors=_blank_errors(errors, body),
        reach=reach,
        status_code=422 if errors else 200,
    )


def _save(session: Session, caller: Caller, data: ScheduleCreate, schedule_id: str | None) -> str:
    if schedule_id is None:
        return service.create_for(session, caller=caller, data=data).id
    update = ScheduleUpdate.model_validate(data.model_dump())
    return service.update_for(session, caller=caller, schedule_id=schedule_id, data=update).id


@router.post("/schedules/new")
def create_schedule(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, posted: PostedDep
) -> Response:
    require_police_staff(signed_in.caller)
    return _submit(request, visitor, signed_in.caller, posted, schedule_id=None)


@router.get("/schedules/{schedule_id}")
def schedule_page(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    schedule_id: ScheduleId,
    saved: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    caller = signed_in.caller
    require_police_staff(caller)
    with read_session(request.app.state.engine) as session:
        schedule = service.get_for(session, caller=caller, schedule_id=schedule_id)
        try:
            service.get_for(session, caller=caller, schedule_id=schedule_id, write=True)
            editable = True
        except Forbidden:
            editable = False  # the national unit reads forces' schedules
        creative_ids = service.creative_ids_of(session, [schedule.id])[schedule.id]
        values, rows = _values_of(schedule, creative_ids)
    # No reach here: over a national fleet it takes most of a second, so it is worked out
    # when asked for ("Check reach"), as the API's reach is.
    return _form_page(
        request,
        visitor,
        caller,
        schedule=schedule,
        values=values,
        rows=rows,
        editable=editable,
        saved=saved is not None,
    )


@router.post("/schedules/{schedule_id}")
def edit_schedule(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    schedule_id: ScheduleId,
    posted: PostedDep,
) -> Response:
    require_police_staff(signed_in.caller)
    return _submit(request, visitor, signed_in.caller, posted, schedule_id=schedule_id)
