"""The application factory: routers, error handlers, lifespan."""

import contextlib
import copy
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from signage.audit.router import router as audit_router
from signage.auth.callers import load_caller
from signage.campaigns.router import router as campaigns_router
from signage.console.docs import install_docs
from signage.console.router import install_console
from signage.core.config import Settings, get_settings
from signage.core.db import create_db_engine
from signage.core.errors import install_error_handlers
from signage.core.health import router as health_router
from signage.core.jobs import JobScheduler
from signage.core.limits import RequestLimits
from signage.core.logs import RequestIds, use_json_logs
from signage.core.metrics import router as metrics_router
from signage.core.openapi import document_errors
from signage.core.threads import run_in_daemon_thread
from signage.creatives.media_router import install_media_errors
from signage.creatives.media_router import router as media_router
from signage.creatives.router import campaign_router as campaign_deletion_router
from signage.creatives.router import router as creatives_router
from signage.jobs import default_jobs
from signage.media import LocalMediaStore
from signage.media.object_store import ObjectMediaStore, s3_store
from signage.organisations.router import router as organisations_router
from signage.player.events import EVENTS_PATH, EventHub, EventsEndpoint
from signage.player.events import OPENAPI_PATH as EVENTS_OPENAPI
from signage.player.hotpath import OPENAPI_PATH as POLL_OPENAPI
from signage.player.hotpath import PlaylistEndpoint
from signage.player.poll_schema import PLAYLIST_SCHEMA, PLAYLIST_SCHEMA_NAME
from signage.player.router import router as player_router
from signage.player.staff_router import router as player_staff_router
from signage.player.state import PlaylistState, Programmes
from signage.player.web import player_files
from signage.plays.delivery import router as delivery_router
from signage.plays.router import player_router as plays_router
from signage.plays.router import reports_router
from signage.schedules.router import router as schedules_router
from signage.screens.router import router as screens_router
from signage.screens.router import venue_router as venue_deletion_router
from signage.screens.seen import SeenBuffer, flush_seen_forever
from signage.screens.service import screens_online
from signage.takeovers.delivery import DeliveryLog, flush_deliveries_forever
from signage.takeovers.router import router as takeovers_router
from signage.users.router import auth_router
from signage.users.router import router as users_router
from signage.venues.router import router as venues_router

DESCRIPTION = """
Playlist server for public-safety campaigns (such as *Walk Away*) on screens in pubs, clubs
and takeaways at the hours that matter. Staff log in with `POST /v1/auth/token` (the
**Authorize** button); screens use their device token on the `/v1/player` endpoints.
"""


POLL_PATH = "/v1/player/playlist"


