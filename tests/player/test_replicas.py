"""Two real `signage serve` processes on one PostgreSQL database: an edit made through one is
seen by a screen polling the other within a second."""

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from signage.core.db import create_db_engine
from signage.core.migrate import upgrade_to_head
from signage.core.notify import APPLICATION_NAME
from tests.conftest import SECRET
from tests.factories import World, png_bytes, schedule_body
from tests.live import free_port
from tests.player.sse_client import read_events

ALL_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "00:00"}
]


def _serve(tmp_path: Path, database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    signage = shutil.which("signage")
    assert signage is not None
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    env = {
        **clean,
        "SIGNAGE_DATABASE_URL": database_url,
        "SIGNAGE_SECRET_KEY": SECRET,
        "SIGNAGE_DATA_DIR": str(tmp_path / "data"),  # one media folder, as behind a shared volume
        "SIGNAGE_RUN_JOBS": "false",
    }
    process = subprocess.Popen(
        [signage, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while True:
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        assert process.poll() is None, "signage serve exited"
        assert time.monotonic() < deadline, "signage serve did not become ready"
        time.sleep(0.2)


def _estate(a: httpx.Client, world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """A pub with a screen, and an approved creative of force A, made through replica ``a``."""
    editor = world.headers("force_a_editor")
    venue = a.post(
        "/v1/venues",
        json={
            "name": "The Crown",
            "kind": "pub",
            "force_id": world.org_id("force_a"),
            "nation": "england",
        },
        headers=world.headers("partner_1"),
    ).json()
    screen: dict[str, Any] = a.post(
        "/v1/screens",
        json={"venue_id": venue["id"], "name": "Bar"},
        headers=world.headers("partner_1"),
    ).json()
    campaign = a.post("/v1/campaigns", json={"name": "Walk Away"}, headers=editor).json()
    creative: dict[str, Any] = a.post(
        "/v1/creatives",
        data={"campaign_id": campaign["id"], "name": "Poster"},
        files={"file": ("p.png", png_bytes(), "image/png")},
        headers=editor,
    ).json()
    a.post(f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver"))
    return screen, creative


@pytest.fixture
def two_replicas(tmp_path: Path, fresh_pg_database: str) -> Iterator[tuple[str, str, str]]:
    upgrade_to_head(fresh_pg_database)
    first, url_a = _serve(tmp_path, fresh_pg_database)
    second, url_b = _serve(tmp_path, fresh_pg_database)
    try:
        yield fresh_pg_database, url_a, url_b
    finally:
        for process in (first, second):
            process.terminate()
            process.wait(timeout=15)


def test_edit_through_one_replica_reaches_screens_polling_the_other(
    two_replicas: tuple[str, str, str],
) -> None:
    pg_url, url_a, url_b = two_replicas
    engine = create_db_engine(pg_url)
    world = World.build(engine, secret=SECRET)
    engine.dispose()
    editor = world.headers("force_a_editor")
    with httpx.Client(base_url=url_a) as a, httpx.Client(base_url=url_b) as b:
        screen, creative = _estate(a, world)
        device = {"Authorization": f"Bearer {screen['device_token']}"}
        before = b.get("/v1/player/playlist", headers=device)
        assert before.json()["timeline"][0]["items"] == []
        created = a.post(
            "/v1/schedules",
            json=schedule_body([creative["id"]], windows=ALL_DAY, start_date=None),
            headers=editor,
        )
        assert created.status_code == 201, created.text
        edited_at = time.monotonic()
        while True:
            after = b.get(
                "/v1/player/playlist", headers={**device, "If-None-Match": before.headers["etag"]}
            )
            if after.status_code == 200:
                break
            assert time.monotonic() - edited_at < 1.0, "the other replica did not see the edit"
            time.sleep(0.05)
        seen_after = time.monotonic() - edited_at
    assert after.json()["timeline"][0]["items"][0]["creative_id"] == creative["id"]
    assert seen_after < 1.0


def _listening(url: str) -> bool:
    return bool(httpx.get(f"{url}/readyz").json()["playlists"]["listening"])


def _ends_at(b: httpx.Client, device: dict[str, str], hour: int | None, limit: float) -> None:
    """Poll ``b`` until the screen's first segment ends at ``hour`` UTC (None: never)."""
    started = time.monotonic()
    while True:
        first = b.get("/v1/player/playlist", headers=device).json()["timeline"][0]
        ends = first["ends_at"]
        if (hour is None and ends is None) or (ends or "").endswith(f"T{hour:02d}:00:00.000Z"):
            return
        assert time.monotonic() - started < limit, f"the other replica shows {first}"
        time.sleep(0.02)


def test_replicas_hear_each_edit_at_once_and_listen_again_after_losing_the_connection(
    two_replicas: tuple[str, str, str],
) -> None:
    """While listening, a replica checks the version only every 5 s: each edit reaching the
    other replica well within a second is NOTIFY's doing."""
    pg_url, url_a, url_b = two_replicas
    engine = create_db_engine(pg_url)
    world = World.build(engine, secret=SECRET)
    deadline = time.monotonic() + 10
    while not (_listening(url_a) and _listening(url_b)):
        assert time.monotonic() < deadline, "the replicas are not listening"
        time.sleep(0.1)
    with httpx.Client(base_url=url_a) as a, httpx.Client(base_url=url_b) as b:
        editor = world.headers("force_a_editor")
        screen, creative = _estate(a, world)
        schedule = a.post(
            "/v1/schedules",
            json=schedule_body([creative["id"]], windows=ALL_DAY, start_date=None),
            headers=editor,
        ).json()
        device = {"Authorization": f"Bearer {screen['device_token']}"}
        _ends_at(b, device, None, 2.0)  # on air around the clock

        def shorten(hour: int) -> None:
            # Each night ends at another hour: another timeline, another ETag.
            windows = [{**ALL_DAY[0], "start": "06:00", "end": f"{hour:02d}:00"}]
            edited = a.patch(
                f"/v1/schedules/{schedule['id']}", json={"windows": windows}, headers=editor
            )
            assert edited.status_code == 200, edited.text

        for hour in range(1, 6):
            shorten(hour)
            _ends_at(b, device, hour, 1.0)
        # The listening connections are cut: each replica listens again and hears the next
        # edit as quickly.
        with engine.begin() as connection:
            cut = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": APPLICATION_NAME},
            ).scalar()
        assert cut == 2
        deadline = time.monotonic() + 10
        while not (_listening(url_a) and _listening(url_b)):
            assert time.monotonic() < deadline, "the replicas did not listen again"
            time.sleep(0.1)
        shorten(4)
        _ends_at(b, device, 4, 1.0)
    engine.dispose()


def test_a_takeover_confirmed_on_one_replica_nudges_a_screen_streaming_from_the_other(
    two_replicas: tuple[str, str, str],
) -> None:
    pg_url, url_a, url_b = two_replicas
    engine = create_db_engine(pg_url)
    world = World.build(engine, secret=SECRET)
    engine.dispose()
    deadline = time.monotonic() + 10
    while not (_listening(url_a) and _listening(url_b)):
        assert time.monotonic() < deadline, "the replicas are not listening"
        time.sleep(0.1)
    with httpx.Client(base_url=url_a) as a:
        screen, creative = _estate(a, world)
        with read_events(url_b, screen["device_token"]) as stream:
            stream.expect("ready")
            created = a.post(
                "/v1/takeovers",
                json={
                    "creative_ids": [creative["id"]],
                    "target": {},
                    "ends_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
                    "reason": "Disorder in the city centre",
                },
                headers=world.headers("force_a_editor"),
            ).json()
            confirmed = a.post(
                f"/v1/takeovers/{created['id']}/confirm",
                headers=world.headers("force_a_approver"),
            )
            assert confirmed.status_code == 200, confirmed.text
            at = time.monotonic()
            # NOTIFY's doing: while listening the version is checked only every 5 s.
            stream.expect("playlist", timeout=2)
            assert time.monotonic() - at < 2
        device = {"Authorization": f"Bearer {screen['device_token']}"}
        with httpx.Client(base_url=url_b) as b:
            body = b.get("/v1/player/playlist", headers=device).json()
    assert body["timeline"][0]["items"][0]["creative_id"] == creative["id"]
