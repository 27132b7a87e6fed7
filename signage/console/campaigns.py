"""Campaigns and their creatives: the caller's campaigns, a new campaign, a campaign's
creatives with thumbnails, uploading a creative and replacing a rejected one's file.

Everything goes through the API's own services (signage.campaigns.service,
signage.creatives.service) and its upload path (signage.creatives.intake): the same tenancy,
roles, limits and messages. An upload streams: its CSRF token is a form field sent ahead of the
file and checked before any of the file is read, and no transaction is open while it streams.
"""

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from signage.campaigns import service as campaigns
from signage.campaigns.models import CampaignCreate, edits_campaigns
from signage.console import csrf
from signage.console.creative_forms import (
    FieldError,
    error_map,
    local_instant,
    problem_error,
    unit_of_work,
    validation_errors,
)
from signage.console.creative_views import creative_view, page_count
from signage.console.i18n import N_
from signage.console.navigation import may_visit
from signage.console.routing import (
    ConsoleRoute,
    CsrfRefused,
    SignedInDep,
    Visitor,
    VisitorDep,
    check_csrf,
    page_for,
)
from signage.console.sessions import SignedIn
from signage.console.templating import render
from signage.core.db import read_session
from signage.core.errors import Forbidden, Invalid, NotFound, Problem
from signage.core.http import etag_matches
from signage.core.tenancy import Caller
from signage.core.types import utcnow
from signage.creatives import service as creatives
from signage.creatives.intake import (
    check_fields_so_far,
    discard_unless_stored,
    parse_fields,
    receive_upload,
)
from signage.media import IngestResult, MediaStore

forms = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])
# Upload forms check their token from the stream: check_csrf would read the whole body first.
uploads = APIRouter(prefix="/console", route_class=ConsoleRoute)

PAGE_SIZE = 25
AREA = "/console/campaigns"
CAMPAIGN_FIELDS = ("name", "description")
# The upload form's inputs; the API's duration_ms is asked for in seconds, in the input "duration".
UPLOAD_FIELDS = ("name", "duration", "valid_from", "valid_until", "alt_text", "file")
_INPUT_OF = {"duration_ms": "duration"}
NOT_POLICE = N_(
    "Campaigns are for police staff: editors, approvers and admins of a force or the national unit."
)


def require_police_staff(caller: Caller) -> None:
    """Partners (and police roles without campaigns) never see these pages."""
    if not may_visit(caller, AREA):
        raise Forbidden(NOT_POLICE)


# --- the list and a new campaign ----------------------------------------------------------


