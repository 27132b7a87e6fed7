"""Reach computed once per distinct screen configuration gives exactly the figures of the
engine run screen by screen (the way reach was computed before it was shared)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from signage import timing
from signage.creatives.models import Creative
from signage.schedules.models import Schedule
from signage.schedules.service import creative_ids_of
from signage.schedules.timing_inputs import (
    owner_kinds,
    timing_creative,
    timing_schedule,
    timing_screen,
    timing_venue,
)
from signage.screens.models import Screen
from signage.timing.windows import merge_intervals
from signage.venues.models import Venue
from tests.factories import World
from tests.schedules.fleet import Fleet, seed_fleet

Interval = tuple[datetime, datetime]


@pytest.fixture
def fleet(engine: Engine, world: World) -> Fleet:
    # 240 screens in 60 venues of 12 configurations (hours and nations), three orientations,
    # two tags, five venue kinds, two forces, under 37 schedules that beat one another.
    return seed_fleet(
        engine,
        owner_id=world.org_id("national"),
        editor_id=world.users["national_editor"].id,
        partner_id=world.org_id("partner_1"),
        force_ids=[world.org_id("force_a"), world.org_id("force_b")],
        screens=240,
        venues=60,
        configurations=12,
        extra_schedules=30,
    )


def _playing(segments: list[timing.Segment]) -> list[Interval]:
    return [(s.starts_at, s.ends_at) for s in segments if s.items]


def _hours(length: timedelta) -> float:
    return round(length.total_seconds() / 3600, 2)


def reach_screen_by_screen(
    engine: Engine, schedule_id: str, start: datetime, end: datetime
) -> dict[str, Any]:
    """The report as the engine gives it for each screen in turn, with every higher schedule
    in one timeline per screen."""
    with Session(engine) as session:
        owners = owner_kinds(session)
        rows = list(session.exec(select(Schedule)))
        links = creative_ids_of(session, [s.id for s in rows])
        schedules = [
            timing_schedule(s, links[s.id], owners[s.organisation_id])
            for s in rows
            if s.organisation_id in owners
        ]
        creatives = {c.id: timing_creative(c) for c in session.exec(select(Creative))}
        screens = [
            (
                screen.id,
                screen.name,
                venue.id,
                timing_screen(screen.id, timing_venue(venue), screen.orientation, screen.tags),
            )
            for screen, venue in session.exec(
                select(Screen, Venue)
                .join(Venue, col(Venue.id) == col(Screen.venue_id))
                .where(col(Screen.revoked_at).is_(None), col(Venue.deleted_at).is_(None))
                .order_by(col(Screen.id))
            )
        ]
    subject = next(s for s in schedules if s.id == schedule_id)
    higher = [s for s in schedules if s.priority > subject.priority]
    per_screen: list[dict[str, Any]] = []
    for screen_id, name, venue_id, view in screens:
        if not timing.targets(subject.target, view):
            continue
        on_air = timing.on_air_intervals(schedule=subject, venue=view.venue, start=start, end=end)
        playable = _playing(
            timing.build_timeline(
                screen=view, schedules=[subject], creatives=creatives, start=start, end=end
            )
        )
        beaten = merge_intervals(
            _playing(
                timing.build_timeline(
                    screen=view, schedules=higher, creatives=creatives, start=start, end=end
                )
            )
        )
        shown = timedelta(0)
        for p_start, p_end in playable:
            shown += p_end - p_start
            for b_start, b_end in beaten:
                overlap = min(p_end, b_end) - max(p_start, b_start)
                if overlap > timedelta(0):
                    shown -= overlap
        per_screen.append(
            {
                "screen_id": screen_id,
                "name": name,
                "venue_id": venue_id,
                "on_air_hours": _hours(sum((e - s for s, e in on_air), timedelta(0))),
                "shown_hours": _hours(shown),
            }
        )
    return {
        "schedule_id": schedule_id,
        "screens": len(per_screen),
        "on_air_hours": round(sum(s["on_air_hours"] for s in per_screen), 2),
        "shown_hours": round(sum(s["shown_hours"] for s in per_screen), 2),
        "per_screen": per_screen,
    }


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # Christmas and Boxing Day (and its substitute), creatives whose validity starts and
        # ends mid-month, and the Scottish and Northern Irish bank holidays.
        (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        # The clocks go forward on 28 March 2027, and St Patrick's Day is on the 17th.
        (datetime(2027, 3, 14, tzinfo=UTC), datetime(2027, 4, 4, tzinfo=UTC)),
    ],
    ids=["december", "spring-forward"],
)
def test_shared_reach_equals_the_engine_screen_by_screen(
    client: TestClient,
    world: World,
    engine: Engine,
    fleet: Fleet,
    start: datetime,
    end: datetime,
) -> None:
    response = client.get(
        f"/v1/schedules/{fleet.subject_id}/reach",
        params={"from": start.isoformat(), "to": end.isoformat()},
        headers=world.headers("national_editor"),
    )
    assert response.status_code == 200, response.text
    report = response.json()
    expected = reach_screen_by_screen(engine, fleet.subject_id, start, end)
    assert {k: v for k, v in report.items() if k not in ("from", "to")} == expected
    # The fleet is varied enough for the comparison to mean something: every screen is
    # reached, some are beaten for part of the time, some not at all, and by different amounts.
    shown = [s["shown_hours"] for s in expected["per_screen"]]
    assert expected["screens"] == 240
    assert len(set(shown)) >= 5
    assert any(s["shown_hours"] < s["on_air_hours"] for s in expected["per_screen"])
    assert len({s["on_air_hours"] for s in expected["per_screen"]}) >= 3
