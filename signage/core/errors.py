"""RFC 9457 problem details for every error, and the exceptions services raise.

Services raise these domain errors; they know nothing of HTTP beyond a status. Every 4xx and
5xx leaves as ``application/problem+json`` with a human-readable ``detail``, never a trace.
"""

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from signage.core.metrics import DATABASE_ERRORS

logger = logging.getLogger("signage.errors")

PROBLEM_JSON = "application/problem+json"

# How many validation errors a 422 lists; the detail says how many more there were.
MAX_REPORTED_ERRORS = 20


class Problem(Exception):
    """An error with an HTTP status and a message meant for the API's user."""

    status = 400

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        self.headers = headers
        self.extra = extra


class NotFound(Problem):
    status = 404


class Forbidden(Problem):
    status = 403


class Unauthorized(Problem):
    status = 401

    def __init__(self, detail: str = "Missing or invalid credentials") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Conflict(Problem):
    status = 409


class Invalid(Problem):
    """Input that parses but cannot be right: an unknown force, a role the organisation lacks."""

    status = 422


class TooManyRequests(Problem):
    status = 429


# RFC 9110 (section 15) renamed a few statuses that Python's http module, before 3.13, still
# calls by RFC 7231's names.
_RFC_9110_TITLES = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}


def status_title(status: int) -> str:
    """The status's name as RFC 9110 gives it: a problem's `title`."""
    if status in _RFC_9110_TITLES:
        return _RFC_9110_TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": status_title(status),
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "request"


def _validation_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid value"))
    if error.get("type") == "json_invalid":
        return "request body is not valid JSON"
    message = message.removeprefix("Value error, ")
    return f"{_location(tuple(error.get('loc', ())))}: {message}"


async def _on_validation(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    # A body with a million bad keys gets the first few reasons, not a million of them.
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": _validation_message(dict(e))}
        for e in found[:MAX_REPORTED_ERRORS]
    ]
    detail = "; ".join(str(e["msg"]) for e in errors) or "invalid request"
    if len(found) > MAX_REPORTED_ERRORS:
        detail += f"; and {len(found) - MAX_REPORTED_ERRORS} more errors"
    return problem_response(422, detail, errors=errors)


async def _on_problem(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.detail, headers=exc.headers, **exc.extra)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


_PARAMETER = re.compile(r"{[^}]*}")


def _allowed_methods(request: Request) -> str | None:
    """Every method of the resource at this path. Starlette names only the first route's,
    and FastAPI makes one route per method, so ``GET /v1/venues/{id}`` alone would hide
    PATCH and DELETE. The resource is the most literal path that matches: ``/v1/users/me``,
    not ``/v1/users/{user_id}`` with the id "me", whichever was declared first."""
    path = request.scope["path"]
    matching = [
        route
        for route in iter_route_contexts(request.app.routes)
        if route.methods and route.path_regex.match(path)
    ]
    if not matching:
        return None
    resource = max(
        (route.path or "" for route in matching), key=lambda p: len(_PARAMETER.sub("", p))
    )
    methods = {m for route in matching if route.path == resource for m in route.methods or ()}
    return ", ".join(method for method in _METHODS if method in methods)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 304 or exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=exc.headers)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI answers a JSON body that is not UTF-8 with a bare 400; any other malformed
        # JSON is a 422, so this is too.
        return problem_response(422, "request body is not valid JSON (it is not UTF-8 text)")
    detail = exc.detail if isinstance(exc.detail, str) else status_title(exc.status_code)
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers = {**(headers or {}), "Allow": allowed}
    return problem_response(exc.status_code, detail, headers=headers)


async def _on_unstorable(_request: Request, exc: Exception) -> Response:
    # The database refused a value that validation let through (a NUL character, a number out
    # of the column's range): the client's input, so a 422, not a server error.
    logger.info("database refused a value: %s", exc)
    return problem_response(
        422, "a value in the request cannot be stored (invalid characters or out of range)"
    )


async def _on_database_unavailable(_request: Request, exc: Exception) -> Response:
    # The database is down, hung past its timeouts, or (SQLite) held by a writer longer than the
    # lock wait: nothing the client did wrong, and worth retrying shortly.
    logger.warning("database unavailable: %s", str(exc).splitlines()[0])
    DATABASE_ERRORS.labels("request").inc()
    return problem_response(
        503,
        "The database is busy or unreachable; try again in a few seconds",
        headers={"Retry-After": "5"},
    )


async def _on_unexpected(_request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error", exc_info=exc)
    return problem_response(500, "Internal server error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(DataError, _on_unstorable)
    app.add_exception_handler(UnicodeEncodeError, _on_unstorable)
    app.add_exception_handler(OperationalError, _on_database_unavailable)
    app.add_exception_handler(PoolTimeout, _on_database_unavailable)
    app.add_exception_handler(Exception, _on_unexpected)
