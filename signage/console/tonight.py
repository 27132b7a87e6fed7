"""The home page, "Tonight": what is on air now and later tonight in the caller's area,
screens online and offline, and creatives waiting for approval."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from signage import timing
from signage.console.i18n import CONSOLE_TIMEZONE
from signage.console.kept import Kept
from signage.console.overview import (
    Area,
    NightPlan,
    Programme,
    area_key,
    load_programme,
    load_screens,
    night_end,
    plan_night,
    screen_counts,
    tonight_rows,
    waiting_for_approval,
)
from signage.console.routing import (
    ConsoleRoute,
    SignedInDep,
    VisitorDep,
    existing_pages,
    page_for,
)
from signage.console.templating import render
from signage.core.db import read_session
from signage.core.gc_pause import collector_paused
from signage.core.types import utcnow
from signage.core.versioning import Part, read_version

router = APIRouter(prefix="/console", route_class=ConsoleRoute)

PAGE_SIZE = 50


@router.get("")
def tonight(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    caller = signed_in.caller
    settings = request.app.state.settings
    now = utcnow()
    until = night_end(now, CONSOLE_TIMEZONE)
    with read_session(request.app.state.engine) as session:
        counts = screen_counts(
            session,
            caller=caller,
            now=now,
            offline_after=timedelta(seconds=settings.screen_offline_after_seconds),
            seen=request.app.state.seen,
        )
        waiting = waiting_for_approval(session, caller=caller)
        # Read before the inputs: nothing is kept under a version older than its data.
        connection = session.connection()
        key = (*area_key(caller), read_version(connection), until)
        area_at = (*area_key(caller), read_version(connection, Part.estate))
        plans: Kept[NightPlan] = request.app.state.console_plans
        areas: Kept[Area] = request.app.state.console_areas
        plan = plans.get(key)
        area = areas.get(area_at) if plan is None else None
        programme: Programme | None = None
        screens: tuple[timing.Screen, ...] = ()
        if plan is None:
            with collector_paused():
                programme = load_programme(session, caller=caller)
                if area is None:
                    screens = load_screens(session, caller=caller)
    if plan is None:
        assert programme is not None
        # The engine runs with the session closed.
        with collector_paused():
            if area is None:
                area = Area(screens)
                areas.put(area_at, area)
            plan = plan_night(programme, area, start=until - timedelta(days=1), end=until)
        plans.put(key, plan)
    rows = tonight_rows(plan, now=now, until=until)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    existing = existing_pages(request)
    layout = page_for(request, visitor, current="/console")
    return render(
        request,
        "tonight.html",
        layout,
        {
            "now": now,
            "until": until,
            # The night is named by the date it starts on (contract rule 2): at 02:00 on a
            # Saturday, "tonight" is still Friday's.
            "night": (until - timedelta(days=1)).date(),
            "counts": counts,
            "waiting": waiting,
            "rows": rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            "row_count": len(rows),
            "page_number": page,
            "pages": pages,
            "screens_link": "/console/screens" in existing,
            # Only where the caller's role may go: editors see the count, approvers the queue.
            "approvals_link": any(link.path == "/console/approvals" for link in layout.navigation),
        },
    )
