"""The application factory: routers, error handlers, lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from signage.core.config import Settings, get_settings
from signage.core.db import create_db_engine
from signage.core.errors import install_error_handlers
from signage.core.health import router as health_router
from signage.organisations.router import router as organisations_router
from signage.player.router import router as player_router
from signage.screens.router import router as screens_router
from signage.users.router import auth_router
from signage.users.router import router as users_router
from signage.venues.router import router as venues_router

DESCRIPTION = """
Playlist server for public-safety campaigns (such as *Walk Away*) on screens in pubs, clubs
and takeaways at the hours that matter. Staff log in with `POST /v1/auth/token` (the
**Authorize** button); screens use their device token on the `/v1/player` endpoints.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = create_db_engine(settings.effective_database_url)
    secret_key = settings.effective_secret_key

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="signage", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.secret_key = secret_key
    install_error_handlers(app)
    for router in (
        health_router,
        auth_router,
        organisations_router,
        users_router,
        venues_router,
        screens_router,
        player_router,
    ):
        app.include_router(router)
    return app
