"""Benchmark of the console's Reports page: `uv run python tests/benchmarks/bench_reports.py`.

Seeds the fleet of bench_console.py (default 10,000 screens in 2,000 venues; see
tests/schedules/fleet.py) in a fresh SQLite database (or `--database-url` for an empty
PostgreSQL one), then a week of plays: `--plays-per-night` for every screen on each of the 7
nights, spread over the evening and the small hours, of three creatives. The plays are
inserted directly and then counted by the rollup (signage.plays.rollup), as any plays stored by
other means are; recorded through the API they are counted as they arrive. Times
`GET /console/reports` for those 7 nights in process, for a national editor (every play) and
for the venues' partner: the first request, then the median and worst of `--repeat` more, and
the number of SQL statements one request runs (one on the nightly totals, whatever the number
of plays).
"""

import argparse
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, insert, select
from sqlmodel import Session, col

from signage.app import create_app
from signage.console import sessions
from signage.console.reports import night_start
from signage.core.config import Settings
from signage.plays import rollup
from signage.plays.models import Play
from signage.screens.models import Screen
from tests.benchmarks.console_estate import seed_estate

SECRET = "benchmark-secret-key-benchmark-secret-key"
FIRST_NIGHT = date(2026, 11, 23)  # Monday to Sunday
NIGHTS = 7
CHUNK = 20_000


def _seed_plays(engine: Any, *, owner_id: str, creatives: list[str], per_night: int) -> int:
    with Session(engine) as session:
        screens = list(session.execute(select(col(Screen.id), col(Screen.venue_id))))
    # From 19:00 UK time to 03:00 the next morning (GMT in November), evenly.
    spacing = timedelta(hours=8) / per_night
    rows: list[dict[str, Any]] = []
    count = 0
    received = datetime(2026, 12, 1, tzinfo=UTC)

    def flush() -> None:
        with Session(engine) as session:
            session.execute(insert(Play), rows)
            session.commit()
        rows.clear()

    for night in range(NIGHTS):
        evening = night_start(FIRST_NIGHT + timedelta(days=night)) + timedelta(hours=13)
        for index, (screen_id, venue_id) in enumerate(screens):
            for n in range(per_night):
                creative = creatives[(index + n) % len(creatives)]
                rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "screen_id": screen_id,
                        "venue_id": venue_id,
                        "organisation_id": owner_id,
                        "campaign_id": "campaign",
                        "creative_id": creative,
                        "creative_name": f"Creative {creative[:8]}",
                        "started_at": evening + n * spacing + timedelta(seconds=index % 60),
                        "duration_ms": 10_000,
                        "received_at": received,
                    }
                )
                count += 1
                if len(rows) >= CHUNK:
                    flush()
    if rows:
        flush()
    # Recorded through the API these would be in the totals at once; inserted here, the
    # rollup adds them up, as it does for any plays stored by other means.
    with Session(engine) as session:
        rollup.roll_up(session, nights={FIRST_NIGHT + timedelta(days=d) for d in range(NIGHTS)})
        session.commit()
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--screens", type=int, default=10_000)
    parser.add_argument("--venues", type=int, default=2_000)
    parser.add_argument("--plays-per-night", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    started = time.perf_counter()
    estate = seed_estate(
        args.database_url,
        screens=args.screens,
        venues=args.venues,
        configurations=40,
    )
    folder, url, engine = estate.folder, estate.url, estate.engine
    editor, operator, fleet = estate.editor, estate.operator, estate.fleet
    creatives = [fleet.creative_ids[k] for k in ("landscape", "portrait", "square")]
    plays = _seed_plays(
        engine, owner_id=editor.organisation_id, creatives=creatives, per_night=args.plays_per_night
    )
    seconds = time.perf_counter() - started
    print(f"seeded {plays:,} plays on {args.screens:,} screens in {seconds:.1f} s")
    settings = Settings(
        data_dir=folder / "data", database_url=url, secret_key=SECRET, run_jobs=False
    )
    app = create_app(settings)
    statements: list[str] = []
    event.listen(app.state.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    last = FIRST_NIGHT + timedelta(days=NIGHTS - 1)
    params = {"from": FIRST_NIGHT.isoformat(), "to": last.isoformat()}
    with TestClient(app) as client:
        for label, user in (("national editor", editor), ("partner", operator)):
            cookie = sessions.start(app.state.engine, user_id=user.id, settings=settings)
            client.cookies.set(
                "console_session", cookie, domain="testserver.local", path="/console"
            )
            # Warm the process (templates, first queries) on other nights: "first" is then the
            # first request for these nights, not the first of the process.
            client.get("/console/reports", params={"from": "2026-11-01", "to": "2026-11-07"})
            for run in ("first", "again"):
                times = []
                for _ in range(args.repeat if run == "again" else 1):
                    statements.clear()
                    began = time.perf_counter()
                    response = client.get("/console/reports", params=params)
                    times.append((time.perf_counter() - began) * 1000)
                    assert response.status_code == 200, response.text
                reports = [s for s in statements if "play" in s]
                print(
                    f"GET /console/reports as {label}, {run}: "
                    f"median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms "
                    f"({len(response.content):,} bytes, {len(statements)} SQL statements, "
                    f"{len(reports)} on plays)"
                )
            client.cookies.clear()


if __name__ == "__main__":
    main()
