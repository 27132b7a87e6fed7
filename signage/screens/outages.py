"""Screen outages: when a screen stopped polling, and when it came back.

A screen's status is computed on read from ``last_seen_at``; the record of its outages is
what the status cannot tell afterwards ("was the bar screen dark on Friday night?"). The
offline check opens an outage for a screen silent for longer than
``screen_offline_after_seconds`` and closes it once the screen is seen again. It is
idempotent: an outage is identified by the screen and its last sighting before going quiet.
"""

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import UniqueConstraint, and_, exists, or_, select
from sqlmodel import Session, SQLModel, col

from signage.core.models import fk_field, id_field, instant_field
from signage.core.tenancy import Caller, visible
from signage.screens.models import Screen


class ScreenOutage(SQLModel, table=True):
    __tablename__ = "screen_outages"
    __table_args__ = (UniqueConstraint("screen_id", "offline_since"),)

    id: str = id_field()
    screen_id: str = fk_field("screens.id")
    # The last sighting before the screen went quiet.
    offline_since: datetime = instant_field(nullable=False)
    detected_at: datetime = instant_field(nullable=False)
    # The sighting that ended it (accurate to the check's interval), or the screen's removal.
    back_at: datetime | None = instant_field()


def close_outages(session: Session) -> int:
    """End the open outages of screens seen since, or removed."""
    pairs = session.execute(
        select(ScreenOutage, Screen)
        .join(Screen, col(Screen.id) == col(ScreenOutage.screen_id))
        .where(col(ScreenOutage.back_at).is_(None))
    ).all()
    closed = 0
    for outage, screen in pairs:
        if screen.last_seen_at is not None and screen.last_seen_at > outage.offline_since:
            outage.back_at = screen.last_seen_at
        elif screen.revoked_at is not None:
            outage.back_at = screen.revoked_at
        else:
            continue
        session.add(outage)
        closed += 1
    session.flush()
    return closed


def open_outages(session: Session, *, now: datetime, offline_after: timedelta) -> int:
    """Record an outage for each live screen silent for longer than ``offline_after``."""
    already = exists().where(
        and_(col(ScreenOutage.screen_id) == col(Screen.id), col(ScreenOutage.back_at).is_(None))
    )
    quiet = session.execute(
        select(col(Screen.id), col(Screen.last_seen_at)).where(
            col(Screen.revoked_at).is_(None),
            col(Screen.last_seen_at).is_not(None),
            col(Screen.last_seen_at) < now - offline_after,
            ~already,
        )
    ).all()
    for screen_id, last_seen_at in quiet:
        session.add(ScreenOutage(screen_id=screen_id, offline_since=last_seen_at, detected_at=now))
    session.flush()
    return len(quiet)


class OutagePublic(BaseModel):
    screen_id: str
    screen_name: str
    venue_id: str
    offline_since: datetime
    back_at: datetime | None
    detected_at: datetime


def outages_for(
    session: Session, *, caller: Caller, start: datetime, end: datetime
) -> list[OutagePublic]:
    """Outages of the screens the caller may see that overlap [start, end), ongoing ones
    included (``back_at`` null), oldest first."""
    found = session.execute(
        select(ScreenOutage, Screen)
        .join(Screen, col(Screen.id) == col(ScreenOutage.screen_id))
        .where(
            visible(caller, Screen),
            col(ScreenOutage.offline_since) < end,
            or_(col(ScreenOutage.back_at).is_(None), col(ScreenOutage.back_at) > start),
        )
        .order_by(col(ScreenOutage.offline_since), col(Screen.id))
    ).all()
    return [
        OutagePublic(
            screen_id=screen.id,
            screen_name=screen.name,
            venue_id=screen.venue_id,
            offline_since=outage.offline_since,
            back_at=outage.back_at,
            detected_at=outage.detected_at,
        )
        for outage, screen in found
    ]