def _list_page(
    request: Request,
    visitor: Visitor,
    caller: Caller,
    *,
    page: int = 1,
    errors: tuple[FieldError, ...] = (),
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with read_session(request.app.state.engine) as session:
        found = campaigns.list_for(session, caller=caller)
    pages = page_count(len(found), PAGE_SIZE)
    page = min(page, pages)
    return render(
        request,
        "campaigns.html",
        page_for(request, visitor, current=AREA),
        {
            "campaigns": found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            "campaign_count": len(found),
            "page_number": page,
            "pages": pages,
            "may_create": edits_campaigns(caller),
            "errors": errors,
            "error_for": error_map(errors),
            "values": values or {},
        },
        status_code=status_code,
    )


@forms.get("/campaigns")
def campaign_list(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    require_police_staff(signed_in.caller)
    return _list_page(request, visitor, signed_in.caller, page=page)


@forms.post("/campaigns")
def create_campaign(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    caller = signed_in.caller
    require_police_staff(caller)
    values = {"name": name, "description": description}
    try:
        data = CampaignCreate.model_validate(
            {"name": name, "description": description.strip() or None}
        )
        with unit_of_work(request.app.state.engine) as session:
            campaign_id = campaigns.create_for(session, caller=caller, data=data).id
    except ValidationError as exc:
        errors = validation_errors(exc.errors(), fields=CAMPAIGN_FIELDS, default_field="name")
        return _list_page(request, visitor, caller, errors=errors, values=values, status_code=422)
    except Invalid as problem:
        errors = problem_error(problem, fields=CAMPAIGN_FIELDS, default_field="name")
        return _list_page(request, visitor, caller, errors=errors, values=values, status_code=422)
    return RedirectResponse(f"{AREA}/{campaign_id}", status_code=303)


# --- one campaign and its creatives -------------------------------------------------------


def campaign_page(
    request: Request,
    visitor: Visitor,
    caller: Caller,
    campaign_id: str,
    *,
    page: int = 1,
    errors: tuple[FieldError, ...] = (),
    values: Mapping[str, str] | None = None,
    replace_errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with read_session(request.app.state.engine) as session:
        campaign = campaigns.get_for(session, caller=caller, campaign_id=campaign_id)
        try:
            campaigns.get_for(session, caller=caller, campaign_id=campaign_id, write=True)
            editable = True
        except Problem:
            editable = False  # the national unit reads forces' campaigns, read-only
        found = creatives.list_for(session, caller=caller, campaign_id=campaign.id)
    pages = page_count(len(found), PAGE_SIZE)
    page = min(page, pages)
    now = utcnow()
    shown = [
        creative_view(c, visitor.translator, now=now)
        for c in found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    ]
    return render(
        request,
        "campaign.html",
        page_for(request, visitor, current=AREA),
        {
            "campaign": campaign,
            "creatives": shown,
            "creative_count": len(found),
            "page_number": page,
            "pages": pages,
            "editable": editable,
            "errors": errors,
            "error_for": error_map(errors),
            "values": values or {},
            "replace_errors": replace_errors or {},
            "max_upload_bytes": request.app.state.settings.max_upload_bytes,
        },
        status_code=status_code,
    )


@forms.get("/campaigns/{campaign_id}")
def campaign_detail(
    campaign_id: str,
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    require_police_staff(signed_in.caller)
    return campaign_page(request, visitor, signed_in.caller, campaign_id, page=page)


@forms.get("/creatives/{creative_id}/thumbnail")
def creative_thumbnail(creative_id: str, request: Request, signed_in: SignedInDep) -> Response:
    """The API's thumbnail, for the session's caller (the same scoping: 404 out of sight)."""
    with read_session(request.app.state.engine) as session:
        creative = creatives.get_for(session, caller=signed_in.caller, creative_id=creative_id)
    etag = f'"{creative.sha256}"'
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    store: MediaStore = request.app.state.media_store
    jpeg = store.read_thumbnail(creative.sha256)
    if jpeg is None:
        raise NotFound(f"creative {creative_id} has no thumbnail")
    return Response(content=jpeg, media_type="image/jpeg", headers={"ETag": etag})


# --- uploads --------------------------------------------------------------------------------


def _check_token(fields: Mapping[str, str], signed_in: SignedIn) -> None:
    if not csrf.matches(fields.get(csrf.FIELD), signed_in.csrf_secret):
        raise CsrfRefused()


def _api_fields(fields: Mapping[str, str], campaign_id: str) -> dict[str, str]:
    """The console form's fields as the API's upload form has them."""
    api = {k: v for k, v in fields.items() if k not in (csrf.FIELD, "duration")}
    api["campaign_id"] = campaign_id
    duration = fields.get("duration", "").strip()
    if duration:
        # Seconds on the form; anything but a whole number goes on as typed, for the API's
        # own message.
        api["duration_ms"] = str(int(duration) * 1000) if duration.isdigit() else duration
    for name in ("valid_from", "valid_until"):
        if name in api:
            api[name] = local_instant(api[name])
    return api


def _upload_errors(exc: Exception) -> tuple[tuple[FieldError, ...], int]:
    if isinstance(exc, RequestValidationError):
        raw = [
            {**e, "loc": tuple(_INPUT_OF.get(str(p), str(p)) for p in e["loc"])}
            for e in exc.errors()
        ]
        return validation_errors(raw, fields=UPLOAD_FIELDS, default_field="file"), 422
    assert isinstance(exc, Problem)
    detail = exc.detail
    for api_name, input_name in _INPUT_OF.items():
        if detail.startswith(api_name + ":"):
            exc = Invalid(input_name + detail[len(api_name) :])
    return problem_error(exc, fields=UPLOAD_FIELDS, default_field="file"), exc.status


def _form_mistake(exc: Exception) -> bool:
    """A mistake in what was sent (shown on the form), not a 403 or 404 (an error page)."""
    return isinstance(exc, RequestValidationError) or (
        isinstance(exc, Problem) and exc.status not in (401, 403, 404)
    )


def _check_campaign(engine: Engine, caller: Caller, campaign_id: str) -> None:
    with read_session(engine) as session:
        creatives.writable_campaign(session, caller=caller, campaign_id=campaign_id)


def _create(
    engine: Engine, store: MediaStore, caller: Caller, fields: dict[str, str], media: IngestResult
) -> str:
    with unit_of_work(engine) as session, discard_unless_stored(session, store, media):
        parsed = parse_fields(fields)
        return creatives.create_for(session, caller=caller, fields=parsed, media=media).id


@uploads.post("/campaigns/{campaign_id}/creatives")
async def upload_creative(
    campaign_id: str, request: Request, visitor: VisitorDep, signed_in: SignedInDep
) -> Response:
    """The upload form: the same checks, limits and messages as POST /v1/creatives."""
    caller = signed_in.caller
    require_police_staff(caller)
    engine: Engine = request.app.state.engine
    store: MediaStore = request.app.state.media_store
    sent: dict[str, str] = {}

    async def check_early(fields: dict[str, str]) -> None:
        _check_token(fields, signed_in)
        sent.update(fields)
        check_fields_so_far(_api_fields(fields, campaign_id))
        # In a short session of its own, closed before the file streams.
        await run_in_threadpool(_check_campaign, engine, caller, campaign_id)

    try:
        upload = await receive_upload(
            request, store=store, settings=request.app.state.settings, before_file=check_early
        )
        sent.update(upload.fields)
        await run_in_threadpool(
            _create, engine, store, caller, _api_fields(upload.fields, campaign_id), upload.media
        )
    except (Problem, RequestValidationError) as exc:
        if not _form_mistake(exc) or not sent:
            raise
        errors, status = _upload_errors(exc)
        values = {k: v for k, v in sent.items() if k != csrf.FIELD}
        return await run_in_threadpool(
            _error_page, request, visitor, caller, campaign_id, errors, values, {}, status
        )
    return RedirectResponse(f"{AREA}/{campaign_id}", status_code=303)


def _error_page(
    request: Request,
    visitor: Visitor,
    caller: Caller,
    campaign_id: str,
    errors: tuple[FieldError, ...],
    values: Mapping[str, str],
    replace_errors: Mapping[str, str],
    status: int,
) -> Response:
    return campaign_page(
        request,
        visitor,
        caller,
        campaign_id,
        errors=errors,
        values=values,
        replace_errors=replace_errors,
        status_code=status,
    )


def _writable_creative(engine: Engine, caller: Caller, creative_id: str) -> str:
    """The creative's campaign, if the caller may replace its file (404 or 403 otherwise)."""
    with read_session(engine) as session:
        return creatives.get_for(
            session, caller=caller, creative_id=creative_id, write=True
        ).campaign_id


def _replace(
    engine: Engine, store: MediaStore, caller: Caller, creative_id: str, media: IngestResult
) -> None:
    with unit_of_work(engine) as session, discard_unless_stored(session, store, media):
        creatives.replace_file_for(
            session, caller=caller, creative_id=creative_id, media=media, store=store
        )


@uploads.post("/creatives/{creative_id}/file")
async def replace_file(
    creative_id: str, request: Request, visitor: VisitorDep, signed_in: SignedInDep
) -> Response:
    """ "Replace file": PUT /v1/creatives/{id}/file from a form; the creative is pending again."""
    caller = signed_in.caller
    require_police_staff(caller)
    engine: Engine = request.app.state.engine
    store: MediaStore = request.app.state.media_store
    campaign_id = await run_in_threadpool(_writable_creative, engine, caller, creative_id)
    checked: list[bool] = []

    async def check_token(fields: dict[str, str]) -> None:
        _check_token(fields, signed_in)
        checked.append(True)

    try:
        upload = await receive_upload(
            request, store=store, settings=request.app.state.settings, before_file=check_token
        )
        with discard_unless_stored(None, store, upload.media):
            extra = sorted(set(upload.fields) - {csrf.FIELD})
            if extra:
                raise Invalid(f"only the field 'file' is accepted here, not: {', '.join(extra)}")
        await run_in_threadpool(_replace, engine, store, caller, creative_id, upload.media)
    except (Problem, RequestValidationError) as exc:
        if not _form_mistake(exc) or not checked:
            raise
        errors, status = _upload_errors(exc)
        field = f"replace-{creative_id}"
        errors = tuple(FieldError(field=field, message=e.message) for e in errors)
        return await run_in_threadpool(
            _error_page,
            request,
            visitor,
            caller,
            campaign_id,
            errors,
            {},
            {creative_id: errors[0].message},
            status,
        )
    return RedirectResponse(f"{AREA}/{campaign_id}", status_code=303)


router = APIRouter()
router.include_router(forms)
router.include_router(uploads)
