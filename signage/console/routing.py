"""What every console route shares: the visitor (language, session), sign-in and CSRF
checks, the page layout's data, and errors as HTML pages rather than problem JSON.

The console calls the same services as the API, which raise the same errors
(signage.core.errors): here they become a page with the same status and message.
"""

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.responses import RedirectResponse, Response

from signage.console import csrf, sessions
from signage.console.i18n import LANGUAGE_COOKIE, N_, Translator, language_of
from signage.console.navigation import navigation_for
from signage.console.sessions import SignedIn
from signage.console.templating import Page, render
from signage.core.errors import Problem

logger = logging.getLogger("signage.console")

SIGN_IN_PATH = "/console/sign-in"
# Where someone whose password an admin reset is sent, whatever page they asked for.
PASSWORD_PATH = "/console/password"


class SignInRequired(Exception):
    """The page needs a signed-in visitor; they are sent to the sign-in page."""


class PasswordChangeRequired(Exception):
    """An admin reset the visitor's password: they must choose their own before anything else."""


class CsrfRefused(Exception):
    """A form came without the right CSRF token: refused with a 403 page."""


@dataclass(frozen=True)
class Visitor:
    translator: Translator
    signed_in: SignedIn | None
    session_cookie: str | None


def get_visitor(request: Request) -> Visitor:
    # A plain function: FastAPI runs it in a worker thread, so its short read (and the rare
    # write that refreshes the session) never blocks the event loop.
    cookie = request.cookies.get(sessions.COOKIE)
    signed_in = sessions.load(
        request.app.state.engine, cookie_value=cookie, settings=request.app.state.settings
    )
    visitor = Visitor(
        translator=Translator(language_of(request.cookies.get(LANGUAGE_COOKIE))),
        signed_in=signed_in,
        session_cookie=cookie,
    )
    request.state.console_visitor = visitor  # for the error pages
    return visitor


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


def require_session(visitor: VisitorDep) -> SignedIn:
    if visitor.signed_in is None:
        raise SignInRequired()
    return visitor.signed_in


# The password page only: signed in, even while an admin's reset of the password stands.
SignedInEvenIfResetDep = Annotated[SignedIn, Depends(require_session)]


def require_signed_in(signed_in: SignedInEvenIfResetDep) -> SignedIn:
    # The temporary password an admin set (and knows) opens no page but the password page.
    if signed_in.caller.must_change_password:
        raise PasswordChangeRequired()
    return signed_in


SignedInDep = Annotated[SignedIn, Depends(require_signed_in)]


async def check_csrf(request: Request, visitor: VisitorDep) -> None:
    """Every POST of a signed-in page carries the session's token (a 403 page otherwise)."""
    if request.method != "POST":
        return
    if visitor.signed_in is None:
        raise SignInRequired()
    # Parsed once: FastAPI's own form fields read the same cached form.
    form = await request.form()
    if not csrf.matches(form.get(csrf.FIELD), visitor.signed_in.csrf_secret):
        raise CsrfRefused()


def existing_pages(request: Request) -> frozenset[str]:
    """The paths of the app's GET pages, so navigation links only to pages that exist."""
    return frozenset(
        route.path
        for route in iter_route_contexts(request.app.routes)
        if route.path and route.methods and "GET" in route.methods
    )


def page_for(request: Request, visitor: Visitor, *, current: str | None = None) -> Page:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signed_in = visitor.signed_in
    if signed_in is None:
        return Page(translator=visitor.translator, path=path)
    reset = signed_in.caller.must_change_password  # no page to go to but the password page
    return Page(
        translator=visitor.translator,
        path=path,
        navigation=() if reset else navigation_for(signed_in.caller, existing_pages(request)),
        current=current,
        csrf_token=signed_in.csrf_secret,
        signed_in_as=signed_in.caller.email,
    )


_ERROR_TITLES = {
    400: N_("Sorry, that request could not be read"),
    403: N_("You cannot do that"),
    404: N_("Page not found"),
    409: N_("That conflicts with what is already there"),
    422: N_("That cannot be saved"),
    429: N_("Too many attempts"),
}
_OTHER_ERROR = N_("Sorry, there is a problem")


def error_page(request: Request, status: int, detail: str | None = None) -> Response:
    visitor: Visitor | None = getattr(request.state, "console_visitor", None)
    if visitor is None:
        translator = Translator(language_of(request.cookies.get(LANGUAGE_COOKIE)))
        visitor = Visitor(translator=translator, signed_in=None, session_cookie=None)
    return render(
        request,
        "error.html",
        page_for(request, visitor),
        {"status": status, "title": _ERROR_TITLES.get(status, _OTHER_ERROR), "detail": detail},
        status_code=status,
    )


def _redirect_returning(request: Request, target: str) -> Response:
    # A page asked for by GET is where the visitor returns afterwards.
    if request.method == "GET" and request.url.path != "/console":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?" + urlencode({"next": here})
    return RedirectResponse(target, status_code=303)


class ConsoleRoute(APIRoute):
    """An APIRoute whose failures are pages: signed out -> the sign-in page, a password an
    admin reset -> the password page, a bad CSRF
    token -> 403, a service's Problem -> a page with its status and message, a malformed
    form -> 400; never a stack trace or problem JSON in the browser."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return _redirect_returning(request, SIGN_IN_PATH)
            except PasswordChangeRequired:
                return _redirect_returning(request, PASSWORD_PATH)
            except CsrfRefused:
                return error_page(request, 403, "csrf")
            except Problem as problem:
                response = error_page(request, problem.status, problem.detail)
                if problem.headers:
                    response.headers.update(
                        {k: v for k, v in problem.headers.items() if k != "WWW-Authenticate"}
                    )
                return response
            except RequestValidationError:
                return error_page(request, 400)

        return console_handler