class SignageApp(FastAPI):
    """FastAPI, with the poll answered before Starlette's middleware and routing: the poll is
    a bare ASGI endpoint that needs none of them (no body, no console page, its own errors),
    and passing through them was three quarters of its cost in the process (34 us of 42)."""

    poll: Callable[[Scope, Receive, Send], Awaitable[None]] | None = None
    # The events stream too: a stream held open for an hour holds every layer it passed
    # through, and 5,000 of them through the middleware cost 125 MB rather than 60.
    events: Callable[[Scope, Receive, Send], Awaitable[None]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.poll is not None and scope["type"] == "http":
            # Behind a proxy's prefix the path may carry the root path or not (servers differ).
            path = scope["path"]
            root = scope.get("root_path", "")
            if path in (POLL_PATH, root + POLL_PATH):
                await self.poll(scope, receive, send)
                return
            if self.events is not None and path in (EVENTS_PATH, root + EVENTS_PATH):
                await self.events(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = create_db_engine(settings.effective_database_url)
    secret_key = settings.effective_secret_key

    playlist_state = PlaylistState(engine, poll_after_seconds=settings.poll_after_seconds)
    seen = SeenBuffer()
    deliveries = DeliveryLog()
    hub = EventHub(deliveries, max_streams=settings.events_max_streams)
    playlist_state.on_publish.append(hub.published)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Timed jobs run in every worker's scheduler, but only under the jobs lease: one
        # process across all workers and replicas runs them (signage/core/jobs.py).
        jobs = None
        if settings.run_jobs:
            jobs = JobScheduler(
                engine, settings, default_jobs(flush_seen=lambda: seen.flush(engine))
            )
            jobs.start()
        # Start reading the fleet now, not at the first poll: a fleet of 100,000 screens
        # takes seconds to read and compile, and its first polls should find it ready.
        playlist_state.warm_up()
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(flush_seen_forever, seen, engine)
                tasks.start_soon(flush_deliveries_forever, deliveries, engine)
                yield
                tasks.cancel_scope.cancel()
        finally:
            if jobs is not None:
                await anyio.to_thread.run_sync(jobs.shutdown)
        await anyio.to_thread.run_sync(seen.flush, engine)
        await anyio.to_thread.run_sync(deliveries.flush, engine)
        playlist_state.close()
        engine.dispose()

    app = SignageApp(
        title="signage",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served by signage/console/docs.py from files in the package, not from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.secret_key = secret_key
    app.state.load_caller = load_caller
    app.state.playlist_state = playlist_state
    app.state.seen = seen
    app.state.deliveries = deliveries
    app.state.event_hub = hub
    app.state.scrape_values = lambda: _scrape_values(engine, settings, playlist_state, hub)
    app.state.programmes = Programmes()
    # Made at startup, not on the first upload: a folder that cannot be created fails now.
    app.state.media_store = (
        ObjectMediaStore(s3_store(settings.media_url), settings.media_path)
        if settings.media_url
        else LocalMediaStore(settings.media_path)
    )
    install_error_handlers(app)
    install_media_errors(app)
    if settings.log_format == "json":
        use_json_logs()
    app.add_middleware(
        RequestLimits,
        body_timeout_seconds=settings.body_timeout_seconds,
        upload_min_bytes_per_second=settings.upload_min_bytes_per_second,
        max_concurrent_uploads=settings.max_concurrent_uploads,
    )
    install_docs(app)
    # Outermost: every answer carries its request's id, errors and refusals included.
    app.add_middleware(RequestIds)
    for router in (
        health_router,
        metrics_router,
        auth_router,
        organisations_router,
        users_router,
        venues_router,
        venue_deletion_router,
        screens_router,
        player_staff_router,
        player_router,
        campaigns_router,
        campaign_deletion_router,
        schedules_router,
        takeovers_router,
        delivery_router,
        audit_router,
        creatives_router,
        media_router,
        plays_router,
        reports_router,
    ):
        app.include_router(router)
    install_console(app)
    # The poll bypasses FastAPI (see signage/player/hotpath.py), so it is described by hand.
    poll = PlaylistEndpoint(playlist_state, seen, settings.poll_after_seconds, deliveries)
    events = EventsEndpoint(
        playlist_state,
        hub,
        heartbeat_seconds=settings.events_heartbeat_seconds,
        lifetime_seconds=settings.events_lifetime_seconds,
    )
    # Routed too, for the record; SignageApp answers first, as for the poll.
    app.router.routes.insert(0, Route(EVENTS_PATH, events, methods=["GET"]))
    app.events = events
    # Routed too, for the record (the OpenAPI document, url_for); SignageApp answers first.
    app.router.routes.insert(0, Route(POLL_PATH, poll, methods=["GET", "HEAD"]))
    app.poll = poll
    _document_poll(app)
    # The web kiosk player (players/web) at /player/, when this installation ships it.
    web_player = player_files()
    if web_player is not None:
        app.mount("/player", web_player, name="web-player")
    return app


def _scrape_values(
    engine: Engine, settings: Settings, state: PlaylistState, hub: EventHub
) -> Iterator[tuple[str, str, float]]:
    """What /metrics reads when scraped, besides the counters."""
    offline_after = timedelta(seconds=settings.screen_offline_after_seconds)
    counting = run_in_daemon_thread(lambda: screens_online(engine, offline_after), "metrics")
    with contextlib.suppress(FutureTimeout):  # a hung database leaves the count out
        yield (
            "signage_screens_online",
            f"Live screens seen in the last {settings.screen_offline_after_seconds} s",
            float(counting.result(timeout=2.0)),
        )
    yield from state.metric_values()
    yield ("signage_event_streams", "Screens' event streams open on this process", float(len(hub)))
    yield ("signage_event_nudges", "Playlist events sent by this process", float(hub.nudges))


def _document_poll(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            # A copy: document_errors fills in responses, and the module's dict is shared.
            schema["paths"]["/v1/player/playlist"] = copy.deepcopy(POLL_OPENAPI)
            schema["paths"][EVENTS_PATH] = copy.deepcopy(EVENTS_OPENAPI)
            components = schema.setdefault("components", {})
            components.setdefault("securitySchemes", {}).setdefault(
                "DeviceToken", {"type": "http", "scheme": "bearer"}
            )
            components.setdefault("schemas", {})[PLAYLIST_SCHEMA_NAME] = PLAYLIST_SCHEMA
            app.openapi_schema = document_errors(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
