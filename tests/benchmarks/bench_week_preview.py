"""Benchmark of Week at a glance and Preview:
`uv run python tests/benchmarks/bench_week_preview.py`.

Seeds the fleet of bench_console.py (default 10,000 screens in 2,000 venues under 1,000
schedules; see tests/schedules/fleet.py) in a fresh SQLite database (or `--database-url` for an
empty PostgreSQL one) and times, in process, for a national editor: a screen's week, the
subject schedule's week, the preview of a screen at a Saturday evening and one of its
thumbnails' permission check (median and worst of `--repeat` requests each). The fleet is
harsh on the screen pages: about 800 schedules target every screen.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from signage.app import create_app
from signage.console import sessions
from signage.core.config import Settings
from signage.core.db import create_db_engine
from signage.core.migrate import upgrade_to_head
from signage.core.roles import OrganisationKind, Role
from signage.organisations.models import Organisation
from signage.users.models import User
from tests.schedules.fleet import seed_fleet

SECRET = "benchmark-secret-key-benchmark-secret-key"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--screens", type=int, default=10_000)
    parser.add_argument("--venues", type=int, default=2_000)
    parser.add_argument("--configurations", type=int, default=40)
    parser.add_argument("--schedules", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{folder / 'signage.db'}"
    upgrade_to_head(url)
    engine = create_db_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        national = Organisation(name="National", kind=OrganisationKind.national)
        forces = [Organisation(name=f"Force {i}", kind=OrganisationKind.force) for i in range(4)]
        partner = Organisation(name="Partner", kind=OrganisationKind.partner)
        session.add_all([national, *forces, partner])
        session.flush()
        editor = User(
            email="e@example.org", password_hash="x", role=Role.editor, organisation_id=national.id
        )
        session.add(editor)
        session.commit()
    fleet = seed_fleet(
        engine,
        owner_id=national.id,
        editor_id=editor.id,
        partner_id=partner.id,
        force_ids=[f.id for f in forces],
        screens=args.screens,
        venues=args.venues,
        configurations=args.configurations,
        extra_schedules=max(0, args.schedules - 7),
    )
    settings = Settings(
        data_dir=folder / "data", database_url=url, secret_key=SECRET, run_jobs=False
    )
    app = create_app(settings)
    screen = fleet.screen_ids[len(fleet.screen_ids) // 2]
    pages = {
        "screen week": f"/console/screens/{screen}/week?from=2026-12-04",
        "schedule week": f"/console/schedules/{fleet.subject_id}/week?from=2026-12-04",
        "preview": f"/console/preview?screen_id={screen}&date=2026-12-05&time=21:30",
        "preview form": "/console/preview",
        "thumbnail check": f"/console/screens/{screen}/thumbnails/{fleet.creative_ids['square']}",
    }
    with TestClient(app) as client:
        cookie = sessions.start(app.state.engine, user_id=editor.id, settings=settings)
        client.cookies.set("console_session", cookie, domain="testserver.local", path="/console")
        for label, path in pages.items():
            times = []
            for _ in range(args.repeat):
                began = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - began) * 1000)
                # The fleet's creatives have no stored files: a permitted thumbnail is a 404
                # only at the media store, after the check this times.
                assert response.status_code in (200, 404), (label, response.text[:500])
            print(
                f"GET {label}: median {statistics.median(times):.1f} ms, "
                f"worst {max(times):.1f} ms, first {times[0]:.1f} ms"
            )


if __name__ == "__main__":
    main()
