"""Signing in and out of the console, and the language switch.

Signing in goes through the API's own ``sign_in`` (the same accounts, password check and
throttle: failures here count towards the API's limits, and the other way round).
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from signage.console import csrf, sessions
from signage.console.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGE_COOKIE_SECONDS,
    LANGUAGES,
    N_,
    safe_next,
)
from signage.console.routing import (
    PASSWORD_PATH,
    SIGN_IN_PATH,
    ConsoleRoute,
    CsrfRefused,
    VisitorDep,
    page_for,
)
from signage.console.templating import render
from signage.core.errors import TooManyRequests, Unauthorized
from signage.core.throttle import client_address
from signage.core.types import utcnow
from signage.users import service as users

router = APIRouter(prefix="/console", route_class=ConsoleRoute)

COOKIE_PATH = "/console"
# Longer than any email an account can have, or any password one would type.
MAX_FIELD = 1024


@dataclass(frozen=True)
class FieldError:
    field: str  # the input's id, which the error summary links to
    message: str  # English; translated in the template


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, value: str) -> None:
    """The cookie of a session just started (at sign-in, or after a password change)."""
    response.set_cookie(
        sessions.COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path=COOKIE_PATH,
    )


def _sign_in_form(
    request: Request,
    visitor: VisitorDep,
    *,
    email: str = "",
    errors: tuple[FieldError, ...] = (),
    next_path: str = "",
    status_code: int = 200,
    retry_at: str | None = None,
) -> Response:
    cookie = request.cookies.get(csrf.SIGN_IN_COOKIE)
    fresh = cookie is None or not cookie or len(cookie) > 128
    if fresh or cookie is None:
        cookie = csrf.new_sign_in_cookie()
    token = csrf.sign_in_token(cookie, secret_key=request.app.state.secret_key)
    response = render(
        request,
        "sign_in.html",
        page_for(request, visitor),
        {
            "email": email,
            "errors": errors,
            "error_for": {e.field: e.message for e in errors},
            "sign_in_token": token,
            "next_path": next_path,
            "retry_at": retry_at,
        },
        status_code=status_code,
    )
    if fresh:
        response.set_cookie(
            csrf.SIGN_IN_COOKIE,
            cookie,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
            path=COOKIE_PATH,
        )
    return response


@router.get("/sign-in")
def sign_in_page(
    request: Request, visitor: VisitorDep, next: Annotated[str, Query(max_length=2000)] = ""
) -> Response:
    if visitor.signed_in is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _sign_in_form(request, visitor, next_path=safe_next(next, default=""))


@router.post("/sign-in")
def sign_in(
    request: Request,
    visitor: VisitorDep,
    email: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    # A plain function: FastAPI runs it in a worker thread, and sign_in checks the password
    # with no transaction open.
    cookie = request.cookies.get(csrf.SIGN_IN_COOKIE)
    expected = (
        csrf.sign_in_token(cookie, secret_key=request.app.state.secret_key) if cookie else None
    )
    if not csrf.matches(csrf_token, expected):
        raise CsrfRefused()
    errors = []
    if not email.strip():
        errors.append(FieldError("email", N_("Enter your email address")))
    if not password:
        errors.append(FieldError("password", N_("Enter your password")))
    form = {"email": email, "next_path": safe_next(next, default="")}
    if errors:
        return _sign_in_form(request, visitor, errors=tuple(errors), status_code=400, **form)
    try:
        user = users.sign_in(
            request.app.state.engine,
            settings=request.app.state.settings,
            email=email,
            password=password,
            address=client_address(request),
        )
    except Unauthorized:
        wrong = FieldError("password", N_("Wrong email or password"))
        return _sign_in_form(request, visitor, errors=(wrong,), status_code=400, **form)
    except TooManyRequests as refused:
        seconds = int((refused.headers or {}).get("Retry-After", "60"))
        retry_at = visitor.translator.time(utcnow() + timedelta(seconds=seconds))
        throttled = FieldError(
            "email", N_("Too many failed sign-ins for this account or from this address")
        )
        response = _sign_in_form(
            request, visitor, errors=(throttled,), status_code=429, retry_at=retry_at, **form
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    # Always a new session: the one the browser had (if any) ends here.
    value = sessions.start(
        request.app.state.engine,
        user_id=user.id,
        settings=request.app.state.settings,
        replacing=visitor.session_cookie,
    )
    target = safe_next(next)
    if user.must_change_password:
        # An admin reset the password: the user chooses their own before anything else.
        target = f"{PASSWORD_PATH}?{urlencode({'next': target})}"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, value)
    response.delete_cookie(csrf.SIGN_IN_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/sign-out")
def sign_out(
    request: Request,
    visitor: VisitorDep,
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    signed_in = visitor.signed_in
    if signed_in is not None:
        if not csrf.matches(csrf_token, signed_in.csrf_secret):
            raise CsrfRefused()
        sessions.end(request.app.state.engine, signed_in.id)
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    response.delete_cookie(
        sessions.COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=_secure(request)
    )
    return response


@router.get("/language")
def switch_language(
    request: Request,
    to: Annotated[str, Query(max_length=8)] = "",
    next: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    """Set the language (a cookie, so it persists) and go back to the page it was chosen on."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if to in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            to,
            max_age=LANGUAGE_COOKIE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
            path=COOKIE_PATH,
        )
    return response
