"""Benchmark of the console's home page: `uv run python tests/benchmarks/bench_console.py`.

Seeds a fleet (default 10,000 screens in 2,000 venues with 40 distinct opening hours, under
1,000 schedules; see tests/schedules/fleet.py) in a fresh SQLite database (or
`--database-url` for an empty PostgreSQL one) and times `GET /console` ("Tonight") in
process, for a national editor (every schedule and screen) and for the venues' partner (every
screen, no schedules), printing the median and worst of `--repeat` requests, and then the
first request after each of `--edits` edits of one schedule (its name: a new version of the
playlist inputs, so the night's plan is no longer the kept one). A third of the screens have
been seen recently, a third long ago, a third never.
"""

import argparse
import statistics
import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from signage.app import create_app
from signage.console import sessions
from signage.core.config import Settings
from signage.core.db import session_scope
from signage.core.types import utcnow
from signage.schedules.models import Schedule
from signage.screens.models import Screen
from tests.benchmarks.console_estate import seed_estate

SECRET = "benchmark-secret-key-benchmark-secret-key"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--screens", type=int, default=10_000)
    parser.add_argument("--venues", type=int, default=2_000)
    parser.add_argument("--configurations", type=int, default=40)
    parser.add_argument("--schedules", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    estate = seed_estate(
        args.database_url,
        screens=args.screens,
        venues=args.venues,
        configurations=args.configurations,
        extra_schedules=max(0, args.schedules - 7),
    )
    folder, url, engine = estate.folder, estate.url, estate.engine
    editor, operator, fleet = estate.editor, estate.operator, estate.fleet
    now = utcnow()
    with Session(engine) as session:
        thirds = len(fleet.screen_ids) // 3
        for ids, seen in (
            (fleet.screen_ids[:thirds], now),
            (fleet.screen_ids[thirds : 2 * thirds], now - timedelta(days=2)),
        ):
            session.execute(update(Screen).where(col(Screen.id).in_(ids)).values(last_seen_at=seen))
        session.commit()
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    settings = Settings(
        data_dir=folder / "data", database_url=url, secret_key=SECRET, run_jobs=False
    )
    app = create_app(settings)
    with TestClient(app) as client:
        for label, user in (("national editor", editor), ("partner", operator)):
            cookie = sessions.start(app.state.engine, user_id=user.id, settings=settings)
            client.cookies.set(
                "console_session", cookie, domain="testserver.local", path="/console"
            )
            for path in _pages(app.state.engine, label):
                times = []
                for _ in range(args.repeat):
                    began = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - began) * 1000)
                    assert response.status_code == 200, (path, response.text[:500])
                print(
                    f"GET {path} as {label}: median {statistics.median(times):.1f} ms, "
                    f"worst {max(times):.1f} ms ({len(response.content)} bytes)"
                )
            if label == "national editor":
                after = []
                for edit in range(args.edits):
                    _edit_a_schedule(app.state.engine, f"Edited {edit}")
                    began = time.perf_counter()
                    client.get("/console").raise_for_status()
                    after.append((time.perf_counter() - began) * 1000)
                print(
                    f"GET /console after an edit: median {statistics.median(after):.1f} ms, "
                    f"worst {max(after):.1f} ms"
                )
            client.cookies.clear()


def _pages(engine: Engine, label: str) -> list[str]:
    """Every console page the persona may open (a schedule's page: the first by name)."""
    everyone = ["/console", "/console/screens", "/console/venues", "/console/reports"]
    if label != "national editor":
        return everyone
    with Session(engine) as session:
        first = session.exec(select(Schedule).order_by(col(Schedule.name)).limit(1)).one()
    police = ["/console/campaigns", "/console/schedules", f"/console/schedules/{first.id}"]
    return everyone + police


def _edit_a_schedule(engine: Engine, name: str) -> None:
    """Rename one schedule through the ORM, as the API's PATCH does (it bumps the version)."""
    for session in session_scope(engine, write=True):
        schedule = session.exec(select(Schedule).order_by(col(Schedule.id))).first()
        assert schedule is not None
        schedule.name = name
        session.add(schedule)


if __name__ == "__main__":
    main()
