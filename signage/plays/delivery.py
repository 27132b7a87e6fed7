"""A takeover's delivery report: for each screen it reaches, when the screen was told (an
event on its stream), when it fetched the playlist with the takeover, and when it reported
playing it; so a force can say how many screens in the area showed the message, how fast."""

from datetime import datetime
from statistics import median

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from signage.core.deps import CurrentCaller, SessionDep
from signage.core.types import utcnow
from signage.plays.models import Play
from signage.takeovers import service as takeovers
from signage.takeovers.models import Takeover, TakeoverDelivery, TakeoverState
from signage.takeovers.timing_inputs import creative_ids_of

router = APIRouter(prefix="/v1/takeovers", tags=["takeovers"])


class ScreenDelivery(BaseModel):
    screen_id: str
    name: str
    venue_id: str
    # "played", "fetched", "nudged" or "waiting": the furthest it got.
    status: str
    nudged_at: datetime | None
    fetched_at: datetime | None
    first_played_at: datetime | None
    plays: int
    # From the takeover's start on screens to the fetch (None: not fetched).
    seconds_to_fetch: float | None


class DeliverySummary(BaseModel):
    screens: int
    nudged: int
    fetched: int
    played: int
    plays: int
    median_seconds_to_fetch: float | None
    p95_seconds_to_fetch: float | None
    slowest_seconds_to_fetch: float | None


class DeliveryReport(BaseModel):
    takeover_id: str
    state: TakeoverState
    on_air_from: datetime | None
    on_air_until: datetime | None
    summary: DeliverySummary
    screens: list[ScreenDelivery]


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def delivery_report(session: Session, takeover: Takeover) -> DeliveryReport:
    span = takeover.on_air()
    screens = takeovers.targeted_screens(session, takeover)
    ids = [s.id for s in screens]
    records: dict[str, TakeoverDelivery] = {
        d.screen_id: d
        for d in session.exec(
            select(TakeoverDelivery).where(TakeoverDelivery.takeover_id == takeover.id)
        )
    }
    played: dict[str, tuple[datetime, int]] = {}
    creatives = creative_ids_of(session, [takeover.id])[takeover.id]
    if span is not None and creatives and ids:
        for start in range(0, len(ids), 2000):
            rows = session.execute(
                select_columns(col(Play.screen_id), func.min(col(Play.started_at)), func.count())
                .where(
                    col(Play.screen_id).in_(ids[start : start + 2000]),
                    col(Play.creative_id).in_(creatives),
                    col(Play.started_at) >= span[0],
                    col(Play.started_at) < span[1],
                )
                .group_by(col(Play.screen_id))
            )
            played.update({screen_id: (first, count) for screen_id, first, count in rows})
    rows_out: list[ScreenDelivery] = []
    for screen in screens:
        record = records.get(screen.id)
        nudged = record.nudged_at if record else None
        fetched = record.fetched_at if record else None
        first, count = played.get(screen.id, (None, 0))
        status = "played" if count else "fetched" if fetched else "nudged" if nudged else "waiting"
        took = (fetched - span[0]).total_seconds() if fetched and span else None
        rows_out.append(
            ScreenDelivery(
                screen_id=screen.id,
                name=screen.name,
                venue_id=screen.venue_id,
                status=status,
                nudged_at=nudged,
                fetched_at=fetched,
                first_played_at=first,
                plays=count,
                seconds_to_fetch=None if took is None else round(max(took, 0.0), 3),
            )
        )
    times = [r.seconds_to_fetch for r in rows_out if r.seconds_to_fetch is not None]
    summary = DeliverySummary(
        screens=len(rows_out),
        nudged=sum(1 for r in rows_out if r.nudged_at),
        fetched=sum(1 for r in rows_out if r.fetched_at),
        played=sum(1 for r in rows_out if r.plays),
        plays=sum(r.plays for r in rows_out),
        median_seconds_to_fetch=round(median(times), 3) if times else None,
        p95_seconds_to_fetch=_percentile(times, 0.95),
        slowest_seconds_to_fetch=max(times) if times else None,
    )
    return DeliveryReport(
        takeover_id=takeover.id,
        state=takeover.state_at(utcnow()),
        on_air_from=span[0] if span else None,
        on_air_until=span[1] if span else None,
        summary=summary,
        screens=rows_out,
    )


@router.get("/{takeover_id}/delivery", response_model=DeliveryReport)
def takeover_delivery(
    takeover_id: str, session: SessionDep, caller: CurrentCaller
) -> DeliveryReport:
    """Per screen the takeover reaches: when it was told (`nudged_at`, an event on its
    stream), when it fetched the playlist with the takeover (`fetched_at`), and when it
    reported playing it (`first_played_at`, `plays`), with a summary: how many screens
    showed the message and how fast. Times are written every few seconds, not at once."""
    takeover = takeovers.get_for(session, caller=caller, takeover_id=takeover_id)
    return delivery_report(session, takeover)
