"""Timed work of the pairing flow: remove pairing codes that have expired."""

from sqlmodel import Session

from signage.core.jobs import Job, JobContext
from signage.player.pairing import purge_expired


def purge_pairings(session: Session, _context: JobContext) -> str:
    return f"removed {purge_expired(session)} expired pairing codes"


def pairing_jobs() -> list[Job]:
    return [Job(id="player.purge_pairings", interval_seconds=300, body=purge_pairings)]
