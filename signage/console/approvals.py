"""Approvals: the queue of creatives waiting for a decision, and Approve / Reject.

The queue and the decisions are the API's (``creatives.approval``): the same four-eyes rule,
the same scoping, the same messages. Where a button is missing, the queue says why (the
caller uploaded the file, or it belongs to another organisation's approvers).
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from signage.console.creative_forms import FieldError, error_map, unit_of_work
from signage.console.creative_views import CreativeView, creative_view, page_count
from signage.console.i18n import N_, Translator
from signage.console.navigation import may_visit
from signage.console.routing import (
    ConsoleRoute,
    SignedInDep,
    Visitor,
    VisitorDep,
    check_csrf,
    page_for,
)
from signage.console.templating import render
from signage.core.db import read_session
from signage.core.errors import Forbidden, NotFound
from signage.core.tenancy import Caller
from signage.core.types import utcnow
from signage.creatives import approval, service
from signage.creatives.models import Decision

router = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

AREA = "/console/approvals"
PAGE_SIZE = 25
CreativeId = Annotated[str, Path(max_length=64)]
NOT_AN_APPROVER = N_("Approvals are for approvers of a force or the national unit.")
_WHY_NOT = {
    approval.OWN_UPLOAD: N_(
        "You uploaded this file, so another approver must approve or reject it."
    ),
    approval.NOT_AN_APPROVER: N_(
        "Only an approver of %(organisation)s can approve or reject this creative."
    ),
}
_BLANK_REASON = N_("Enter the reason for rejecting it, so the uploader can fix it")
_DONE = {
    "approved": N_("You approved %(name)s. It can now go on air."),
    "rejected": N_("You rejected %(name)s. The uploader can see your reason."),
}


def _require_approver(caller: Caller) -> None:
    if not may_visit(caller, AREA):
        raise Forbidden(NOT_AN_APPROVER)


def _entry_view(
    entry: approval.QueueEntry, t: Translator, now: datetime
) -> tuple[CreativeView, str, str, str | None]:
    view = creative_view(entry.creative, t, now=now, uploaded_by=entry.uploaded_by_email)
    why_not = None
    if entry.cannot_decide is not None:
        why_not = t.gettext(_WHY_NOT[entry.cannot_decide]) % {
            "organisation": entry.organisation_name
        }
    return view, entry.campaign_name, entry.organisation_name, why_not


def _queue_page(
    request: Request,
    visitor: Visitor,
    caller: Caller,
    *,
    page: int = 1,
    done: str | None = None,
    errors: tuple[FieldError, ...] = (),
    reasons: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    t = visitor.translator
    with read_session(request.app.state.engine) as session:
        total, entries = approval.queue_for(
            session, caller=caller, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        pages = page_count(total, PAGE_SIZE)
        if page > pages:  # past the end (decisions shortened the queue): its last page
            page = pages
            _, entries = approval.queue_for(
                session, caller=caller, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
            )
        banner = None
        if done is not None:
            decision, _sep, creative_id = done.partition(":")
            if decision in _DONE:
                # Scoped like everything else: an id from another organisation names nothing.
                try:
                    name = service.get_for(session, caller=caller, creative_id=creative_id).name
                    banner = t.gettext(_DONE[decision]) % {"name": name}
                except NotFound:
                    pass
    now = utcnow()
    return render(
        request,
        "approvals.html",
        page_for(request, visitor, current=AREA),
        {
            "entries": [_entry_view(e, t, now) for e in entries],
            "total": total,
            "page_number": page,
            "pages": pages,
            "banner": banner,
            "errors": errors,
            "error_for": error_map(errors),
            "reasons": reasons or {},
        },
        status_code=status_code,
    )


@router.get("/approvals")
def approvals_queue(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    done: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    _require_approver(signed_in.caller)
    return _queue_page(request, visitor, signed_in.caller, page=page, done=done)


@router.post("/creatives/{creative_id}/approve")
def approve(creative_id: CreativeId, request: Request, signed_in: SignedInDep) -> Response:
    caller = signed_in.caller
    _require_approver(caller)
    with unit_of_work(request.app.state.engine) as session:
        approval.approve_for(session, caller=caller, creative_id=creative_id)
    return RedirectResponse(f"{AREA}?done=approved:{creative_id}", status_code=303)


@router.post("/creatives/{creative_id}/reject")
def reject(
    creative_id: CreativeId,
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    reason: Annotated[str, Form(max_length=5000)] = "",
    page: Annotated[int, Form(ge=1, le=10_000)] = 1,
) -> Response:
    caller = signed_in.caller
    _require_approver(caller)
    field = f"reason-{creative_id}"
    try:
        decision = Decision.model_validate({"reason": reason})
    except ValidationError as exc:
        message = _BLANK_REASON if not reason.strip() else f"reason: {exc.errors()[0]['msg']}"
        return _queue_page(
            request,
            visitor,
            caller,
            page=page,
            errors=(FieldError(field, message),),
            reasons={creative_id: reason},
            status_code=422,
        )
    with unit_of_work(request.app.state.engine) as session:
        approval.reject_for(session, caller=caller, creative_id=creative_id, reason=decision.reason)
    return RedirectResponse(f"{AREA}?done=rejected:{creative_id}", status_code=303)
