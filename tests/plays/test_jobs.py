"""The plays jobs: nightly rollups (idempotent, late plays included) and retention."""

from datetime import UTC, date, datetime, timedelta

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from signage.core.config import Settings
from signage.core.jobs import Job, JobRun, run_job
from signage.plays.jobs import play_jobs
from signage.plays.models import Play, PlayNightly
from tests.factories import play_record
from tests.plays.conftest import Estate, post_at

MONDAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def job(job_id: str) -> Job:
    return next(j for j in play_jobs() if j.id == job_id)


def run_at(engine: Engine, settings: Settings, job_id: str, at: datetime) -> JobRun:
    with time_machine.travel(at, tick=False):
        run = run_job(engine, settings, job(job_id), holder="test")
    assert run.ok, run.detail
    return run


def nightly(engine: Engine) -> set[tuple[date, str, str, int, int]]:
    with Session(engine) as session:
        rows = session.exec(select(PlayNightly)).all()
    return {(r.night, r.screen_id, r.creative_id, r.plays, r.duration_ms) for r in rows}


def expected_totals(estate: Estate) -> set[tuple[date, str, str, int, int]]:
    s1, s2 = estate.screen_1["id"], estate.screen_2["id"]
    a, b = estate.creative_a["id"], estate.creative_b["id"]
    return {
        (date(2026, 11, 27), s1, a, 2, 20000),  # p1, p2 (02:00 Saturday is Friday night)
        (date(2026, 11, 27), s2, b, 1, 15000),  # p4
        (date(2026, 11, 28), s1, a, 1, 10000),  # p3
        (date(2026, 11, 28), s2, b, 1, 15000),  # p5
    }


def test_rollup_totals_per_night_screen_and_creative(
    engine: Engine, settings: Settings, estate: Estate
) -> None:
    run_at(engine, settings, "plays.rollup", MONDAY)
    assert nightly(engine) == expected_totals(estate)


def test_rollup_twice_gives_the_same_totals(
    engine: Engine, settings: Settings, estate: Estate
) -> None:
    run_at(engine, settings, "plays.rollup", MONDAY)
    first = nightly(engine)
    run_at(engine, settings, "plays.rollup", MONDAY + timedelta(minutes=10))
    assert nightly(engine) == first == expected_totals(estate)


def test_rollup_counts_a_late_play_weeks_later(
    client: TestClient, engine: Engine, settings: Settings, estate: Estate
) -> None:
    run_at(engine, settings, "plays.rollup", MONDAY)
    later = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
    late = play_record(estate.creative_a["id"], "2026-11-27T23:00:00Z", 5000)
    assert post_at(client, estate.screen_1, [late], later).json()["accepted"] == [late["id"]]
    run_at(engine, settings, "plays.rollup", later + timedelta(minutes=10))
    friday = {
        r for r in nightly(engine) if r[0] == date(2026, 11, 27) and r[2] == late["creative_id"]
    }
    assert friday == {(date(2026, 11, 27), estate.screen_1["id"], late["creative_id"], 3, 25000)}


def _old_play(estate: Estate, *, received_at: datetime) -> Play:
    return Play(
        id=play_record(estate.creative_a["id"], "")["id"],
        screen_id=estate.screen_1["id"],
        venue_id=estate.venue_1["id"],
        organisation_id=estate.creative_a["organisation_id"],
        campaign_id=estate.creative_a["campaign_id"],
        creative_id=estate.creative_a["id"],
        creative_name="Walk Away poster",
        started_at=datetime(2025, 9, 5, 22, 0, tzinfo=UTC),
        duration_ms=10000,
        received_at=received_at,
    )


def test_retention_deletes_only_old_plays_already_rolled_up(
    engine: Engine, settings: Settings, estate: Estate
) -> None:
    rolled = _old_play(estate, received_at=datetime(2025, 9, 6, tzinfo=UTC))
    with Session(engine, expire_on_commit=False) as session:
        session.add(rolled)
        session.commit()
    run_at(engine, settings, "plays.rollup", MONDAY)
    # Arrived after that rollup started: not yet counted, so kept for now.
    unrolled = _old_play(estate, received_at=MONDAY + timedelta(hours=1))
    with Session(engine, expire_on_commit=False) as session:
        session.add(unrolled)
        session.commit()
    run = run_at(engine, settings, "plays.retention", MONDAY + timedelta(hours=2))
    assert run.detail == "deleted 1 plays past the retention period"
    with Session(engine) as session:
        left = set(session.exec(select(Play.id)).all())
    assert rolled.id not in left
    assert unrolled.id in left
    assert {p["id"] for p in estate.plays.values()} <= left


def test_retention_keeps_everything_before_any_rollup(
    engine: Engine, settings: Settings, estate: Estate
) -> None:
    old = _old_play(estate, received_at=datetime(2025, 9, 6, tzinfo=UTC))
    with Session(engine) as session:
        session.add(old)
        session.commit()
    run = run_at(engine, settings, "plays.retention", MONDAY)
    assert run.detail == "deleted 0 plays past the retention period"


def test_failed_run_is_recorded_and_not_counted_as_success(
    engine: Engine, settings: Settings
) -> None:
    def broken(*_args: object) -> str:
        raise RuntimeError("disk on fire")

    run = run_job(
        engine, settings, Job(id="plays.rollup", interval_seconds=1, body=broken), holder="t"
    )
    assert not run.ok
    assert "disk on fire" in run.detail
    with Session(engine) as session:
        stored = session.exec(select(JobRun).where(JobRun.holder == "t")).all()
    assert [(r.job_id, r.ok) for r in stored] == [("plays.rollup", False)]
