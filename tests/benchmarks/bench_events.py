"""Benchmark of the events stream: `uv run python tests/benchmarks/bench_events.py`.

Registers a fleet (by default 5,000 screens in 1,000 venues) in a fresh SQLite database (or
`--database-url` for PostgreSQL), serves it with `uvicorn` (one worker, as `signage serve`
does), connects every screen to `GET /v1/player/events` from one bounded asyncio client, then
creates a takeover of 1,000 of them (the screens of 200 venues) and confirms it through the
API, as two people would. Each screen that hears `playlist` polls at once over a pool of
keep-alive connections; the figure is the time from the confirmation's response to each
targeted screen's new playlist received. Screens the takeover does not reach must hear
nothing. Prints the percentiles, the nudges, and the server's memory before and after the
streams opened. Exits non-zero if p99 is 2 s or more or an untargeted screen was nudged.
"""

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import Session, col, select

from signage.core.db import create_db_engine
from signage.core.migrate import upgrade_to_head
from signage.core.roles import OrganisationKind, Role
from signage.core.security import issue_access_token
from signage.creatives.models import Creative
from signage.organisations.models import Organisation
from signage.screens.models import Screen
from signage.users.models import User
from signage.venues.models import Venue
from tests.benchmarks.bench_poll import SECRET, rss_mb, seed, start_server, wait_until_loaded

PORT = 8711


@dataclass
class Screenside:
    token: str
    targeted: bool
    nudged_at: float | None = None
    fetched_at: float | None = None
    etag: str = ""
    nudges: int = 0


@dataclass
class Run:
    screens: list[Screenside]
    polls: "asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]"
    opened: int = 0
    failures: list[str] = field(default_factory=list)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


def people(url: str) -> tuple[str, str, list[str], list[str]]:
    """An editor's and an approver's token (national), the first 200 venues' ids, and the
    device tokens of their screens (seeded as sgd_bench_<index>, venue = index % venues)."""
    engine = create_db_engine(url)
    with Session(engine) as session:
        national = session.exec(
            select(Organisation).where(Organisation.kind == OrganisationKind.national)
        ).one()
        editor = session.exec(select(User).where(User.organisation_id == national.id)).one()
        approver = User(
            email="a@example.org",
            password_hash="x",
            role=Role.approver,
            organisation_id=national.id,
        )
        session.add(approver)
        session.commit()
        venues = [v.id for v in session.exec(select(Venue).order_by(col(Venue.name)))]
        creative = session.exec(select(Creative)).first()
        assert creative is not None
        screens = session.exec(select(Screen.id, Screen.venue_id)).all()
        approver_id, editor_id, creative_id = approver.id, editor.id, creative.id
    engine.dispose()
    hour = timedelta(hours=1)
    return (
        issue_access_token(user_id=editor_id, secret=SECRET, lifetime=hour),
        issue_access_token(user_id=approver_id, secret=SECRET, lifetime=hour),
        venues,
        [creative_id, str(len(screens))],
    )


