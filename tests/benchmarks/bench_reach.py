"""Benchmark of the expensive reads: `uv run python tests/benchmarks/bench_reach.py`.

Seeds a fleet (default 2,000 screens in 400 venues with 8 distinct opening hours, each in the
four nations, under 207 schedules that beat one another on some screens and not others; see
tests/schedules/fleet.py) in a fresh SQLite database (or `--database-url` for an empty
PostgreSQL one), serves it with uvicorn (one worker, as `signage serve` does) and times, over
real HTTP from this separate process:

* `GET /v1/schedules/{id}/reach` over 7 and 31 days (December 2026, with its bank holidays);
* `GET /v1/schedules.ics?days=N` (the organisation's feed; `--ics-days`, default 366, the
  most accepted) and the same feed in one venue's terms (`venue_id`, so opening-hours windows
  are expanded into one event a night), each fetched twice (the second may be cached);
* the player's poll, a venue PATCH, a staff read (`GET /v1/schedules`) and a plays post, in
  turn for 2 s with nothing else running, then while a 31-day reach runs; their median and
  worst latencies are printed.

`--configurations 400` gives every venue its own opening hours (the worst case for sharing).
Before/after figures are in the commit that added this script.
"""

import argparse
import hashlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from signage.core.db import create_db_engine
from signage.core.migrate import upgrade_to_head
from signage.core.security import issue_access_token
from tests.benchmarks.console_estate import seed_people_and_fleet
from tests.schedules.fleet import Fleet

