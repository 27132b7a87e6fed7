"""The demo's past week: what its screens played, so Reports and Tonight have something to show.

The plays are not invented: for each of the last nights, the schedule engine (the same
``build_timeline`` the poll uses, over the same inputs) says what each demo screen showed, and
every item of every loop becomes a play, from 18:00 local time (when the staff switch the
screens on) until the venue closes. Play ids are derived from the screen and the instant, so a
second run stores nothing twice. The rows go in directly, not through the screens' play API:
that API refuses plays of creatives that were not yet approved at the time, and the demo's
creatives were approved a moment ago.
"""

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from signage import timing
from signage.creatives.models import Creative
from signage.plays import rollup
from signage.plays.models import Play
from signage.plays.nights import night_of
from signage.schedules.timing_inputs import load_creatives, load_schedules, load_screens
from signage.screens.models import Screen

SWITCHED_ON = time(18, 0)
_NAMESPACE = uuid.UUID("6f1c3a52-2b0e-4d6a-9a51-0d3c1e7b9f10")
# A screen's history stops here (it went offline); others play up to the present.
LastSeen = dict[str, datetime]


def _evening(venue: timing.Venue, night: date) -> tuple[datetime, datetime] | None:
    """From 18:00 local until closing, on a night the venue opens (None if it stays shut)."""
    zone = timing.zone(venue.timezone)
    weekday = timing.WEEKDAYS[night.weekday()]
    for period in venue.opening_hours:
        if period.day != weekday:
            continue
        close_day = night if period.close > period.open else night + timedelta(days=1)
        opens = datetime.combine(night, max(period.open, SWITCHED_ON), zone)
        closes = datetime.combine(close_day, period.close, zone)
        return (opens.astimezone(UTC), closes.astimezone(UTC)) if opens < closes else None
    return None


def _plays_in(
    segments: Iterable[timing.Segment], until: datetime
) -> list[tuple[str, datetime, int]]:
    """Every loop item shown in the segments, back to back, as (creative, start, duration)."""
    shown: list[tuple[str, datetime, int]] = []
    for segment in segments:
        if not segment.items:
            continue
        at, ends = segment.starts_at, min(segment.ends_at, until)
        while at < ends:
            for item in segment.items:
                if at >= ends:
                    break
                shown.append((item.creative_id, at, item.duration_ms))
                at += timedelta(milliseconds=item.duration_ms)
    return shown


def record_past_nights(
    session: Session, *, venue_ids: set[str], nights: int, now: datetime, last_seen: LastSeen
) -> int:
    """Store the plays of the demo venues' screens over the last ``nights`` nights and roll
    them up as the nightly job would; returns how many plays were new."""
    screens = [s for s in load_screens(session) if s.venue_id in venue_ids]
    schedules = load_schedules(session)
    creatives = load_creatives(session, {c for s in schedules for c in s.creative_ids}).creatives
    rows_by_creative = {
        c.id: c for c in session.exec(select(Creative).where(col(Creative.id).in_(list(creatives))))
    }
    today = now.astimezone(timing.zone("Europe/London")).date()
    rows: list[dict[str, Any]] = []
    touched: set[date] = set()
    for screen in screens:
        until = min(now, last_seen.get(screen.id, now))
        for back in range(nights, 0, -1):
            evening = _evening(screen.timing.venue, today - timedelta(days=back))
            if evening is None or evening[0] >= until:
                continue
            segments = timing.build_timeline(
                screen=screen.timing,
                schedules=schedules,
                creatives=creatives,
                start=evening[0],
                end=evening[1],
            )
            for creative_id, started_at, duration_ms in _plays_in(segments, until):
                creative = rows_by_creative[creative_id]
                touched.add(night_of(started_at, screen.timing.venue.timezone))
                rows.append(
                    {
                        "id": str(uuid.uuid5(_NAMESPACE, f"{screen.id}/{started_at.isoformat()}")),
                        "screen_id": screen.id,
                        "venue_id": screen.venue_id,
                        "organisation_id": creative.organisation_id,
                        "campaign_id": creative.campaign_id,
                        "creative_id": creative.id,
                        "creative_name": creative.name,
                        "started_at": started_at,
                        "duration_ms": duration_ms,
                        "received_at": started_at + timedelta(milliseconds=duration_ms),
                    }
                )
    if not rows:
        return 0
    known = set(
        session.exec(select(Play.id).where(col(Play.screen_id).in_([s.id for s in screens]))).all()
    )
    new = [r for r in rows if r["id"] not in known]
    for start in range(0, len(new), 500):
        session.execute(insert(Play.__table__), new[start : start + 500])  # type: ignore[attr-defined]
    rollup.roll_up(session, nights=touched)
    return len(new)


def went_offline(session: Session, *, screen: Screen, at: datetime) -> None:
    """The screen was last heard from at ``at``: the fleet shows it offline since then."""
    screen.last_seen_at = at
    session.add(screen)
