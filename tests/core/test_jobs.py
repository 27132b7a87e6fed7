"""Timed jobs: the lease (one holder across processes), the scheduler, and the small jobs."""

import os
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from signage.core.config import Settings
from signage.core.db import create_db_engine
from signage.core.jobs import Job, JobContext, JobRun, JobScheduler, run_job
from signage.core.lease import FileLease, PostgresLease, ProcessLease, lease_for
from signage.jobs import default_jobs
from signage.player.jobs import pairing_jobs
from signage.player.models import PairingRequest
from signage.screens.jobs import screen_jobs
from signage.screens.models import Screen
from signage.screens.outages import ScreenOutage
from tests.conftest import SECRET
from tests.factories import World, make_screen, make_venue
from tests.live import free_port

SIGNAGE = shutil.which("signage")

# --- the lease --------------------------------------------------------------------------------


def test_only_one_postgresql_lease_holder(pg_database: str) -> None:
    first, second = PostgresLease(pg_database, key=4242), PostgresLease(pg_database, key=4242)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.try_acquire()  # still ours
        assert first.check()
        assert not second.check()
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_postgresql_lease_passes_on_when_the_holder_connection_dies(pg_database: str) -> None:
    first, second = PostgresLease(pg_database, key=4343), PostgresLease(pg_database, key=4343)
    try:
        assert first.try_acquire()
        engine = create_db_engine(pg_database)
        with engine.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND objid = 4343 AND granted"
                )
            )
            connection.commit()
        engine.dispose()
        # pg_terminate_backend only signals the backend; its locks go when it has exited.
        deadline = time.monotonic() + 5
        while not second.try_acquire():
            assert time.monotonic() < deadline, "the lease did not pass on"
            time.sleep(0.05)
        assert not first.check()
    finally:
        first.release()
        second.release()


