"""What operators watch, in the Prometheus text format at `GET /metrics` (prometheus-client).

With several worker processes (`signage serve --workers N`), each process writes its counts to
files in `PROMETHEUS_MULTIPROC_DIR` (set by `signage serve` before the workers start) and
whichever worker answers the scrape sums them all: prometheus-client's multiprocess mode. In
one process the counts are kept in memory.

Counting a poll is one increment of a pre-bound counter: the poll's path stays free of any
other work. What is cheaper to read at scrape time than to count (the screens online, the
share of polls answered 304, the snapshot this process holds) is computed when scraped.
"""

import hmac
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

POLLS = Counter("signage_polls", "Player polls answered, by HTTP status", ["status"])
# Bound once: the poll increments one of these and does nothing else for the metrics.
POLLS_BY_STATUS = {status: POLLS.labels(str(status)) for status in (200, 304, 401, 405, 503)}
REFRESH_SECONDS = Histogram(
    "signage_snapshot_refresh_seconds",
    "Reading what changed into this process's snapshot (incremental) or everything (full)",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
COMPILE_SECONDS = Histogram(
    "signage_snapshot_compile_seconds",
    "Compiling the playlists a new snapshot needs, before it is published",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PLAYS = Counter("signage_plays_ingested", "Proof-of-play records received, by outcome", ["result"])
JOB_RUNS = Counter("signage_job_runs", "Timed job runs, by job and outcome", ["job", "outcome"])
DATABASE_ERRORS = Counter(
    "signage_database_errors",
    "Database failures: a request answered 503, a snapshot refresh or a write of reports failed",
    ["where"],
)


class ScrapeTime(Collector):
    """Values read when scraped: ``read`` returns (name, help, value) triples; any failure
    (a database that is down) leaves them out rather than failing the scrape."""

    def __init__(self, read: Callable[[], Iterable[tuple[str, str, float]]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        try:
            values = list(self._read())
        except Exception:
            DATABASE_ERRORS.labels("metrics").inc()
            return
        for name, documentation, value in values:
            yield GaugeMetricFamily(name, documentation, value=value)


def _polls_by_status(families: Iterable[Metric]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for family in families:
        if family.name != "signage_polls":
            continue
        for sample in family.samples:
            if sample.name == "signage_polls_total":
                status = sample.labels["status"]
                totals[status] = totals.get(status, 0.0) + sample.value
    return totals


def render(extra: Callable[[], Iterable[tuple[str, str, float]]]) -> tuple[bytes, str]:
    """The metrics of every worker (or of this process), with the scrape-time values and the
    share of polls answered 304; the body and its content type."""
    directory = os.environ.get(MULTIPROCESS_DIR)
    registry: Any
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    polls = _polls_by_status(registry.collect())
    answered = polls.get("200", 0.0) + polls.get("304", 0.0)

    ratio = (
        "signage_poll_not_modified_ratio",
        "Share of playlist polls (200 or 304) answered 304 since the processes started",
        polls.get("304", 0.0) / answered if answered else 0.0,
    )
    scrape = CollectorRegistry()
    scrape.register(ScrapeTime(lambda: [ratio]))
    scrape.register(ScrapeTime(extra))
    return generate_latest(registry) + generate_latest(scrape), CONTENT_TYPE_LATEST


ScrapeValues = Callable[[], Iterable[tuple[str, str, float]]]
router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"description": "The Prometheus text format", "content": {CONTENT_TYPE_LATEST: {}}},
        401: {"description": "`SIGNAGE_METRICS_TOKEN` is set and was not sent as a bearer token"},
    },
)
def metrics(request: Request) -> Response:
    """Counters and timings of every worker, for Prometheus: polls by status and the share
    answered 304, snapshot refresh and compile durations, screens online, plays ingested, job
    runs, database errors. Open unless `SIGNAGE_METRICS_TOKEN` is set (then a bearer token)."""
    wanted = request.app.state.settings.metrics_token
    if wanted:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip(), wanted):
            raise HTTPException(
                401, "Send the metrics token as a bearer token", {"WWW-Authenticate": "Bearer"}
            )
    extra: ScrapeValues = getattr(request.app.state, "scrape_values", lambda: ())
    body, content_type = render(extra)
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
