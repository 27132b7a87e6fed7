"""Timed work on plays: nightly rollups and the retention period of raw plays."""

from sqlmodel import Session

from signage.core.jobs import Job, JobContext, last_success
from signage.plays.rollup import apply_retention, nights_to_roll, roll_up

ROLLUP_JOB = "plays.rollup"
RETENTION_JOB = "plays.retention"


def rollup_plays(session: Session, context: JobContext) -> str:
    nights = nights_to_roll(
        session,
        now=context.now,
        since=context.last_success,
        retention_days=context.settings.play_retention_days,
    )
    rows = roll_up(session, nights=nights)
    return f"recomputed {len(nights)} nights ({rows} rows)"


def expire_plays(session: Session, context: JobContext) -> str:
    deleted = apply_retention(
        session,
        now=context.now,
        retention_days=context.settings.play_retention_days,
        rolled_up_at=last_success(session, ROLLUP_JOB),
    )
    return f"deleted {deleted} plays past the retention period"


def play_jobs() -> list[Job]:
    return [
        Job(id=ROLLUP_JOB, interval_seconds=600, body=rollup_plays),
        Job(id=RETENTION_JOB, interval_seconds=3600, body=expire_plays),
    ]