def test_only_one_file_lease_holder(tmp_path: Path) -> None:
    first, second = FileLease(tmp_path / "db.jobs.lock"), FileLease(tmp_path / "db.jobs.lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    assert first.check()
    assert not second.check()
    first.release()
    assert second.try_acquire()
    second.release()


def test_lease_kind_follows_the_database(tmp_path: Path) -> None:
    assert isinstance(lease_for(f"sqlite:///{tmp_path}/x.db"), FileLease)
    assert isinstance(lease_for("sqlite://"), ProcessLease)
    assert isinstance(lease_for("postgresql+psycopg://u@h/db"), PostgresLease)


# --- the scheduler ----------------------------------------------------------------------------


def _tick(_session: Session, _context: JobContext) -> str:
    return "tick"


def test_two_schedulers_on_one_database_run_a_job_in_one_only(
    engine: Engine, settings: Settings
) -> None:
    fast = settings.model_copy(update={"job_interval_scale": 0.01})
    jobs = [Job(id="test.tick", interval_seconds=20, body=_tick)]  # every 0.2 s
    schedulers = [JobScheduler(engine, fast, jobs) for _ in range(2)]
    schedulers[0].holder, schedulers[1].holder = "one", "two"
    try:
        for scheduler in schedulers:
            scheduler.start()
        time.sleep(1.5)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown()
    with Session(engine) as session:
        runs = session.exec(select(JobRun).where(JobRun.job_id == "test.tick")).all()
    assert len(runs) >= 3
    assert len({r.holder for r in runs}) == 1
    assert all(r.ok and r.detail == "tick" for r in runs)


def test_every_job_has_a_unique_explicit_id() -> None:
    ids = [job.id for job in default_jobs()]
    assert len(ids) == len(set(ids))
    assert {"screens.offline_check", "plays.rollup", "plays.retention"} <= set(ids)
    assert "player.purge_pairings" in ids


def test_app_starts_no_scheduler_when_jobs_are_off(settings: Settings) -> None:
    from signage.app import create_app

    app = create_app(settings.model_copy(update={"run_jobs": False}))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200


# --- the small jobs ---------------------------------------------------------------------------


def test_expired_pairing_codes_are_purged(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    assert client.post("/v1/player/pair", json={}).status_code == 201
    (purge,) = pairing_jobs()
    assert run_job(engine, settings, purge, holder="t").detail == "removed 0 expired pairing codes"
    later = datetime.now(UTC) + timedelta(seconds=settings.pairing_code_seconds + 1)
    with time_machine.travel(later, tick=False):
        run = run_job(engine, settings, purge, holder="t")
    assert run.detail == "removed 1 expired pairing codes"
    with Session(engine) as session:
        assert session.exec(select(PairingRequest)).all() == []


def _see(engine: Engine, screen_id: str, at: datetime) -> None:
    with Session(engine) as session:
        screen = session.get(Screen, screen_id)
        assert screen is not None
        screen.last_seen_at = at
        session.add(screen)
        session.commit()


def test_offline_check_records_outages_once_and_closes_them(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    make_screen(client, world, venue["id"], name="Never switched on")
    (check,) = screen_jobs()
    seen = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
    _see(engine, screen["id"], seen)
    quiet = seen + timedelta(seconds=settings.screen_offline_after_seconds + 60)
    with time_machine.travel(quiet, tick=False):
        assert run_job(engine, settings, check, holder="t").detail.startswith("1 screens went")
        assert run_job(engine, settings, check, holder="t").detail.startswith("0 screens went")
    back = quiet + timedelta(minutes=10)
    _see(engine, screen["id"], back)
    with time_machine.travel(back + timedelta(seconds=30), tick=False):
        assert run_job(engine, settings, check, holder="t").detail.endswith("1 came back")
    with Session(engine) as session:
        outages = session.exec(select(ScreenOutage)).all()
    assert [(o.screen_id, o.offline_since, o.detected_at, o.back_at) for o in outages] == [
        (screen["id"], seen, quiet, back)
    ]


def test_offline_check_flushes_buffered_sightings_first(engine: Engine, settings: Settings) -> None:
    flushed: list[bool] = []
    (check,) = screen_jobs(flush_seen=lambda: flushed.append(True))
    run_job(engine, settings, check, holder="t")
    assert flushed == [True]


# --- two real servers on one PostgreSQL database ----------------------------------------------


def _runs(engine: Engine, job_id: str) -> list[JobRun]:
    with Session(engine) as session:
        return list(session.exec(select(JobRun).where(JobRun.job_id == job_id)))


def _wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_two_servers_run_each_job_once(tmp_path: Path, fresh_pg_database: str) -> None:
    assert SIGNAGE is not None, "the signage console script is not installed"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    env = {
        **clean,
        "SIGNAGE_DATABASE_URL": fresh_pg_database,
        "SIGNAGE_SECRET_KEY": SECRET,
        "SIGNAGE_DATA_DIR": str(tmp_path / "data"),
        "SIGNAGE_JOB_INTERVAL_SCALE": "0.01",  # lease every 0.3 s, offline check every 0.6 s
    }
    servers: dict[int, subprocess.Popen[bytes]] = {}
    for _ in range(2):
        port = free_port()
        process = subprocess.Popen(
            [SIGNAGE, "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers[port] = process
    engine = create_db_engine(fresh_pg_database)
    try:
        for port, process in servers.items():

            def ready(port: int = port, process: subprocess.Popen[bytes] = process) -> bool:
                assert process.poll() is None, "signage serve exited"
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
                except httpx.TransportError:
                    return False

            _wait_for(ready, 60, "signage serve did not become ready")
        job = "screens.offline_check"
        _wait_for(lambda: len(_runs(engine, job)) >= 5, 30, "the offline check did not run")
        holders = {r.holder for r in _runs(engine, job)}
        assert len(holders) == 1, holders
        pids = {p.pid: p for p in servers.values()}
        holder_pid = int(holders.pop().rsplit(":", 1)[1])
        assert holder_pid in pids
        # Runs are spaced by the interval: one scheduler, not two interleaved.
        starts = sorted(r.started_at for r in _runs(engine, job))
        gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)]
        assert min(gaps) > 0.3, gaps
        # The holder goes away; the other server takes the lease over and runs the jobs.
        pids[holder_pid].terminate()
        pids[holder_pid].wait(timeout=10)
        other = next(pid for pid in pids if pid != holder_pid)

        def taken_over() -> bool:
            return any(r.holder.endswith(f":{other}") for r in _runs(engine, job))

        _wait_for(taken_over, 30, "the other server did not take over the jobs")
    finally:
        for process in servers.values():
            process.terminate()
        for process in servers.values():
            process.wait(timeout=10)
        engine.dispose()


def test_scheduler_command_runs_the_jobs_alone(tmp_path: Path) -> None:
    assert SIGNAGE is not None, "the signage console script is not installed"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    env = {**clean, "SIGNAGE_JOB_INTERVAL_SCALE": "0.01"}
    process = subprocess.Popen(
        [SIGNAGE, "scheduler", "--data-dir", str(tmp_path / "data")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    engine = create_db_engine(f"sqlite:///{tmp_path / 'data' / 'signage.db'}")
    try:

        def ran() -> bool:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                return len(_runs(engine, "screens.offline_check")) >= 2
            except Exception:  # not migrated yet
                return False

        _wait_for(ran, 60, "signage scheduler ran no job")
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
        engine.dispose()
    assert process.returncode == 0, output
    assert "running the timed jobs" in output


def test_outages_report_shows_own_screens_only(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    mine = make_screen(client, world, make_venue(client, world)["id"])
    theirs = make_screen(client, world, make_venue(client, world, "partner_2")["id"], "partner_2")
    seen = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
    for screen in (mine, theirs):
        _see(engine, screen["id"], seen)
    (check,) = screen_jobs()
    with time_machine.travel(seen + timedelta(minutes=10), tick=False):
        run_job(engine, settings, check, holder="t")
    params = {"from": "2026-11-27T00:00:00Z", "to": "2026-11-28T00:00:00Z"}
    response = client.get(
        "/v1/reports/screen-outages", params=params, headers=world.headers("partner_1")
    )
    assert response.status_code == 200, response.text
    assert [(o["screen_id"], o["offline_since"], o["back_at"]) for o in response.json()] == [
        (mine["id"], "2026-11-27T21:00:00Z", None)
    ]
    national = client.get(
        "/v1/reports/screen-outages", params=params, headers=world.headers("national_admin")
    )
    assert len(national.json()) == 2
    before = {"from": "2026-11-26T00:00:00Z", "to": "2026-11-27T00:00:00Z"}
    earlier = client.get(
        "/v1/reports/screen-outages", params=before, headers=world.headers("partner_1")
    )
    assert earlier.json() == []


def test_serve_no_jobs_runs_none(tmp_path: Path) -> None:
    assert SIGNAGE is not None, "the signage console script is not installed"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    port = free_port()
    process = subprocess.Popen(
        [SIGNAGE, "serve", "--port", str(port), "--no-jobs", "--data-dir", str(tmp_path / "d")],
        cwd=tmp_path,
        env={**clean, "SIGNAGE_JOB_INTERVAL_SCALE": "0.01"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    engine = create_db_engine(f"sqlite:///{tmp_path / 'd' / 'signage.db'}")
    try:

        def ready() -> bool:
            assert process.poll() is None, "signage serve exited"
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
            except httpx.TransportError:
                return False

        _wait_for(ready, 60, "signage serve did not become ready")
        time.sleep(1.5)  # some 2 offline checks' worth
        assert _runs(engine, "screens.offline_check") == []
    finally:
        process.terminate()
        process.wait(timeout=10)
        engine.dispose()


def test_serve_with_two_workers_runs_each_job_once_on_sqlite(tmp_path: Path) -> None:
    assert SIGNAGE is not None, "the signage console script is not installed"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    port = free_port()
    process = subprocess.Popen(
        [SIGNAGE, "serve", "--port", str(port), "--workers", "2", "--data-dir", str(tmp_path)],
        cwd=tmp_path,
        env={**clean, "SIGNAGE_JOB_INTERVAL_SCALE": "0.01"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    engine = create_db_engine(f"sqlite:///{tmp_path / 'signage.db'}")
    job = "screens.offline_check"
    try:

        def ran() -> bool:
            assert process.poll() is None, "signage serve exited"
            try:
                return len(_runs(engine, job)) >= 5
            except Exception:  # not migrated yet
                return False

        _wait_for(ran, 60, "the offline check did not run")
        holders = {r.holder for r in _runs(engine, job)}
        assert len(holders) == 1, holders
        assert not holders.pop().endswith(f":{process.pid}")  # a worker, not the supervisor
    finally:
        process.terminate()
        process.wait(timeout=15)
        engine.dispose()
