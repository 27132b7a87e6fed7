"""Change password: any signed-in user sets their own, giving the current one.

It is the API's ``POST /v1/users/me/password`` (``users.service.change_own_password``: the same
input model, rules, throttle and refusals); the form adds only a confirmation of the new one.
It is also the one page open to someone whose password an admin reset: signing in, and every
other page, sends them here until they have chosen their own (signage.console.routing).

The change ends every session of the user, this one included, so the answer starts a new one
for this browser: the user stays signed in here, and is signed out everywhere else.
"""

from datetime import timedelta
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from signage.console import sessions
from signage.console.account_forms import account_errors
from signage.console.api_forms import FieldError, PostedForm, problem_field
from signage.console.auth import set_session_cookie
from signage.console.i18n import N_, safe_next
from signage.console.routing import (
    PASSWORD_PATH,
    ConsoleRoute,
    SignedInDep,
    SignedInEvenIfResetDep,
    VisitorDep,
    check_csrf,
    page_for,
)
from signage.console.templating import render
from signage.core.errors import Invalid, TooManyRequests
from signage.core.throttle import client_address
from signage.core.types import utcnow
from signage.users import service as users
from signage.users.models import PasswordChange

router = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])

NextPath = Annotated[str, Query(max_length=2000)]
FIELDS = {"current_password": "current_password", "new_password": "new_password"}
BLANK = {
    "current_password": N_("Enter your current password"),
    "new_password": N_("Enter a new password"),
    "confirm_password": N_("Confirm your new password"),
}
_MISMATCH = N_("Enter the same new password twice")
# The service's refusals, in the form's words (the same meaning, on the same field).
_REFUSALS = {
    users.WRONG_CURRENT_PASSWORD: N_("That is not your current password"),
    users.SAME_PASSWORD: N_("Choose a new password that is different from your current one"),
}
_THROTTLED = N_("Too many failed sign-ins for this account or from this address")


def _form_page(
    request: Request,
    visitor: VisitorDep,
    *,
    reset: bool,
    next_path: str,
    errors: tuple[FieldError, ...] = (),
    retry_at: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "password.html",
        page_for(request, visitor),
        {"reset": reset, "next_path": next_path, "errors": errors, "retry_at": retry_at},
        status_code=status_code,
    )


@router.get("/password")
def password_form(
    request: Request, visitor: VisitorDep, signed_in: SignedInEvenIfResetDep, next: NextPath = ""
) -> Response:
    return _form_page(
        request,
        visitor,
        reset=signed_in.caller.must_change_password,
        next_path=safe_next(next, default=""),
    )


def _field_for(loc: tuple[object, ...]) -> str | None:
    return FIELDS.get(str(loc[0])) if loc else None


def _form_errors(form: dict[str, str]) -> tuple[PasswordChange | None, list[FieldError]]:
    """The API's input model from the form, or what is wrong with the form."""
    errors = [FieldError(field, message) for field, message in BLANK.items() if not form.get(field)]
    data: PasswordChange | None = None
    try:
        data = PasswordChange.model_validate(
            {
                "current_password": form.get("current_password", ""),
                "new_password": form.get("new_password", ""),
            }
        )
    except ValidationError as exc:
        blank = {e.field for e in errors}
        found = account_errors(exc, _field_for, "current_password")
        errors += [e for e in found if e.field not in blank]
    confirm = form.get("confirm_password", "")
    if confirm and form.get("new_password") and confirm != form.get("new_password"):
        errors.append(FieldError("confirm_password", _MISMATCH))
    order = list(BLANK)
    return (None if errors else data), sorted(errors, key=lambda e: order.index(e.field))


@router.post("/password")
def change_password(
    request: Request, visitor: VisitorDep, signed_in: SignedInEvenIfResetDep, form: PostedForm
) -> Response:
    # A plain function: FastAPI runs it in a worker thread, and the service checks and hashes
    # the passwords with no transaction open.
    caller = signed_in.caller
    next_path = safe_next(form.get("next"), default="")
    show = partial(
        _form_page, request, visitor, reset=caller.must_change_password, next_path=next_path
    )
    data, errors = _form_errors(form)
    if data is None:
        return show(errors=tuple(errors), status_code=422)
    engine = request.app.state.engine
    try:
        users.change_own_password(
            engine,
            settings=request.app.state.settings,
            user_id=caller.user_id,
            data=data,
            address=client_address(request),
        )
    except TooManyRequests as refused:
        seconds = int((refused.headers or {}).get("Retry-After", "60"))
        retry_at = visitor.translator.time(utcnow() + timedelta(seconds=seconds))
        error = FieldError("current_password", _THROTTLED)
        response = show(errors=(error,), retry_at=retry_at, status_code=429)
        response.headers["Retry-After"] = str(seconds)
        return response
    except Invalid as problem:
        error = problem_field(problem.detail, FIELDS, "current_password")
        error = FieldError(error.field, _REFUSALS.get(problem.detail, error.message))
        return show(errors=(error,), status_code=422)
    # Every session of the user ended with the change: this browser gets a new one.
    value = sessions.start(
        engine,
        user_id=caller.user_id,
        settings=request.app.state.settings,
        replacing=visitor.session_cookie,
    )
    query = f"?{urlencode({'next': next_path})}" if next_path else ""
    response = RedirectResponse(f"{PASSWORD_PATH}/changed{query}", status_code=303)
    set_session_cookie(response, request, value)
    return response


@router.get("/password/changed")
def password_changed(
    request: Request, visitor: VisitorDep, signed_in: SignedInDep, next: NextPath = ""
) -> Response:
    del signed_in  # signed in (with the new session) is all this page needs
    return render(
        request,
        "password_changed.html",
        page_for(request, visitor),
        {"next_path": safe_next(next)},
    )
