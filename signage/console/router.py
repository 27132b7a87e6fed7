"""The console's routes under /console, put together, and how the app takes them in."""

from fastapi import APIRouter, FastAPI
from starlette.responses import RedirectResponse, Response

from signage.console import (
    approvals,
    audit_log,
    auth,
    campaign_space,
    campaigns,
    overview,
    password,
    preview,
    reports,
    schedules,
    screens,
    takeovers,
    tonight,
    users,
    venues,
    week,
)
from signage.console.i18n import load_catalogues
from signage.console.security import ConsoleSecurityHeaders

router = APIRouter(include_in_schema=False)
router.include_router(tonight.router)
router.include_router(auth.router)
router.include_router(campaigns.router)
router.include_router(campaign_space.router)
router.include_router(approvals.router)
router.include_router(schedules.router)
router.include_router(takeovers.router)
router.include_router(venues.router)
router.include_router(screens.router)
router.include_router(reports.router)
router.include_router(audit_log.router)
router.include_router(users.router)
router.include_router(password.router)
router.include_router(week.router)
router.include_router(preview.router)

# The site's front door is the console (integrators have /docs).
root_router = APIRouter(include_in_schema=False)


@root_router.get("/")
def front_door() -> Response:
    return RedirectResponse("/console", status_code=303)


def install_console(app: FastAPI) -> None:
    """Serve the console: its routes, the front door's redirect, and the security headers
    on /console responses (only there: the API and the poll are untouched)."""
    load_catalogues()
    app.state.console_plans = overview.night_plans()
    app.state.console_areas = overview.areas()
    app.state.console_reached = week.reached_venues()
    app.include_router(router)
    app.include_router(root_router)
    app.add_middleware(ConsoleSecurityHeaders)
