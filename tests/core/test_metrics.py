"""`GET /metrics`, read by prometheus-client's own parser: what the poll, the refresh, plays and
jobs count, what is read at scrape time, and the sum over worker processes."""

import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from signage.core.config import Settings
from signage.core.jobs import Job, run_job
from tests.factories import World, make_screen, make_venue, post_plays
from tests.live import LiveServer, signage_serve
from tests.player.test_hotpath import device, on_air_now

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _metrics(url: str, **headers: str) -> Samples:
    response = httpx.get(f"{url}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return scrape(response.text)


def test_metrics_count_polls_refreshes_plays_and_jobs_over_http(
    app: FastAPI,
    client: TestClient,
    world: World,
    approved_creative: dict[str, Any],
    live_server: LiveServer,
    engine: Engine,
    settings: Settings,
) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    on_air_now(client, world, approved_creative["id"])
    before = _metrics(live_server.url)
    poll = f"{live_server.url}/v1/player/playlist"
    first = httpx.get(poll, headers=device(screen["device_token"]))
    assert first.status_code == 200
    for _ in range(3):
        again = httpx.get(
            poll, headers={**device(screen["device_token"]), "If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
    assert httpx.get(poll, headers=device("sgd_not_a_token")).status_code == 401
    played = post_plays(
        client,
        screen,
        [
            {
                "id": "6f1c1d52-3c57-4b52-9a55-4d0e4d8c1a01",
                "creative_id": approved_creative["id"],
                "started_at": datetime.now(UTC).isoformat(),
                "duration_ms": 1000,
            },
            {
                "id": "not-a-uuid",
                "creative_id": approved_creative["id"],
                "started_at": datetime.now(UTC).isoformat(),
                "duration_ms": 1000,
            },
        ],
    )
    assert played.status_code == 200, played.text
    run_job(engine, settings, Job("metrics-test", 60, lambda *_: "done"), holder="test")
    app.state.seen.flush(engine)  # "last seen" as the background flush writes it

    after = _metrics(live_server.url)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("signage_polls_total", status="200") == 1
    assert delta("signage_polls_total", status="304") == 3
    assert delta("signage_polls_total", status="401") == 1
    assert delta("signage_plays_ingested_total", result="accepted") == 1
    assert delta("signage_plays_ingested_total", result="rejected") == 1
    assert delta("signage_job_runs_total", job="metrics-test", outcome="ok") == 1
    assert value(after, "signage_snapshot_refresh_seconds_count", kind="full") >= 1
    assert value(after, "signage_snapshot_compile_seconds_count") >= 1
    assert value(after, "signage_screens_online") == 1
    assert value(after, "signage_snapshot_screens") == 1
    assert value(after, "signage_snapshot_playlists") == 1
    ratio = value(after, "signage_poll_not_modified_ratio")
    polls_200 = value(after, "signage_polls_total", status="200")
    polls_304 = value(after, "signage_polls_total", status="304")
    assert ratio == polls_304 / (polls_200 + polls_304)


def test_a_metrics_token_is_asked_for_when_set(
    settings: Settings, live_server: LiveServer, app: FastAPI
) -> None:
    app.state.settings = settings.model_copy(update={"metrics_token": "m" * 32})
    refused = httpx.get(f"{live_server.url}/metrics")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["status"] == 401
    wrong = httpx.get(f"{live_server.url}/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    samples = _metrics(live_server.url, Authorization="Bearer " + "m" * 32)
    assert ("signage_poll_not_modified_ratio", ()) in samples


def _counter_files(directory: Path) -> Iterable[Path]:
    return directory.glob("counter_*.db")


def test_two_workers_report_the_sum_of_their_counts(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    with signage_serve(tmp_path, "--workers", "2", "--no-jobs", env=env) as url:
        polls = 60
        for _ in range(polls):
            # A connection each, so that the kernel hands them to either worker.
            with httpx.Client() as fresh:
                response = fresh.get(f"{url}/v1/player/playlist", headers=device("sgd_nobody"))
                assert response.status_code == 401
        totals = {value(_metrics(url), "signage_polls_total", status="401") for _ in range(6)}
        workers = {path.name for path in _counter_files(metrics_dir)}
    assert totals == {polls}  # whichever worker answered the scrape
    assert len(workers) >= 2, workers
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None  # the test's own process: in memory
