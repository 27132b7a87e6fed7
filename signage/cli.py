"""The `signage` command: serve, scheduler, migrate, create-user."""

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from signage.core import serving
from signage.core.config import ConfigurationError, get_settings
from signage.core.db import create_db_engine, session_scope
from signage.core.errors import Problem
from signage.core.metrics import MULTIPROCESS_DIR
from signage.core.migrate import new_revision, upgrade_to_head
from signage.core.roles import OrganisationKind, Role


class _Signage(typer.Typer):
    """A setting that cannot work ends any command with one line naming it, and exit code 2."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except ConfigurationError as exc:
            typer.echo(f"configuration error: {exc}", err=True)
            raise SystemExit(2) from None


app = _Signage(help="Digital-signage playlist server for night-time public-safety campaigns.")

DataDir = Annotated[
    Path | None,
    typer.Option(help="Data folder (default ./data or SIGNAGE_DATA_DIR).", show_default=False),
]


def _use_data_dir(data_dir: Path | None) -> None:
    # Through the environment, so uvicorn worker processes see the same setting.
    if data_dir is not None:
        os.environ["SIGNAGE_DATA_DIR"] = str(data_dir)
        get_settings.cache_clear()


def _migrate() -> None:
    settings = get_settings()
    settings.effective_secret_key  # noqa: B018  (fail before serving, not on first login)
    upgrade_to_head(settings.effective_database_url)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    data_dir: DataDir = None,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
    jobs: Annotated[
        bool,
        typer.Option(
            help="Run the timed jobs here (under the jobs lease: one process of all workers "
            "and replicas runs them). --no-jobs when `signage scheduler` runs them instead."
        ),
    ] = True,
) -> None:
    """Apply pending migrations, then serve the API, console and web player on one port."""
    _use_data_dir(data_dir)
    if not jobs:
        # Through the environment, so uvicorn worker processes see it too.
        os.environ["SIGNAGE_RUN_JOBS"] = "false"
        get_settings.cache_clear()
    _migrate()
    if workers > 1 and not os.environ.get(MULTIPROCESS_DIR):
        # Each worker writes its metrics here and /metrics sums them (prometheus-client's
        # multiprocess mode); a new folder per start, so no dead worker's counts linger.
        os.environ[MULTIPROCESS_DIR] = tempfile.mkdtemp(prefix="signage-metrics-")
    _run_server(host=host, port=port, workers=workers, access_log=access_log)


def _run_server(*, host: str, port: int, workers: int, access_log: bool) -> None:
    typer.echo(f"signage: serving on http://{host}:{port} (API docs at /docs)")
    uvicorn.run(
        "signage.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http=serving.PROTOCOL,  # httptools with bounded headers
        access_log=access_log,
        proxy_headers=True,
        # Screens' event streams never finish by themselves: at shutdown they are cut after
        # this long (the screens reconnect, to another replica if there is one).
        timeout_graceful_shutdown=3,
    )


@app.command()
def scheduler(data_dir: DataDir = None) -> None:
    """Run the timed jobs alone, without serving (until stopped with Ctrl-C or SIGTERM).

    Safe beside `signage serve`: only the process holding the jobs lease runs them. Set
    SIGNAGE_RUN_JOBS=false on the servers to leave the jobs to this process.
    """
    import logging
    import signal
    import threading

    from signage.core.jobs import JobScheduler
    from signage.jobs import default_jobs

    _use_data_dir(data_dir)
    _migrate()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    settings = get_settings()
    engine = create_db_engine(settings.effective_database_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    jobs = JobScheduler(engine, settings, default_jobs())
    jobs.start()
    typer.echo("signage: running the timed jobs (they run only while this process holds the lease)")
    try:
        stop.wait()
    finally:
        jobs.shutdown()
        engine.dispose()


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: DataDir = None,
    serve_it: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve right after seeding.")
    ] = True,
) -> None:
    """Seed a demo (organisations, users, a pub with two screens, a takeaway whose screen is
    offline, Walk Away artwork on air for a week with its plays, a poster awaiting approval)
    and serve it: sign in to the printed console URL, open the player URLs to watch it play."""
    from signage.core.types import utcnow
    from signage.demo.seed import seed_demo

    _use_data_dir(data_dir)
    _migrate()
    settings = get_settings()
    engine = create_db_engine(settings.effective_database_url)
    try:
        made = seed_demo(engine, settings, today=utcnow().date())
    finally:
        engine.dispose()
    base = settings.public_url or f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"
    typer.echo(f"\nsignage demo: the console is at {base}/console (API docs at {base}/docs)")
    typer.echo(f"Sign in to the console as any of these (password {made.password}):")
    for login in made.logins:
        typer.echo(f"  {login.email:<30} {login.role:<9} {login.organisation}")
    typer.echo("Screens: open each URL in a browser (F11 for full screen):")
    for screen in made.screens:
        typer.echo(
            f"  {screen.name} ({screen.orientation}): {base}/player/?token={screen.device_token}"
        )
    typer.echo("")
    if serve_it:
        _run_server(host=host, port=port, workers=1, access_log=False)


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Bring the database schema up to date."""
    _use_data_dir(data_dir)
    _migrate()
    typer.echo("signage: database is at the latest migration")


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="Login email.")],
    password: Annotated[str, typer.Option(help="Password (8 characters or more).")],
    role: Annotated[Role, typer.Option(help="admin, editor, approver or partner.")],
    organisation: Annotated[str, typer.Option(help="Organisation name; created if missing.")],
    kind: Annotated[
        OrganisationKind, typer.Option(help="Kind of a new organisation.")
    ] = OrganisationKind.national,
    data_dir: DataDir = None,
) -> None:
    """Create a user, and its organisation if there is none of that name yet."""
    from signage.organisations import service as organisations
    from signage.users import service as users
    from signage.users.models import UserCreate

    _use_data_dir(data_dir)
    _migrate()
    try:
        checked = UserCreate(email=email, password=password, role=role, organisation_id="-")
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    engine = create_db_engine(get_settings().effective_database_url)
    try:
        for session in session_scope(engine):
            found = organisations.find_by_name(session, organisation.strip())
            if found is not None and found.kind != kind:
                typer.echo(
                    f"error: organisation {organisation!r} exists and is a {found.kind}, "
                    f"not a {kind.value}",
                    err=True,
                )
                raise typer.Exit(2)
            org = found or organisations.create_organisation(
                session, name=organisation.strip(), kind=kind
            )
            user = users.create_user(
                session, email=checked.email, password=password, role=role, organisation=org
            )
            typer.echo(f"created {user.role} {user.email} in {org.name} ({org.kind}) id={user.id}")
    except Problem as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


@app.command("make-migration", hidden=True)
def make_migration(message: str) -> None:
    """(Developers) write a migration for model changes, against a scratch SQLite database."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        new_revision(f"sqlite:///{scratch}/scratch.db", message)
