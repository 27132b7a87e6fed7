"""Screens: the fleet table, filtered, sorted and paged in SQL.

The rows are the screens the caller may see by the screens' own tenancy rule (as
``screens.service.list_for`` applies it), joined to their venues; one page of 50 is read in
one query (and one count), the names of what they play in one more, and each row's status is
``screens.service.to_public``'s, counting what a screen reported in the last few seconds (the
seen buffer). The status filter reads the stored last-seen time: a screen whose first report
is still in the buffer (a few seconds) is filtered as the table last recorded it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import ColumnElement, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col
from starlette.responses import Response

from signage.campaigns.models import CAMPAIGN_ORGANISATION_KINDS
from signage.console.i18n import N_
from signage.console.routing import ConsoleRoute, SignedInDep, VisitorDep, check_csrf, page_for
from signage.console.screen_pages import creative_names
from signage.console.screen_pages import router as screen_pages
from signage.console.templating import render
from signage.console.venues import KIND_LABELS
from signage.core.db import read_session
from signage.core.roles import OrganisationKind
from signage.core.tenancy import Caller, visible
from signage.core.types import utcnow
from signage.organisations import service as organisations
from signage.screens import service
from signage.screens.models import Screen, ScreenPublic
from signage.screens.seen import SeenBuffer
from signage.venues.models import Venue, VenueKind

router = APIRouter(prefix="/console", route_class=ConsoleRoute, dependencies=[Depends(check_csrf)])
# A screen's own pages (Add screen first: "/screens/add" is not a screen id).
router.include_router(screen_pages)

AREA = "/console/screens"
PAGE_SIZE = 50
Status = Literal["online", "offline", "never_seen"]
STATUS_LABELS: dict[str, str] = {
    "online": N_("Online"),
    "offline": N_("Offline"),
    "never_seen": N_("Never seen"),
}
# The sortable columns: the query string's name -> what the rows are ordered by.
SORTS: dict[str, Any] = {
    "name": col(Screen.name),
    "venue": col(Venue.name),
    "last_seen": col(Screen.last_seen_at),
    "player": col(Screen.player),
}


@dataclass(frozen=True)
class Row:
    screen: ScreenPublic
    venue_name: str
    venue_kind: str
    playing: str | None  # the creative's name


@dataclass(frozen=True)
class Filters:
    status: Status | None
    kind: VenueKind | None
    force: str | None
    sort: str
    descending: bool

    def query(self, **changes: Any) -> str:
        values: dict[str, Any] = {
            "status": self.status,
            "kind": self.kind.value if self.kind else None,
            "force": self.force,
            "sort": ("-" if self.descending else "") + self.sort,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


def police_or_national(caller: Caller) -> bool:
    return caller.organisation_kind in CAMPAIGN_ORGANISATION_KINDS


def _conditions(caller: Caller, filters: Filters, *, cutoff: datetime) -> list[ColumnElement[bool]]:
    last_seen = col(Screen.last_seen_at)
    where: list[ColumnElement[bool]] = [visible(caller, Screen)]
    if filters.status == "online":
        where.append(last_seen >= cutoff)
    elif filters.status == "offline":
        where.append(last_seen < cutoff)
    elif filters.status == "never_seen":
        where.append(last_seen.is_(None))
    if filters.kind is not None:
        where.append(col(Venue.kind) == filters.kind.value)
    if filters.force is not None:
        where.append(col(Venue.force_id) == filters.force)
    return where


def fleet_page(
    session: Session,
    *,
    caller: Caller,
    filters: Filters,
    page: int,
    offline_after: timedelta,
    seen: SeenBuffer,
) -> tuple[list[Row], int]:
    """One page of the caller's fleet and how many screens match in all (three queries)."""
    where = _conditions(caller, filters, cutoff=utcnow() - offline_after)
    joined = col(Screen.venue_id) == col(Venue.id)
    total = session.execute(
        select_columns(func.count()).select_from(Screen).join(Venue, joined).where(*where)
    ).scalar_one()
    order = SORTS[filters.sort]
    ordering = [order.desc() if filters.descending else order.asc()]
    if filters.sort == "last_seen":
        # Never seen last when newest first, first when oldest first, on both databases.
        ordering.insert(0, order.is_(None) if filters.descending else order.is_not(None))
    rows = session.execute(
        select_columns(Screen, col(Venue.name), col(Venue.kind))
        .join(Venue, joined)
        .where(*where)
        .order_by(*ordering, col(Screen.name), col(Screen.id))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    public = [
        (
            service.to_public(screen, offline_after=offline_after, reported=seen.latest(screen.id)),
            venue_name,
            kind,
        )
        for screen, venue_name, kind in rows
    ]
    names = creative_names(session, {p.playing_creative_id for p, _, _ in public})
    return [
        Row(
            screen=p,
            venue_name=venue_name,
            venue_kind=str(kind),
            playing=names.get(p.playing_creative_id) if p.playing_creative_id else None,
        )
        for p, venue_name, kind in public
    ], int(total)


def _parse_sort(sort: str) -> tuple[str, bool]:
    descending = sort.startswith("-")
    name = sort.removeprefix("-")
    return (name, descending) if name in SORTS else ("name", False)


@router.get("/screens")
def fleet(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    status: Annotated[Status | Literal[""], Query()] = "",
    kind: Annotated[VenueKind | Literal[""], Query()] = "",
    force: Annotated[str, Query(max_length=64)] = "",
    sort: Annotated[str, Query(max_length=20)] = "name",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    caller = signed_in.caller
    settings = request.app.state.settings
    sort_name, descending = _parse_sort(sort)
    may_filter_force = police_or_national(caller)
    filters = Filters(
        status=status or None,
        kind=kind or None,
        force=(force or None) if may_filter_force else None,
        sort=sort_name,
        descending=descending,
    )
    with read_session(request.app.state.engine) as session:
        forces = (
            organisations.list_for(session, caller=caller, kind=OrganisationKind.force)
            if may_filter_force
            else []
        )
        rows, total = fleet_page(
            session,
            caller=caller,
            filters=filters,
            page=page,
            offline_after=timedelta(seconds=settings.screen_offline_after_seconds),
            seen=request.app.state.seen,
        )
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "screens.html",
        page_for(request, visitor, current=AREA),
        {
            "rows": rows,
            "total": total,
            "page_number": page,
            "pages": pages,
            "filters": filters,
            "statuses": STATUS_LABELS,
            "kinds": KIND_LABELS,
            "forces": [(f.id, f.name) for f in forces],
            "may_filter_force": may_filter_force,
            "may_add": caller.manages_venues,
            "sorts": list(SORTS),
        },
    )