ROOT = Path(__file__).resolve().parents[2]
SECRET = "benchmark-secret-key-benchmark-secret-key"
PORT = 8711
WEEK = {"from": "2026-12-01T00:00:00Z", "to": "2026-12-08T00:00:00Z"}
MONTH = {"from": "2026-12-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}
PROBES = ("poll", "venue PATCH", "staff read", "plays")


def seed(
    url: str, *, screens: int, venues: int, configurations: int, schedules: int
) -> tuple[Fleet, dict[str, str]]:
    """The fleet and the access tokens of a national editor and the venues' partner."""
    engine = create_db_engine(url)
    editor, operator, fleet = seed_people_and_fleet(
        engine,
        screens=screens,
        venues=venues,
        configurations=configurations,
        extra_schedules=schedules,
    )
    engine.dispose()
    tokens = {
        name: issue_access_token(user_id=user.id, secret=SECRET, lifetime=timedelta(hours=2))
        for name, user in (("editor", editor), ("partner", operator))
    }
    return fleet, tokens


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "signage.app:create_app",
        "--factory",
        "--port",
        str(PORT),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def timed(http: httpx.Client, method: str, url: str, **kwargs: Any) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = http.request(method, url, **kwargs)
    return time.perf_counter() - started, response


def probe(
    http: httpx.Client, fleet: Fleet, tokens: dict[str, str], keep_going: Callable[[], bool]
) -> dict[str, list[float]]:
    """The four probes in turn, each timed, for as long as `keep_going()`."""
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    partner = {"Authorization": f"Bearer {tokens['partner']}"}
    device = {"Authorization": f"Bearer {fleet.paired_token}"}
    latencies: dict[str, list[float]] = {name: [] for name in PROBES}
    number = 0
    while keep_going():
        number += 1
        play = {
            "id": str(uuid.uuid4()),
            "creative_id": fleet.creative_ids["landscape"],
            "started_at": "2026-11-27T21:00:00Z",
            "duration_ms": 10000,
        }
        probes: dict[str, tuple[str, str, dict[str, Any]]] = {
            "poll": ("GET", "/v1/player/playlist", {"headers": device}),
            "venue PATCH": (
                "PATCH",
                f"/v1/venues/{fleet.venue_ids[1]}",
                {"json": {"name": f"Venue renamed {number}"}, "headers": partner},
            ),
            "staff read": ("GET", "/v1/schedules", {"headers": editor}),
            "plays": ("POST", "/v1/player/plays", {"headers": device, "json": {"plays": [play]}}),
        }
        for name, (method, url, kwargs) in probes.items():
            if not keep_going():
                break
            seconds, response = timed(http, method, url, **kwargs)
            if response.status_code >= 400:
                raise RuntimeError(f"{name}: {response.status_code} {response.text[:200]}")
            latencies[name].append(seconds)
            time.sleep(0.02)
    return latencies


def probe_during_reach(
    http: httpx.Client, fleet: Fleet, tokens: dict[str, str]
) -> tuple[float, dict[str, list[float]]]:
    """Starts a 31-day reach in a thread and probes until it answers."""
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    reach_time: list[float] = []

    def run_reach() -> None:
        with httpx.Client(base_url=str(http.base_url), timeout=600) as own:
            seconds, response = timed(
                own, "GET", f"/v1/schedules/{fleet.subject_id}/reach", params=MONTH, headers=editor
            )
            response.raise_for_status()
            reach_time.append(seconds)

    worker = threading.Thread(target=run_reach)
    worker.start()
    time.sleep(0.05)  # let the reach begin
    latencies = probe(http, fleet, tokens, worker.is_alive)
    worker.join()
    return reach_time[0], latencies


def print_latencies(title: str, latencies: dict[str, list[float]]) -> None:
    print(title)
    for name, values in latencies.items():
        if values:
            median, worst = statistics.median(values) * 1000, max(values) * 1000
            print(f"  {name}: {len(values)} requests, median {median:.0f} ms, worst {worst:.0f} ms")
        else:
            print(f"  {name}: none finished")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="URL of an empty PostgreSQL database")
    parser.add_argument("--screens", type=int, default=2_000)
    parser.add_argument("--venues", type=int, default=400)
    parser.add_argument("--configurations", type=int, default=8)
    parser.add_argument("--schedules", type=int, default=200, help="extra schedules")
    parser.add_argument("--ics-days", type=int, default=366, help="the feed's `days`")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="signage-bench-reach-"))
    url = args.database_url or f"sqlite:///{work}/bench.db"
    upgrade_to_head(url)
    started = time.perf_counter()
    fleet, tokens = seed(
        url,
        screens=args.screens,
        venues=args.venues,
        configurations=args.configurations,
        schedules=args.schedules,
    )
    seeded = time.perf_counter() - started
    print(
        f"fleet: {args.screens} screens, {args.venues} venues, {args.configurations} "
        f"configurations, {args.schedules + 7} schedules (seeded in {seeded:.1f} s)"
    )
    env = {
        **os.environ,
        "SIGNAGE_DATABASE_URL": url,
        "SIGNAGE_SECRET_KEY": SECRET,
        "SIGNAGE_DATA_DIR": str(work),
        "SIGNAGE_RUN_JOBS": "false",
    }
    server = start_server(env)
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=600) as http:
            # Warm up: the poll's snapshot, imports, the first connection.
            http.get(
                "/v1/player/playlist", headers={"Authorization": f"Bearer {fleet.paired_token}"}
            )
            reach_url = f"/v1/schedules/{fleet.subject_id}/reach"
            for label, params in (("7-day", WEEK), ("31-day", MONTH)):
                seconds, response = timed(http, "GET", reach_url, params=params, headers=editor)
                body = response.json()
                if response.status_code != 200:
                    raise RuntimeError(f"reach: {response.status_code} {response.text[:300]}")
                print(
                    f"reach {label}: {seconds:.2f} s ({body['screens']} screens, "
                    f"{body['on_air_hours']:.0f} h on air, {body['shown_hours']:.0f} h shown)"
                )
            for label, params in (
                ("schedules.ics", {"days": args.ics_days}),
                (
                    "schedules.ics with venue_id",
                    {"days": args.ics_days, "venue_id": fleet.venue_ids[0]},
                ),
            ):
                seconds, response = timed(
                    http, "GET", "/v1/schedules.ics", params=params, headers=editor
                )
                if response.status_code != 200:
                    print(f"{label}?days={args.ics_days}: {response.status_code} {response.text}")
                    continue
                again, _ = timed(http, "GET", "/v1/schedules.ics", params=params, headers=editor)
                events = response.text.count("BEGIN:VEVENT")
                digest = hashlib.sha256(response.content).hexdigest()[:12]
                print(
                    f"{label}?days={args.ics_days}: {seconds:.2f} s, again {again:.2f} s "
                    f"({len(response.content)} B, {events} events, sha256 {digest})"
                )
            until = time.monotonic() + 2
            idle = probe(http, fleet, tokens, lambda: time.monotonic() < until)
            print_latencies("with nothing else running (2 s):", idle)
            reach_seconds, latencies = probe_during_reach(http, fleet, tokens)
            print_latencies(f"during a 31-day reach ({reach_seconds:.2f} s):", latencies)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
