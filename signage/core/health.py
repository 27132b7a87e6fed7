"""Liveness and readiness. Neither ever hangs: a database that does not answer is reported."""

import asyncio
import contextlib
from concurrent.futures import Future
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import JSONResponse

from signage.core.migrate import is_at_head
from signage.core.threads import run_in_daemon_thread

router = APIRouter(tags=["health"])

# Longer than a healthy database ever takes, shorter than a load balancer's probe timeout.
READY_TIMEOUT_SECONDS = 2.0

# One check at a time per database, on a thread of its own: a hung database holds one
# thread, not the request threadpool, however often a probe asks.
_in_flight: dict[int, Future[str]] = {}  # by engine, so each app reports its own database


def _check_database(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return "ok" if is_at_head(engine) else "not migrated"
    except SQLAlchemyError as exc:
        return "unreachable: " + str(exc).splitlines()[0][:200]


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "database unreachable or not migrated"}})
async def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers within 2 s and its schema is at the latest
    migration. The body also says whether this process has playlists to serve screens."""
    engine: Engine = request.app.state.engine
    check = _in_flight.get(id(engine))
    if check is None or check.done():
        check = _in_flight[id(engine)] = run_in_daemon_thread(
            lambda: _check_database(engine), "readyz"
        )
    database = f"did not answer within {READY_TIMEOUT_SECONDS:g} s"
    with contextlib.suppress(TimeoutError):
        database = await asyncio.wait_for(
            asyncio.shield(asyncio.wrap_future(check)), READY_TIMEOUT_SECONDS
        )
    body: dict[str, Any] = {"status": "ok" if database == "ok" else "unavailable"}
    body["database"] = database
    state = getattr(request.app.state, "playlist_state", None)
    if state is not None:
        body["playlists"] = state.health()
    return JSONResponse(body, status_code=200 if database == "ok" else 503)
