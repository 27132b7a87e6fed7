from datetime import UTC, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from signage.audit import service
from signage.audit.models import AuditEntryPublic
from signage.core.bounds import Instant, check_range
from signage.core.deps import CurrentCaller, SessionDep
from signage.core.errors import Invalid
from signage.core.types import utcnow

router = APIRouter(prefix="/v1/audit", tags=["audit"])

MAX_RANGE = timedelta(days=366)
MAX_ENTRIES = 1000


@router.get("", response_model=list[AuditEntryPublic])
def list_audit(
    session: SessionDep,
    caller: CurrentCaller,
    from_: Annotated[Instant | None, Query(alias="from")] = None,
    to: Instant | None = None,
    object_kind: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=36)] = None,
    what: Annotated[str | None, Query(max_length=60)] = None,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES)] = 200,
) -> list[AuditEntryPublic]:
    """Staff actions that matter (takeovers, approvals, schedule changes, screen revocations,
    user changes): who, what, when and on which object, newest first. Your organisation's
    log (national staff see every organisation's). `from` defaults to 30 days before `to`
    (default now); the range may span at most a year. At most `limit` entries (200, at most
    1,000) a page: for the next, send the last entry's `id` as `before`."""
    end = (to or utcnow()).astimezone(UTC)
    start = (from_ or end - timedelta(days=30)).astimezone(UTC)
    if end <= start:
        raise Invalid("to: must be after from")
    if end - start > MAX_RANGE:
        raise Invalid("to: the range may span at most 366 days")
    check_range(start, end)
    entries = service.list_for(
        session,
        caller=caller,
        start=start,
        end=end,
        object_kind=object_kind,
        object_id=object_id,
        action=what,
        before=before,
        limit=limit,
    )
    return [service.to_public(e) for e in entries]
