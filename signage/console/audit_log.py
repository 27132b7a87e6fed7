"""Audit log: who did what, when, and to which object, newest first, over a range of dates.

The entries are the API's (``audit.service.list_for``, behind ``GET /v1/audit``): the caller's
organisation's log (national staff see every organisation's, a partner its own: its screens),
with the same range limit. Any signed-in role may read it, as in the API. Each action is in
plain words; an object links to its page where the caller may open it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select as select_columns
from sqlmodel import Session, col
from starlette.responses import Response

from signage.audit import service
from signage.audit.models import AuditEntry
from signage.audit.router import MAX_RANGE
from signage.console.api_forms import MAX_FIELD, FieldError
from signage.console.i18n import CONSOLE_TIMEZONE, N_, Translator
from signage.console.navigation import may_visit
from signage.console.routing import ConsoleRoute, SignedInDep, VisitorDep, page_for
from signage.console.takeover_forms import typed_date
from signage.console.takeover_views import instant
from signage.console.templating import render
from signage.core.db import read_session
from signage.core.tenancy import Caller, visible
from signage.core.types import utcnow
from signage.creatives.models import Creative
from signage.schedules.models import Schedule
from signage.screens.models import Screen
from signage.takeovers.models import Takeover
from signage.users.models import User

router = APIRouter(prefix="/console", route_class=ConsoleRoute)

AREA = "/console/audit"
# The page shows this many entries, the newest in the range.
LIMIT = 200
DEFAULT_DAYS = 30
ACTION_LABELS: dict[str, str] = {
    "takeover.created": N_("Created takeover"),
    "takeover.break_glass": N_("Started takeover at once (break glass)"),
    "takeover.confirmed": N_("Confirmed takeover"),
    "takeover.ended": N_("Ended takeover"),
    "takeover.expired": N_("Takeover reached its end"),
    "takeover.not_confirmed": N_("Takeover ended: not confirmed in time"),
    "creative.approved": N_("Approved creative"),
    "creative.rejected": N_("Rejected creative"),
    "schedule.created": N_("Created schedule"),
    "schedule.updated": N_("Changed schedule"),
    "schedule.deleted": N_("Deleted schedule"),
    "screen.created": N_("Added screen"),
    "screen.revoked": N_("Revoked screen"),
    "screen.token_rotated": N_("Issued a new device token"),
    "user.created": N_("Added user"),
    "user.updated": N_("Changed user"),
}
OBJECT_LABELS: dict[str, str] = {
    "takeover": N_("Takeover"),
    "creative": N_("Creative"),
    "schedule": N_("Schedule"),
    "screen": N_("Screen"),
    "user": N_("User"),
}
SYSTEM = N_("The system")
NOT_A_DATE = {
    "from": N_("The start date must be a real date, such as 27/11/2026"),
    "to": N_("The end date must be a real date, such as 29/11/2026"),
}
TO_BEFORE_FROM = N_("The end date must be the same as or after the start date")
TOO_LONG = N_("The dates may span a year at most")
# Each kind of object with a page: its name now, and the id its page is under (a creative
# is on its campaign's page).
_PAGES: dict[str, tuple[Any, Any, Any, str]] = {
    "takeover": (Takeover, Takeover.reason, Takeover.id, "/console/takeovers"),
    "schedule": (Schedule, Schedule.name, Schedule.id, "/console/schedules"),
    "screen": (Screen, Screen.name, Screen.id, "/console/screens"),
    "user": (User, User.email, User.id, "/console/users"),
    "creative": (Creative, Creative.name, Creative.campaign_id, "/console/campaigns"),
}

DateText = Annotated[str, Query(max_length=MAX_FIELD)]


@dataclass(frozen=True)
class Range:
    first: date
    last: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), CONSOLE_TIMEZONE).astimezone(UTC)

    @property
    def end(self) -> datetime:
        after = self.last + timedelta(days=1)
        return datetime.combine(after, datetime.min.time(), CONSOLE_TIMEZONE).astimezone(UTC)


@dataclass(frozen=True)
class EntryRow:
    when: str
    who: str
    what: str
    kind: str
    name: str
    href: str | None
    note: str | None  # a reason given, if any


def _read_date(field: str, text: str) -> tuple[date | None, FieldError | None]:
    if not text.strip():
        return None, None
    try:
        return typed_date(text), None
    except ValueError:
        return None, FieldError(field, NOT_A_DATE[field])


def read_range(first_text: str, last_text: str, *, today: date) -> Range | list[FieldError]:
    """The dates asked for (UK days, both included), or the errors to show on their fields.
    Either may be left out, with the API's defaults: 30 days, ending today."""
    first, first_error = _read_date("from", first_text)
    last, last_error = _read_date("to", last_text)
    errors = [e for e in (first_error, last_error) if e is not None]
    if errors:
        return errors
    last = last or (first + timedelta(days=DEFAULT_DAYS - 1) if first else today)
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        return [FieldError("to", TO_BEFORE_FROM)]
    found = Range(first, last)
    if found.end - found.start > MAX_RANGE + timedelta(hours=1):  # a year and a clock change
        return [FieldError("to", TOO_LONG)]
    return found


