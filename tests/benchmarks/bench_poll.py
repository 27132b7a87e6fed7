"""Benchmark of the player poll: `uv run python tests/benchmarks/bench_poll.py`.

Registers a fleet (by default 10,000 screens in 2,000 venues under 200 schedules, plus one
schedule for one venue; `--screens 100000 --venues 20000 --schedules 500` is the national size)
in a fresh SQLite database (or `--database-url` for PostgreSQL), serves it with uvicorn (one
worker, as `signage serve` does), and drives the poll from separate processes:

- the cold start: from starting the server to /readyz saying the playlists are loaded, then
  to every screen's first poll served (asking for gzip, as every real client does);
- wrk (Debian's `wrk`, rotating device tokens through a Lua script) for throughput, 304s and
  plain 200s, against ours and against a bare FastAPI endpoint returning the same number of
  prebuilt bytes (the ratios are printed);
- a paced asyncio client for latency at 1,000 polls/s (plain and gzip) and 3,300 polls/s (a
  100,000-screen fleet polling every 30 s);
- an edit of the one venue's schedule, then of a schedule every screen shows: the time from
  the commit to a changed screen's new body, how many screens got a new ETag, and the whole
  fleet then polling once with its ETags.

Needs `apt-get install wrk`. `--metrics` prints the refresh timings from /metrics.
"""

import argparse
import asyncio
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlmodel import Session, select

from signage.campaigns.models import Campaign
from signage.core.db import create_db_engine, writer
from signage.core.migrate import upgrade_to_head
from signage.core.roles import OrganisationKind, Role
from signage.core.types import utcnow
from signage.creatives.models import Creative, CreativeKind, CreativeStatus
from signage.organisations.models import Organisation
from signage.schedules.models import Schedule, ScheduleCreative
from signage.screens.models import Screen
from signage.users.models import User
from signage.venues.models import Venue

ROOT = Path(__file__).resolve().parents[2]
SECRET = "benchmark-secret-key-benchmark-secret-key"
KINDS = ["pub", "bar", "nightclub", "fast_food", "takeaway"]
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

WRK_SCRIPT = """
local tokens, etags, n = {}, {}, 0
local use_etags = os.getenv("BENCH_ETAGS") == "1"
function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    local token, etag = line:match("^(%S+)%s+(%S+)$")
    tokens[#tokens + 1] = token
    etags[#etags + 1] = etag
  end
  n = math.random(#tokens)
end
function request()
  n = n % #tokens + 1
  local headers = {["Authorization"] = "Bearer " .. tokens[n]}
  if use_etags then headers["If-None-Match"] = etags[n] end
  return wrk.format("GET", "/v1/player/playlist", headers)
end
"""


def seed(url: str, *, screens: int, venues: int, schedules: int) -> list[str]:
    """The fleet, straight into the database; returns the device tokens."""
    engine = create_db_engine(url)
    tokens = [f"sgd_bench_{i:06d}" for i in range(screens)]
    with Session(engine) as session:
        national = Organisation(name="National", kind=OrganisationKind.national)
        forces = [Organisation(name=f"Force {i}", kind=OrganisationKind.force) for i in range(20)]
        partner = Organisation(name="Partner", kind=OrganisationKind.partner)
        session.add_all([national, *forces, partner])
        session.flush()
        editor = User(
            email="e@example.org", password_hash="x", role=Role.editor, organisation_id=national.id
        )
        session.add(editor)
        session.flush()
        campaign = Campaign(organisation_id=national.id, name="Walk Away", created_by=editor.id)
        session.add(campaign)
        session.flush()
        creatives = [
            Creative(
                campaign_id=campaign.id,
                organisation_id=national.id,
                name=f"Creative {i}",
                kind=CreativeKind.image,
                sha256=hashlib.sha256(str(i).encode()).hexdigest(),
                mime_type="image/png",
                bytes=100_000 + i,
                width=1920,
                height=1080,
                duration_ms=10_000,
                status=CreativeStatus.approved,
                uploaded_by=editor.id,
            )
            for i in range(60)
        ]
        session.add_all(creatives)
        venue_rows = [
            Venue(
                organisation_id=partner.id,
                force_id=forces[i % 20].id,
                name=f"Venue {i}",
                kind=KINDS[i % len(KINDS)],
                nation="england",
                timezone="Europe/London",
                opening_hours=[{"day": d, "open": "18:00", "close": "03:00"} for d in ALL_DAYS],
            )
            for i in range(venues)
        ]
        session.add_all(venue_rows)
        session.flush()
        for i, token in enumerate(tokens):
            session.add(
                Screen(
                    venue_id=venue_rows[i % venues].id,
                    name=f"Screen {i}",
                    orientation="landscape",
                    tags=["bar"] if i % 3 else ["door"],
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                )
            )
        for i in range(schedules + 1):
            target: dict[str, list[str]] = {}
            if i % 4 == 1:
                target["force_ids"] = [forces[i % 20].id]
            elif i % 4 == 2:
                target["venue_kinds"] = [KINDS[i % len(KINDS)]]
            elif i % 4 == 3:
                target["tags"] = ["bar"]
            if i == schedules:  # one more, for one venue: the edit that touches only it
                target = {"venue_ids": [venue_rows[7].id]}
            schedule = Schedule(
                organisation_id=national.id,
                name="One venue" if i == schedules else f"Schedule {i}",
                priority=10 + i % 5,
                weight=1 + i % 3,
                target=target,
                created_by=editor.id,
                windows=[
                    {
                        "days": ALL_DAYS,
                        "start": f"{(i * 7) % 24:02d}:00",
                        "end": f"{(i * 7 + 9) % 24:02d}:00",
                    }
                ],
            )
            session.add(schedule)
            session.flush()
            for position in range(3):
                session.add(
                    ScheduleCreative(
                        schedule_id=schedule.id,
                        position=position,
                        creative_id=creatives[(i + position) % 60].id,
                    )
                )
        session.commit()
    engine.dispose()
    return tokens


