"""Every timed job of the service, gathered from the domains that own them.

This sits on top of the domains, beside ``app.py`` and ``cli.py``: ``signage.core.jobs`` only
knows how to run jobs under the lease, never which jobs there are.
"""

from collections.abc import Callable

from signage.core.jobs import Job, prune_job_runs
from signage.player.jobs import pairing_jobs
from signage.plays.jobs import play_jobs
from signage.screens.jobs import screen_jobs
from signage.takeovers.jobs import takeover_jobs


def default_jobs(*, flush_seen: Callable[[], object] | None = None) -> list[Job]:
    """Every timed job. ``flush_seen`` writes this process's buffered screen sightings before
    the offline check reads them (the serving process passes it; a lone scheduler has none)."""
    core = [Job(id="core.prune_job_runs", interval_seconds=86400, body=prune_job_runs)]
    return [
        *screen_jobs(flush_seen=flush_seen),
        *play_jobs(),
        *pairing_jobs(),
        *takeover_jobs(),
        *core,
    ]