def _objects(
    session: Session, caller: Caller, entries: Sequence[AuditEntry]
) -> dict[tuple[str, str], tuple[str, str | None]]:
    """Each object the caller can still see: its name now, and its page if they may go
    there (one query a kind of object)."""
    found: dict[tuple[str, str], tuple[str, str | None]] = {}
    for kind, (model, name_column, page_id, area) in _PAGES.items():
        ids = {e.object_id for e in entries if e.object_kind == kind}
        if not ids:
            continue
        rows = session.execute(
            select_columns(col(model.id), col(name_column), col(page_id)).where(
                visible(caller, model), col(model.id).in_(ids)
            )
        )
        opens = may_visit(caller, area)
        for object_id, name, under in rows:
            found[(kind, str(object_id))] = (str(name), f"{area}/{under}" if opens else None)
    return found


def _name_in(detail: Mapping[str, Any]) -> str | None:
    for key in ("name", "email", "reason"):
        value = detail.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def entry_rows(
    session: Session, caller: Caller, t: Translator, entries: Sequence[AuditEntry]
) -> list[EntryRow]:
    objects = _objects(session, caller, entries)
    rows = []
    for entry in entries:
        name, href = objects.get(
            (entry.object_kind, entry.object_id),
            (_name_in(entry.detail) or entry.object_id, None),
        )
        label = ACTION_LABELS.get(entry.action)
        kind = OBJECT_LABELS.get(entry.object_kind)
        reason = entry.detail.get("reason")
        noted = entry.action in ("creative.rejected", "takeover.ended") and isinstance(reason, str)
        rows.append(
            EntryRow(
                when=instant(t, entry.at),
                who=entry.actor_email or t.gettext(SYSTEM),
                what=t.gettext(label) if label else entry.action,
                kind=t.gettext(kind) if kind else entry.object_kind,
                name=name,
                href=href,
                note=reason if noted else None,
            )
        )
    return rows


@router.get("/audit")
def audit_log(
    request: Request,
    visitor: VisitorDep,
    signed_in: SignedInDep,
    first_text: Annotated[str, Query(alias="from", max_length=MAX_FIELD)] = "",
    last_text: Annotated[str, Query(alias="to", max_length=MAX_FIELD)] = "",
    what: Annotated[str, Query(max_length=60)] = "",
    object_id: Annotated[str, Query(max_length=36)] = "",
) -> Response:
    caller = signed_in.caller
    t = visitor.translator
    today = utcnow().astimezone(CONSOLE_TIMEZONE).date()
    asked = read_range(first_text, last_text, today=today)
    action = what if what in ACTION_LABELS else ""
    values = {"from": first_text, "to": last_text, "what": action}
    errors: list[FieldError] = []
    rows: list[EntryRow] = []
    more = False
    if isinstance(asked, Range):
        values.update({"from": asked.first.isoformat(), "to": asked.last.isoformat()})
        with read_session(request.app.state.engine) as session:
            entries = service.list_for(
                session,
                caller=caller,
                start=asked.start,
                end=asked.end,
                object_id=object_id or None,
                action=action or None,
                limit=LIMIT + 1,
            )
            more = len(entries) > LIMIT
            rows = entry_rows(session, caller, t, entries[:LIMIT])
    else:
        errors = asked
    return render(
        request,
        "audit.html",
        page_for(request, visitor, current=AREA),
        {
            "rows": rows,
            "range": asked if isinstance(asked, Range) else None,
            "more": more,
            "limit": LIMIT,
            "values": values,
            "object_id": object_id,
            "actions": ACTION_LABELS,
            "errors": tuple(errors),
        },
        status_code=422 if errors else 200,
    )
