"""Nightly totals kept as plays are recorded (signage.plays.tally), the rollup that recomputes
them from raw plays, and `GET /v1/reports/nights` that reads them: the same numbers as the raw
plays' report over the same nights, in every scope."""

import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlmodel import Session, select

from signage.core.config import Settings
from signage.core.db import writer
from signage.plays import rollup, service, tally
from signage.plays.models import Play, PlayTally
from signage.screens.models import Screen
from tests.factories import World, play_record
from tests.plays.conftest import POSTED_AT, Estate, post_at
from tests.plays.test_jobs import MONDAY, run_at

NIGHTS = {"first": "2026-11-27", "last": "2026-11-29"}
# The same nights as instants: the venues are in Europe/London, on GMT in November.
INSTANTS = {"from": "2026-11-27T06:00:00Z", "to": "2026-11-30T06:00:00Z"}
Row = tuple[date, str, str, str, str, int, int]


def tallies(engine: Engine) -> set[Row]:
    with Session(engine) as session:
        rows = session.exec(select(PlayTally)).all()
    return {
        (r.night, r.creative_id, r.venue_kind, r.force_id, r.venue_owner_id, r.plays, r.duration_ms)
        for r in rows
    }


def expected(world: World, estate: Estate) -> set[Row]:
    a, b = estate.creative_a["id"], estate.creative_b["id"]
    pub = ("pub", world.org_id("force_a"), world.org_id("partner_1"))
    takeaway = ("takeaway", world.org_id("force_b"), world.org_id("partner_2"))
    return {
        (date(2026, 11, 27), a, *pub, 2, 20000),  # p1, p2 (02:00 Saturday is Friday night)
        (date(2026, 11, 28), a, *pub, 1, 10000),  # p3
        (date(2026, 11, 27), b, *takeaway, 1, 15000),  # p4
        (date(2026, 11, 28), b, *takeaway, 1, 15000),  # p5
    }


def test_recording_adds_each_new_play_to_its_nights_totals(
    client: TestClient, engine: Engine, world: World, estate: Estate
) -> None:
    assert tallies(engine) == expected(world, estate)
    # Sent again (the player did not hear the answer): counted once.
    again = post_at(client, estate.screen_1, [estate.plays["p1"]], POSTED_AT)
    assert again.json()["duplicates"] == [estate.plays["p1"]["id"]]
    assert tallies(engine) == expected(world, estate)


def test_the_rollup_recomputes_the_same_totals(
    engine: Engine, settings: Settings, world: World, estate: Estate
) -> None:
    run_at(engine, settings, "plays.rollup", MONDAY)
    assert tallies(engine) == expected(world, estate)
    with Session(engine) as session:
        session.execute(delete(PlayTally))
        session.commit()
    run_at(engine, settings, "plays.rollup", MONDAY + timedelta(minutes=10))
    assert tallies(engine) == expected(world, estate)


def test_plays_stored_by_other_means_are_counted_by_the_rollup(
    engine: Engine, settings: Settings, world: World, estate: Estate
) -> None:
    with Session(engine) as session:
        session.add(
            Play(
                id=str(uuid.uuid4()),
                screen_id=estate.screen_1["id"],
                venue_id=estate.venue_1["id"],
                organisation_id=world.org_id("force_a"),
                campaign_id=estate.creative_a["campaign_id"],
                creative_id=estate.creative_a["id"],
                creative_name="Walk Away poster",
                started_at=datetime(2026, 11, 28, 21, 30, tzinfo=UTC),
                duration_ms=10000,
                received_at=MONDAY,
            )
        )
        session.commit()
    assert tallies(engine) == expected(world, estate)  # not recorded through the service
    run_at(engine, settings, "plays.rollup", MONDAY + timedelta(minutes=1))
    a, pub = estate.creative_a["id"], ("pub", world.org_id("force_a"), world.org_id("partner_1"))
    want = expected(world, estate) - {(date(2026, 11, 28), a, *pub, 1, 10000)}
    assert tallies(engine) == want | {(date(2026, 11, 28), a, *pub, 2, 20000)}


@pytest.mark.parametrize("group_by", ["creative", "venue_kind", "force", "night"])
@pytest.mark.parametrize(
    "persona", ["national_editor", "force_a_editor", "force_b_editor", "partner_1", "partner_2"]
)
def test_the_nights_report_equals_the_raw_plays_report(
    client: TestClient, world: World, estate: Estate, persona: str, group_by: str
) -> None:
    headers = world.headers(persona)
    nights = client.get(
        "/v1/reports/nights", params={**NIGHTS, "group_by": group_by}, headers=headers
    )
    raw = client.get(
        "/v1/reports/plays", params={**INSTANTS, "group_by": group_by}, headers=headers
    )
    assert nights.status_code == raw.status_code == 200, (nights.text, raw.text)
    assert nights.json() == raw.json()
    assert nights.json(), "every persona sees some plays"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"first": "2026-11-29", "last": "2026-11-27"}, "last: must not be before first"),
        ({"first": "2025-11-30", "last": "2026-12-01"}, "last: the range may span at most 366"),
        ({"first": "9999-12-31"}, "first: the range must be between 2000-01-01 and 2100-12-31"),
        ({"last": "0001-01-01"}, "last: the range must be between 2000-01-01 and 2100-12-31"),
        ({"first": "27/11/2026"}, "first"),
        ({"group_by": "venue"}, "group_by"),
    ],
)
def test_a_bad_range_of_nights_is_a_problem(
    client: TestClient, world: World, params: dict[str, str], message: str
) -> None:
    answer = client.get(
        "/v1/reports/nights", params=params, headers=world.headers("national_editor")
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert message in answer.json()["detail"]


def test_batches_recorded_while_the_rollup_recomputes_are_each_counted_once(
    engine: Engine,
    settings: Settings,
    world: World,
    estate: Estate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rollup has read a night's raw plays and is about to replace its totals when four
    batches of that night arrive. Had they committed then, replacing the totals would lose
    them: on PostgreSQL the advisory lock makes them wait for the rollup, on SQLite the one
    writer does, so they are added on top of the recomputed totals."""
    with Session(engine) as session:
        screen = session.get_one(Screen, estate.screen_1["id"])
        session.expunge(screen)
    a = estate.creative_a["id"]
    batches = [
        [play_record(a, f"2026-11-28T2{hour}:{minute:02d}:00Z") for minute in range(0, 50, 5)]
        for hour in range(4)
    ]
    totals_read = threading.Event()
    recompute = tally.recompute

    def slow_recompute(session: Session, **kwargs: Any) -> int:
        totals_read.set()
        time.sleep(0.5)  # the window in which unordered batches would commit
        return recompute(session, **kwargs)

    monkeypatch.setattr(tally, "recompute", slow_recompute)
    errors: list[BaseException] = []

    def record(batch: list[Any]) -> None:
        try:
            assert totals_read.wait(10)
            with Session(writer(engine)) as session:
                service.record_plays(
                    session, screen=screen, plays=batch, now=MONDAY, retention_days=400
                )
                session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    with Session(writer(engine)) as session:
        rollup.roll_up(session, nights={date(2026, 11, 28)})
        session.commit()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    pub = ("pub", world.org_id("force_a"), world.org_id("partner_1"))
    added = sum(len(b) for b in batches)
    want = expected(world, estate) - {(date(2026, 11, 28), a, *pub, 1, 10000)}
    assert tallies(engine) == want | {(date(2026, 11, 28), a, *pub, 1 + added, 10000 * (1 + added))}
