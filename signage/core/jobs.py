"""Timed jobs: APScheduler 3 in the background, running only while this process holds the lease.

Each job has an explicit id, an interval, and an idempotent body that takes a session (the
wrapper commits, as a request does) and returns a one-line summary. Every run is recorded in
``job_runs`` in the same transaction as its work, so "the last successful run of X started at
T" is exact; the plays retention job relies on that. Runs in one process are serial (one
worker thread) and coalesced; ``max_instances=1``.

Domains declare their jobs in their own ``jobs.py``; ``signage/jobs.py`` gathers them.
``signage serve`` runs the scheduler in each worker; the lease (see `signage.core.lease`)
makes sure only one of them, across processes and replicas, actually runs the jobs.
"""

import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, delete, func
from sqlmodel import Field, Session, SQLModel, col, select

from signage.core.config import Settings
from signage.core.db import session_scope
from signage.core.lease import Lease, lease_for
from signage.core.metrics import JOB_RUNS
from signage.core.models import id_field, instant_field
from signage.core.types import utcnow

logger = logging.getLogger("signage.jobs")

LEASE_RETRY_SECONDS = 30.0
MIN_INTERVAL_SECONDS = 0.2
JOB_RUNS_KEPT = timedelta(days=7)


class JobRun(SQLModel, table=True):
    """One run of a timed job: which process ran it, when, and what it did."""

    __tablename__ = "job_runs"

    id: str = id_field()
    job_id: str = Field(max_length=64, index=True)
    holder: str = Field(max_length=200)
    started_at: datetime = instant_field(nullable=False, index=True)
    finished_at: datetime = instant_field(nullable=False)
    ok: bool
    detail: str = Field(default="", max_length=1000)


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    now: datetime
    # When this job's last successful run started (None: never), for incremental work.
    last_success: datetime | None


@dataclass(frozen=True)
class Job:
    id: str
    interval_seconds: float
    body: Callable[[Session, JobContext], str]
    # Runs first, outside the transaction (e.g. flush this process's buffered sightings).
    before: Callable[[], object] | None = None


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def last_success(session: Session, job_id: str) -> datetime | None:
    started: datetime | None = session.exec(
        select(func.max(col(JobRun.started_at))).where(
            col(JobRun.job_id) == job_id, col(JobRun.ok).is_(True)
        )
    ).one()
    return started


def prune_job_runs(session: Session, context: JobContext) -> str:
    result = session.execute(
        delete(JobRun).where(col(JobRun.started_at) < context.now - JOB_RUNS_KEPT)
    )
    return f"removed {result.rowcount} old job runs"  # type: ignore[attr-defined]


def run_job(engine: Engine, settings: Settings, job: Job, *, holder: str) -> JobRun:
    """Run one job now, in its own transaction, and record the run. Never raises."""
    started = utcnow()
    try:
        if job.before is not None:
            job.before()
        for session in session_scope(engine):
            context = JobContext(
                settings=settings, now=started, last_success=last_success(session, job.id)
            )
            detail = job.body(session, context)
            run = JobRun(
                job_id=job.id,
                holder=holder,
                started_at=started,
                finished_at=utcnow(),
                ok=True,
                detail=detail[:1000],
            )
            session.add(run)
        logger.info("job %s: %s", job.id, detail)
        JOB_RUNS.labels(job.id, "ok").inc()
        return run
    except Exception as exc:
        logger.exception("job %s failed", job.id)
        JOB_RUNS.labels(job.id, "failed").inc()
        run = JobRun(
            job_id=job.id,
            holder=holder,
            started_at=started,
            finished_at=utcnow(),
            ok=False,
            detail=f"{type(exc).__name__}: {exc}"[:1000],
        )
        try:
            for session in session_scope(engine):
                session.add(run)
        except Exception:
            logger.exception("could not record the failed run of job %s", job.id)
        return run


class JobScheduler:
    """The jobs of one process, run in the background while it holds the lease."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        jobs: Sequence[Job],
        *,
        lease: Lease | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.jobs = list(jobs)
        self.lease = lease or lease_for(settings.effective_database_url)
        self.holder = holder_name()
        self._scheduler = BackgroundScheduler(
            timezone="UTC",
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )

    def _seconds(self, base: float) -> float:
        return max(base * self.settings.job_interval_scale, MIN_INTERVAL_SECONDS)

    def keep_lease(self) -> bool:
        """Take the lease if it is free, or confirm it is still ours."""
        held = self.lease.try_acquire()
        if held:
            logger.debug("%s holds the jobs lease", self.holder)
        return held

    def _run(self, job: Job) -> None:
        if not self.lease.check():
            return  # another process runs the jobs
        run_job(self.engine, self.settings, job, holder=self.holder)

    def start(self) -> None:
        self._scheduler.add_job(
            self.keep_lease,
            "interval",
            seconds=self._seconds(LEASE_RETRY_SECONDS),
            id="core.lease",
            next_run_time=utcnow(),
            replace_existing=True,
        )
        for job in self.jobs:
            self._scheduler.add_job(
                self._run,
                "interval",
                args=[job],
                seconds=self._seconds(job.interval_seconds),
                id=job.id,
                replace_existing=True,
            )
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        self.lease.release()
