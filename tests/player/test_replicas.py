"""Two real `signage serve` processes on one PostgreSQL database: an edit made through one is
seen by a screen polling the other within a second."""

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from signage.core.db import create_db_engine
from signage.core.migrate import upgrade_to_head
from tests.conftest import SECRET
from tests.factories import World, png_bytes, schedule_body
from tests.live import free_port

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
        screen = a.post(
            "/v1/screens",
            json={"venue_id": venue["id"], "name": "Bar"},
            headers=world.headers("partner_1"),
        ).json()
        campaign = a.post("/v1/campaigns", json={"name": "Walk Away"}, headers=editor).json()
        creative = a.post(
            "/v1/creatives",
            data={"campaign_id": campaign["id"], "name": "Poster"},
            files={"file": ("p.png", png_bytes(), "image/png")},
            headers=editor,
        ).json()
        a.post(f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver"))
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
