"""Timed work on screens: record when screens go offline and come back."""

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session

from signage.core.jobs import Job, JobContext
from signage.screens.outages import close_outages, open_outages

OFFLINE_CHECK_JOB = "screens.offline_check"


def check_offline(session: Session, context: JobContext) -> str:
    closed = close_outages(session)
    opened = open_outages(
        session,
        now=context.now,
        offline_after=timedelta(seconds=context.settings.screen_offline_after_seconds),
    )
    return f"{opened} screens went offline, {closed} came back"


def screen_jobs(*, flush_seen: Callable[[], object] | None = None) -> list[Job]:
    return [Job(id=OFFLINE_CHECK_JOB, interval_seconds=60, body=check_offline, before=flush_seen)]