def edit_one_schedule(url: str, *, one_venue: bool) -> None:
    """Edit the schedule for one venue, or one that every screen shows (as the API does: a
    writer's transaction, which queues for SQLite's lock behind the server's own writes)."""
    engine = create_db_engine(url)
    with Session(writer(engine)) as session:
        schedule = next(
            s
            for s in session.exec(select(Schedule).order_by(Schedule.name))
            if (s.name == "One venue" if one_venue else s.priority in (14, 15) and not s.target)
        )
        schedule.priority = 16 if schedule.priority == 15 else 15
        schedule.updated_at = utcnow()
        session.add(schedule)
        session.commit()
    engine.dispose()


def start_server(
    env: dict[str, str], app: str, port: int, *, factory: bool, workers: int = 1
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        # As `signage serve`: open event streams are cut at shutdown, not waited for.
        "--timeout-graceful-shutdown",
        "3",
    ]
    if factory:
        command.append("--factory")
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/player/playlist", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def wait_until_loaded(port: int) -> float:
    """When /readyz first says this process has its playlists loaded (perf_counter)."""
    while True:
        try:
            body = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json()
            if body.get("playlists", {}).get("loaded"):
                return time.perf_counter()
        except httpx.TransportError:
            pass
        time.sleep(0.05)


def rss_mb(pid: int) -> float:
    """Resident memory of the server: the process and, with --workers N, its workers."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        for line in Path(f"/proc/{current}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
        for task in Path(f"/proc/{current}/task").iterdir():
            pending += [int(child) for child in (task / "children").read_text().split()]
    return total


def wrk(
    port: int, tokens_file: Path, script: Path, *, etags: bool, seconds: int, connections: int
) -> dict[str, float]:
    env = {**os.environ, "BENCH_TOKENS": str(tokens_file), "BENCH_ETAGS": "1" if etags else "0"}
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rate, "errors": float(non_2xx.group(1)) if non_2xx else 0.0}


async def _connections(port: int, count: int) -> "asyncio.Queue[Connection]":
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(count):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    return pool


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _poll(
    pool: "asyncio.Queue[Connection]",
    token: str,
    *,
    gzip: bool = True,
    etag: str | None = None,
    seen: dict[str, tuple[int, str, int]] | None = None,
) -> float:
    """One poll over a pooled keep-alive connection, as a screen sends it (asking for gzip,
    as every real client does, unless told not to); retried while the server says 503 (not
    loaded yet). Returns its latency in ms; ``seen`` gets the status, ETag and body size."""
    reader, writer = await pool.get()
    started = time.perf_counter()
    request = f"GET /v1/player/playlist HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}"
    if gzip:
        request += "\r\nAccept-Encoding: gzip"
    if etag:
        request += f"\r\nIf-None-Match: {etag}"
    while True:
        writer.write(f"{request}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length_match = re.search(rb"content-length: (\d+)", head.lower())
        length = int(length_match.group(1)) if length_match else 0
        await reader.readexactly(length)
        status = int(head[9:12])
        if status != 503:
            break
        await asyncio.sleep(0.5)
    if status not in (200, 304):
        raise RuntimeError(head.split(b"\r\n")[0].decode())
    pool.put_nowait((reader, writer))
    if seen is not None:
        tag = re.search(rb"etag: (\S+)", head.lower())
        seen[token] = (status, tag.group(1).decode() if tag else "", length)
    return (time.perf_counter() - started) * 1000


async def paced_latencies(
    port: int, tokens: list[str], *, rate: int, seconds: int, gzip: bool = True
) -> list[float]:
    """Latency of polls sent at a fixed rate over keep-alive connections (ms)."""
    pool = await _connections(port, 64)
    tasks = []
    start = time.perf_counter()
    for i in range(rate * seconds):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_poll(pool, tokens[i % len(tokens)], gzip=gzip)))
    return list(await asyncio.gather(*tasks))


async def sweep(
    port: int,
    tokens: list[str],
    *,
    etags: dict[str, str] | None = None,
    seen: dict[str, tuple[int, str, int]] | None = None,
) -> float:
    """Seconds for every screen to poll once (64 connections in parallel): with their last
    ETags if given, as screens poll, else for full bodies."""
    pool = await _connections(port, 64)
    started = time.perf_counter()
    await asyncio.gather(*(_poll(pool, t, etag=(etags or {}).get(t), seen=seen) for t in tokens))
    return time.perf_counter() - started


async def first_new_body(port: int, token: str, etag: str, since: float) -> float:
    """Seconds from ``since`` until the screen's poll (with its ETag) gets a new body."""
    pool = await _connections(port, 1)
    while True:
        seen: dict[str, tuple[int, str, int]] = {}
        await _poll(pool, token, etag=etag, seen=seen)
        if seen[token][0] == 200:
            return time.perf_counter() - since
        await asyncio.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", help="PostgreSQL URL of an empty database (default: SQLite)"
    )
    parser.add_argument("--screens", type=int, default=10_000)
    parser.add_argument("--venues", type=int, default=2_000)
    parser.add_argument("--schedules", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--metrics", action="store_true", help="print the refresh metrics")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn workers, for ours and the bare app"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("needs wrk: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="signage-bench-"))
    url = args.database_url or f"sqlite:///{work}/bench.db"
    upgrade_to_head(url)
    seeding = time.perf_counter()
    tokens = seed(url, screens=args.screens, venues=args.venues, schedules=args.schedules)
    print(
        f"fleet: {args.screens} screens, {args.venues} venues, {args.schedules} schedules "
        f"(seeded in {time.perf_counter() - seeding:.1f} s)"
    )
    env = {
        **os.environ,
        "SIGNAGE_DATABASE_URL": url,
        "SIGNAGE_SECRET_KEY": SECRET,
        "SIGNAGE_DATA_DIR": str(work),
    }
    started = time.perf_counter()
    server = start_server(env, "signage.app:create_app", 8701, factory=True, workers=args.workers)
    try:
        # Cold start: from starting the server until every screen's first poll is served
        # (the fleet read and every playlist compiled meanwhile; 503s are retried).
        ready = wait_until_loaded(8701) - started
        seen: dict[str, tuple[int, str, int]] = {}
        flood = asyncio.run(sweep(8701, tokens, seen=seen))
        cold = time.perf_counter() - started
        etags = {t: seen[t][1] for t in tokens}
        gzip_bytes = int(statistics.median(seen[t][2] for t in tokens))
        with httpx.Client(base_url="http://127.0.0.1:8701") as http:
            plain = http.get(
                "/v1/player/playlist",
                headers={"Authorization": f"Bearer {tokens[0]}", "Accept-Encoding": "identity"},
            )
        body_bytes = len(plain.content)
        print(
            f"cold start: ready for every screen {ready:.2f} s after the server started "
            f"(fleet read, every playlist compiled); every screen's first poll served after "
            f"{cold:.2f} s (the flood of {len(tokens)} polls took {flood:.2f} s); "
            f"median body {gzip_bytes} B gzipped ({body_bytes} B plain); "
            f"server RSS {rss_mb(server.pid):.0f} MB"
        )
        tokens_file = work / "tokens.txt"
        tokens_file.write_text("".join(f"{t} {etags[t]}\n" for t in tokens))
        script = work / "poll.lua"
        script.write_text(WRK_SCRIPT)
        ours_304 = wrk(8701, tokens_file, script, etags=True, seconds=args.seconds, connections=64)
        ours_200 = wrk(8701, tokens_file, script, etags=False, seconds=args.seconds, connections=64)
        latencies = {
            (rate, gzip): sorted(
                asyncio.run(
                    paced_latencies(8701, tokens, rate=rate, seconds=args.seconds, gzip=gzip)
                )
            )
            for rate, gzip in ((1000, False), (1000, True), (3300, True))
        }
        edits = {}
        for one_venue in (True, False):
            # A screen the edit changes: the one venue's first screen, or any screen.
            probe = tokens[7] if one_venue else tokens[1]
            before = dict(etags)
            edit_started = time.perf_counter()
            edit_one_schedule(url, one_venue=one_venue)
            served = asyncio.run(first_new_body(8701, probe, before[probe], edit_started))
            after: dict[str, tuple[int, str, int]] = {}
            fleet = asyncio.run(sweep(8701, tokens, etags=before, seen=after))
            changed = sum(1 for t in tokens if after[t][0] == 200)
            for t in tokens:
                if after[t][0] == 200:
                    etags[t] = after[t][1]
            edits["one_venue" if one_venue else "every_screen"] = {
                "edit_to_new_body_s": served,
                "screens_with_new_etag": changed,
                "fleet_poll_after_edit_s": fleet,
            }
        memory = rss_mb(server.pid)
        metrics = httpx.get("http://127.0.0.1:8701/metrics").text if args.metrics else ""
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    bare_env = {**os.environ, "SIGNAGE_BENCH_BODY_BYTES": str(body_bytes)}
    bare = start_server(
        bare_env, "tests.benchmarks.bare_app:app", 8702, factory=False, workers=args.workers
    )
    try:
        bare_tokens = work / "bare.txt"
        bare_tokens.write_text("".join(f'{t} "bare-etag"\n' for t in tokens))
        bare_304 = wrk(8702, bare_tokens, script, etags=True, seconds=args.seconds, connections=64)
        bare_200 = wrk(8702, bare_tokens, script, etags=False, seconds=args.seconds, connections=64)
    finally:
        bare.send_signal(signal.SIGINT)
        bare.wait(timeout=30)
    # The floor: the same fleet sweep and wrk run against an app that does nothing but answer
    # 304, so the "whole fleet" rows can be read against what uvicorn alone allows here.
    floor_server = start_server(
        bare_env, "tests.benchmarks.bare_app:floor", 8703, factory=False, workers=args.workers
    )
    try:
        floor_sweep = asyncio.run(sweep(8703, tokens, etags=dict.fromkeys(tokens, '"floor"')))
        floor_304 = wrk(8703, bare_tokens, script, etags=True, seconds=args.seconds, connections=64)
    finally:
        floor_server.send_signal(signal.SIGINT)
        floor_server.wait(timeout=30)
    results: dict[str, object] = {
        "ready_s": ready,
        "cold_start_s": cold,
        "first_flood_s": flood,
        "median_body_gzip_bytes": gzip_bytes,
        "body_plain_bytes": body_bytes,
        "poll_304_rps": ours_304["rps"],
        "bare_304_rps": bare_304["rps"],
        "ratio_304": ours_304["rps"] / bare_304["rps"],
        "poll_200_rps": ours_200["rps"],
        "bare_200_rps": bare_200["rps"],
        "ratio_200": ours_200["rps"] / bare_200["rps"],
        "floor_304_rps": floor_304["rps"],
        "floor_fleet_poll_s": floor_sweep,
        "rss_mb": memory,
        "errors": ours_304["errors"] + ours_200["errors"],
        "edits": edits,
    }
    print(
        f"304 poll: {ours_304['rps']:.0f}/s vs bare FastAPI {bare_304['rps']:.0f}/s"
        f" -> {results['ratio_304']:.2f}x"
    )
    print(
        f"200 poll (plain): {ours_200['rps']:.0f}/s vs bare FastAPI {bare_200['rps']:.0f}/s"
        f" -> {results['ratio_200']:.2f}x"
    )
    print(
        f"floor (an ASGI app that only answers 304): {floor_304['rps']:.0f}/s; the whole fleet "
        f"polled it once in {floor_sweep:.2f} s"
    )
    for (rate, gzip), found in latencies.items():
        p50, p99 = found[len(found) // 2], found[int(len(found) * 0.99)]
        label = "gzip" if gzip else "plain"
        results[f"p50_ms_at_{rate}_rps_{label}"] = p50
        results[f"p99_ms_at_{rate}_rps_{label}"] = p99
        print(f"latency at {rate:,} polls/s ({label} 200s): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    for name, edit in edits.items():
        print(
            f"edit of a schedule for {name.replace('_', ' ')}: new body served "
            f"{edit['edit_to_new_body_s']:.2f} s after the commit; "
            f"{edit['screens_with_new_etag']} screens got a new ETag; the whole fleet then "
            f"polled (with ETags) in {edit['fleet_poll_after_edit_s']:.2f} s"
        )
    print(f"server memory at {args.screens} screens: {memory:.0f} MB")
    if metrics:
        print("\n".join(line for line in metrics.splitlines() if "refresh" in line))
    print(json.dumps(results, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
