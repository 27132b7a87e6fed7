"""Helpers for the Python player's tests: a server that can go away and come back on the same
port (with an optional slow /media/ for catching a download half way), the player as a real
subprocess, and small waits."""

import asyncio
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, MetaData, Table, select

from tests.factories import World, post_creative, schedule_body

ROOT = Path(__file__).resolve().parents[2]
PLAYER_SRC = ROOT / "players" / "python"
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

Scope = dict[str, Any]
Message = dict[str, Any]


class Throttle:
    """ASGI wrapper that slows every /media/ body chunk while `on`: a download takes seconds
    instead of milliseconds, long enough to kill the player in the middle of it."""

    def __init__(self, app: Any, seconds_per_chunk: float = 0.1) -> None:
        self.app = app
        self.seconds_per_chunk = seconds_per_chunk
        self.on = False

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/media/"):
            await self.app(scope, receive, send)
            return

        async def slow_send(message: Message) -> None:
            if self.on and message["type"] == "http.response.body" and message.get("body"):
                await asyncio.sleep(self.seconds_per_chunk)
            await send(message)

        await self.app(scope, receive, slow_send)


def media_files(state: Path) -> list[Path]:
    """Everything in the player's media folder, temporaries included."""
    return sorted((state / "media").iterdir()) if (state / "media").exists() else []


def wait_until(condition: Callable[[], Any], timeout: float, what: str, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout} s still not: {what}")
        time.sleep(step)


# --- creatives and schedules ------------------------------------------------------------------


def poster(colour: tuple[int, int, int], size: tuple[int, int] = (160, 90)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, format="PNG")
    return output.getvalue()


def noise_png(width: int = 1000, height: int = 1000) -> bytes:
    """About 3 MB that PNG cannot compress: random pixels."""
    output = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(
        output, format="PNG", compress_level=1
    )
    return output.getvalue()


def approved_creative(
    client: TestClient, world: World, campaign_id: str, content: bytes, duration_ms: int
) -> dict[str, Any]:
    response = post_creative(client, world, campaign_id, content=content, duration_ms=duration_ms)
    assert response.status_code == 201, response.text
    creative: dict[str, Any] = response.json()
    approved = client.post(
        f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
    )
    assert approved.status_code == 200, approved.text
    return creative


def add_schedule(
    client: TestClient,
    world: World,
    creative_id: str,
    start: str,
    end: str,
    start_date: str | None = None,
    **extra: Any,
) -> None:
    body = schedule_body(
        [creative_id],
        windows=[{"days": ALL_DAYS, "start": start, "end": end}],
        start_date=start_date or (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
        **extra,
    )
    response = client.post("/v1/schedules", json=body, headers=world.headers("force_a_editor"))
    assert response.status_code == 201, response.text


# --- the player as a process ------------------------------------------------------------------


@dataclass
class PlayerProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def start_player(server_url: str, state_dir: Path, *args: str) -> PlayerProcess:
    """`python -m signage_player` with only the player's own source on the path."""
    log_path = state_dir.with_name(f"{state_dir.name}-{time.monotonic_ns()}.log")
    env = {**os.environ, "PYTHONPATH": str(PLAYER_SRC), "PYTHONUNBUFFERED": "1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "signage_player",
                "--server",
                server_url,
                "--state-dir",
                str(state_dir),
                "--max-backoff",
                "1",
                *args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=state_dir.parent,
        )
    return PlayerProcess(process, log_path)


@contextmanager
def running_player(server_url: str, state_dir: Path, *args: str) -> Iterator[PlayerProcess]:
    player = start_player(server_url, state_dir, *args)
    try:
        yield player
    finally:
        if player.process.poll() is None:
            player.process.kill()
            player.process.wait(timeout=10)


# --- the database -----------------------------------------------------------------------------


def plays_table(engine: Engine) -> Table:
    metadata = MetaData()
    metadata.reflect(engine, only=["plays"])
    return metadata.tables["plays"]


def stored_plays(engine: Engine, screen_id: str) -> list[Any]:
    table = plays_table(engine)
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(table.c.id, table.c.creative_id, table.c.started_at, table.c.duration_ms)
                .where(table.c.screen_id == screen_id)
                .order_by(table.c.started_at)
            ).all()
        )


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
