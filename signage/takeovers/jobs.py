"""Timed work of takeovers: the audit record of each one that ended by itself."""

from sqlmodel import Session

from signage.core.jobs import Job, JobContext
from signage.takeovers.service import record_ends


def record_takeover_ends(session: Session, context: JobContext) -> str:
    return f"recorded the end of {record_ends(session, context.now)} takeovers"


def takeover_jobs() -> list[Job]:
    # Often: the log should say a takeover ended soon after it did (its screens do not wait
    # for this; the end is in their playlist already).
    return [Job(id="takeovers.record_ends", interval_seconds=30, body=record_takeover_ends)]
