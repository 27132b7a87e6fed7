"""Property-based API tests: schemathesis against the app under a real uvicorn, once per role.

Every schemathesis check runs (no server errors; statuses, content types, headers and bodies as
documented; schema-valid input accepted and schema-violating input refused; authentication not
ignored), with a bounded, deterministic set of examples per operation so the job stays short.
Each role gets a database of its own: one role's run revokes screens and deactivates users, and
must not leave the next role only 401s. Settings and their reasons: tests/api_fuzz.toml.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from signage.core.roles import Role
from tests.factories import (
    World,
    add_person,
    make_campaign,
    make_screen,
    make_venue,
    png_bytes,
    schedule_body,
    upload_creative,
)
from tests.live import LiveServer

CONFIG = Path(__file__).with_name("api_fuzz.toml")
# Known defects the run tolerates until they are fixed, each with its reason and where it lies;
# any other failure fails the test.
BASELINE = Path(__file__).with_name("api_fuzz_baseline.json")
# Test cases per operation and phase: enough to find the boundary cases (empty, too long, wrong
# type, missing), few enough that one role's run takes well under a minute on two cores.
MAX_EXAMPLES = 8

# Signing out ends the token the run is using: it gets a run of its own (see the last test).
LOGOUT = "/v1/auth/logout"
# persona -> operations it is run against (a device token opens only the player endpoints)
ROLES: dict[str, list[str]] = {
    "national_admin": ["--exclude-path", LOGOUT],
    "force_a_editor": ["--exclude-path", LOGOUT],
    "partner_1": ["--exclude-path", LOGOUT],
    # The events stream never ends by itself (tests/player/test_events_stream.py tests it).
    "device": ["--include-path-regex", "^/v1/player/", "--exclude-path", "/v1/player/events"],
}


def run_schemathesis(
    server: LiveServer,
    token: str,
    workdir: Path,
    selection: list[str],
    environment: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run the CLI against the live server; return its JSON report after printing its output."""
    report = workdir / "schemathesis.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--header",
        f"Authorization: Bearer {token}",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--baseline",
        str(BASELINE),
        "--no-color",
        *selection,
    ]
    # tests/api_fuzz.toml reads the seeded objects' ids from FUZZ_* variables.
    env = {**os.environ, **(environment or {})}
    finished = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    print(finished.stdout[-20000:], finished.stderr[-5000:])
    assert report.exists(), finished.stderr or finished.stdout
    result: dict[str, Any] = json.loads(report.read_text())
    return result


def assert_clean(result: dict[str, Any]) -> None:
    cases = result["test_cases"]
    print(
        f"operations {result['operations']['tested']}/{result['operations']['selected']}, "
        f"test cases {cases['generated']}, failures {cases['unique_failures']}, "
        f"errors {len(result['errors'])}, in {result['running_time']:.1f} s; "
        f"known (baseline) {(result['baseline'] or {}).get('known_ids')}"
    )
    assert result["failures"] == [], json.dumps(result["failures"], indent=1)
    assert result["errors"] == [], json.dumps(result["errors"], indent=1)
    assert result["exit_code"] == 0
    assert result["operations"]["tested"] > 0


@dataclass(frozen=True)
class Seeded:
    """One object of each kind, so operations on ids reach real objects and not only 404s."""

    ids: dict[str, str]  # path parameter -> id
    device_token: str

    def environment(self) -> dict[str, str]:
        return {f"FUZZ_{name.upper()}": value for name, value in self.ids.items()}


def seed(world: World, server: LiveServer) -> Seeded:
    """Partner 1's venue and screen; force A's campaign, approved creative and schedule."""
    with httpx.Client(base_url=server.url) as client:  # it has the TestClient's calls
        venue = make_venue(client, world)
        screen = make_screen(client, world, venue["id"])
        campaign = make_campaign(client, world)
        creative = upload_creative(client, world, campaign["id"], content=png_bytes(160, 90))
        approved = client.post(
            f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
        )
        assert approved.status_code == 200, approved.text
        every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        windows = [{"days": every_day, "start": "00:00", "end": "00:00"}]
        schedule = client.post(
            "/v1/schedules",
            json=schedule_body([creative["id"]], windows=windows, start_date=None),
            headers=world.headers("force_a_editor"),
        )
        assert schedule.status_code == 201, schedule.text
    ids = {
        "venue_id": venue["id"],
        "screen_id": screen["id"],
        "campaign_id": campaign["id"],
        "creative_id": creative["id"],
        "schedule_id": schedule.json()["id"],
        "sha256": creative["sha256"],
        "organisation_id": world.org_id("force_a"),
    }
    return Seeded(ids=ids, device_token=screen["device_token"])


@pytest.mark.parametrize("persona", ROLES)
def test_api_matches_its_document(
    persona: str, world: World, live_server: LiveServer, tmp_path: Path
) -> None:
    seeded = seed(world, live_server)
    token = seeded.device_token if persona == "device" else world.tokens[persona]
    result = run_schemathesis(live_server, token, tmp_path, ROLES[persona], seeded.environment())
    assert_clean(result)


def test_sign_out_matches_its_document(
    app: FastAPI, world: World, live_server: LiveServer, tmp_path: Path
) -> None:
    add_person(
        world,
        app.state.engine,
        persona="leaving_editor",
        org_key="force_a",
        role=Role.editor,
        secret=app.state.secret_key,
    )
    seeded = seed(world, live_server)  # the configuration names the seeded objects
    token = world.tokens["leaving_editor"]
    selection = ["--include-path", LOGOUT]
    assert_clean(run_schemathesis(live_server, token, tmp_path, selection, seeded.environment()))