async def listen(run: Run, screen: Screenside, ready: asyncio.Event) -> None:
    """One screen's stream: read events; on `playlist`, poll at once."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    except OSError as exc:
        run.failures.append(f"connect: {exc}")
        return
    run.writers.append(writer)
    writer.write(
        f"GET /v1/player/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {screen.token}"
        "\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n")[0]:
        run.failures.append(head.split(b"\r\n")[0].decode())
        return
    run.opened += 1
    event = ""
    while True:
        line = await reader.readline()
        if not line:
            return
        text = line.decode().strip()
        if text.startswith("event:"):
            event = text.split(":", 1)[1].strip()
        elif text.startswith("data:") and event == "ready":
            ready.set()
        elif text == "" and event == "playlist":
            screen.nudges += 1
            if screen.nudged_at is None:
                screen.nudged_at = time.perf_counter()
                asyncio.create_task(poll(run, screen))
            event = ""
        elif text == "":
            event = ""


async def poll(run: Run, screen: Screenside) -> None:
    reader, writer = await run.polls.get()
    try:
        writer.write(
            f"GET /v1/player/playlist HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            f"{screen.token}\r\nAccept-Encoding: gzip\r\nIf-None-Match: {screen.etag}"
            "\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for header in head.lower().split(b"\r\n"):
            if header.startswith(b"content-length:"):
                length = int(header.split(b":")[1])
        await reader.readexactly(length)
        if b" 200 " in head.split(b"\r\n")[0]:
            screen.fetched_at = time.perf_counter()
    finally:
        run.polls.put_nowait((reader, writer))


async def scenario(
    screens: list[Screenside],
    editor: str,
    approver: str,
    body: dict[str, object],
    pool: int,
    memory: dict[str, float],
    pid: int,
) -> tuple[float, Run]:
    polls: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(pool):
        polls.put_nowait(await asyncio.open_connection("127.0.0.1", PORT))
    run = Run(screens, polls)
    # The ETags the screens hold, as a fleet already playing does.
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as http:
        limit = asyncio.Semaphore(64)

        async def etag(screen: Screenside) -> None:
            async with limit:
                answer = await http.get(
                    "/v1/player/playlist",
                    headers={"Authorization": f"Bearer {screen.token}", "Accept-Encoding": "gzip"},
                )
                screen.etag = answer.headers["etag"]

        await asyncio.gather(*(etag(s) for s in screens))
        memory["polled"] = rss_mb(pid)
        # Open every stream, a few hundred at a time (a bounded client).
        started = time.perf_counter()
        tasks = []
        for start in range(0, len(screens), 250):
            readies = []
            for screen in screens[start : start + 250]:
                ready = asyncio.Event()
                readies.append(ready)
                tasks.append(asyncio.create_task(listen(run, screen, ready)))
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
        print(
            f"streams: {run.opened} open after {time.perf_counter() - started:.1f} s "
            f"({len(run.failures)} failed)"
        )
        await asyncio.sleep(1)
        memory["streams"] = rss_mb(pid)
        created = await http.post(
            "/v1/takeovers", json=body, headers={"Authorization": f"Bearer {editor}"}
        )
        created.raise_for_status()
        confirmed = await http.post(
            f"/v1/takeovers/{created.json()['id']}/confirm",
            headers={"Authorization": f"Bearer {approver}"},
        )
        confirmed.raise_for_status()
        at = time.perf_counter()
        targeted = [s for s in screens if s.targeted]
        deadline = at + 10
        while time.perf_counter() < deadline and any(s.fetched_at is None for s in targeted):
            await asyncio.sleep(0.05)
        await asyncio.sleep(2)  # time for any wrong nudge to arrive
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in run.writers:
            writer.close()
        while not polls.empty():
            polls.get_nowait()[1].close()
    return at, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database")
    parser.add_argument("--screens", type=int, default=5_000)
    parser.add_argument("--venues", type=int, default=1_000)
    parser.add_argument("--targeted-venues", type=int, default=200)
    parser.add_argument("--pool", type=int, default=200, help="keep-alive connections for polls")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="signage-bench-events-"))
    url = args.database_url or f"sqlite:///{work}/bench.db"
    upgrade_to_head(url)
    tokens = seed(url, screens=args.screens, venues=args.venues, schedules=50)
    editor, approver, venues, (creative_id, _) = people(url)
    chosen = set(range(args.targeted_venues))
    # The seed puts screen i in venue i % venues, venues named "Venue <i>" (sorted as text).
    by_name = sorted(range(args.venues), key=lambda i: f"Venue {i}")
    venue_of_index = {index: venues[rank] for rank, index in enumerate(by_name)}
    targeted_ids = sorted({venue_of_index[i] for i in chosen})
    screens = [Screenside(token, (i % args.venues) in chosen) for i, token in enumerate(tokens)]
    body = {
        "creative_ids": [creative_id],
        "target": {"venue_ids": targeted_ids},
        "ends_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        "reason": "Benchmark: serious assault in the city centre",
    }
    env = {
        **os.environ,
        "SIGNAGE_DATABASE_URL": url,
        "SIGNAGE_SECRET_KEY": SECRET,
        "SIGNAGE_DATA_DIR": str(work),
    }
    server = start_server(env, "signage.app:create_app", PORT, factory=True)
    try:
        wait_until_loaded(PORT)
        memory = {"loaded": rss_mb(server.pid)}
        at, run = asyncio.run(
            scenario(screens, editor, approver, body, args.pool, memory, server.pid)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    targeted = [s for s in screens if s.targeted]
    others = [s for s in screens if not s.targeted]
    latencies = sorted((s.fetched_at - at) * 1000 for s in targeted if s.fetched_at is not None)
    missing = sum(1 for s in targeted if s.fetched_at is None)
    wrongly = sum(1 for s in others if s.nudges)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else 1e9
    print(
        f"takeover of {len(targeted)} of {len(screens)} connected screens: new playlist "
        f"fetched by {len(latencies)} (missing {missing}); from the confirmation's response: "
        f"p50 {statistics.median(latencies):.0f} ms, p95 "
        f"{latencies[int(0.95 * len(latencies))]:.0f} ms, p99 {p99:.0f} ms, max "
        f"{latencies[-1]:.0f} ms; untargeted screens nudged: {wrongly}"
    )
    print(
        f"server RSS: {memory['loaded']:.0f} MB loaded, {memory['polled']:.0f} MB after every "
        f"screen's first poll, {memory['streams']:.0f} MB with {run.opened} streams open "
        f"({(memory['streams'] - memory['polled']) * 1024 / max(run.opened, 1):.1f} KB a stream)"
    )
    if p99 >= 2000 or wrongly or missing:
        sys.exit(1)


if __name__ == "__main__":
    main()
