"""Request ids on every answer, and the opt-in JSON logs that carry them."""

import json
import re
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from tests.live import signage_serve


def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{16}", made.headers["x-request-id"])
    assert client.get("/healthz").headers["x-request-id"] != made.headers["x-request-id"]
    given = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a-0001"})
    assert given.headers["x-request-id"] == "edge-7f3a-0001"
    # Nothing that could forge a log line or flood it is taken from a client.
    for bad in ("short", "a b c d e f g h", "x" * 200, "evil\u00e9id123"):
        answered = client.get("/healthz", headers={"X-Request-ID": bad.encode("utf-8")})
        assert re.fullmatch(r"[0-9a-f]{16}", answered.headers["x-request-id"]), bad
    refused = client.get("/v1/schedules", headers={"X-Request-ID": "edge-7f3a-0002"})
    assert refused.status_code == 401
    assert refused.headers["x-request-id"] == "edge-7f3a-0002"


def test_json_logs_are_one_object_a_line_with_the_request_id(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = {"SIGNAGE_LOG_FORMAT": "json"}
    with signage_serve(tmp_path, "--no-jobs", "--access-log", env=env, output=log) as url:
        answered = httpx.get(f"{url}/healthz", headers={"X-Request-ID": "edge-7f3a-0003"})
        assert answered.headers["x-request-id"] == "edge-7f3a-0003"
        deadline = time.monotonic() + 5
        while "edge-7f3a-0003" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    lines = log.read_text().splitlines()
    # uvicorn's first lines come before the app (and its log settings) are loaded.
    started = next(i for i, line in enumerate(lines) if line.startswith("{"))
    records = [json.loads(line) for line in lines[started:] if line.strip()]
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    access = [r for r in records if r.get("request_id") == "edge-7f3a-0003"]
    assert access, records
    assert access[0]["logger"] == "uvicorn.access"
    assert "GET /healthz" in access[0]["message"]
