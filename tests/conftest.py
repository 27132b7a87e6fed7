"""Fixtures: every database test runs on SQLite and on PostgreSQL, each on a fresh schema.

The schema is built by running the migrations (never ``create_all``). PostgreSQL gets a new
database per test session (dropped at the end); each test then starts from empty tables. SQLite
gets a copy of a migrated template file per test.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

import signage.tables  # noqa: F401  (every table on the metadata)
from signage.app import create_app
from signage.core.config import Settings
from signage.core.db import create_db_engine
from signage.core.migrate import upgrade_to_head
from tests.factories import World, make_campaign, png_bytes, post_creative, run_ffmpeg
from tests.live import LiveServer, serve_in_thread
from tests.seaweed import S3Server, seaweedfs

PG_ADMIN_DSN = os.environ.get("SIGNAGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run (and this xdist worker), migrated to head."""
    name = f"signage_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    upgrade_to_head(url)
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_pg_database() -> Iterator[str]:
    """An empty PostgreSQL database of its own (not migrated), dropped afterwards."""
    name = f"signage_fresh_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_to_head(f"sqlite:///{path}")
    return path


def _empty_postgres(url: str) -> None:
    engine = create_db_engine(url)
    try:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "signage.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    _empty_postgres(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=SECRET,
        pairing_poll_interval_seconds=1,
        # Tests that need the timed jobs build their scheduler themselves.
        run_jobs=False,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    # Unhooks the app's commit listener even when no lifespan ran (the engine alone is not it).
    application.state.playlist_state.close()
    application.state.engine.dispose()


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    result: Engine = app.state.engine
    return result


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as db:
        yield db


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def world(engine: Engine, settings: Settings) -> World:
    """Organisations and users of every kind and role, with their access tokens."""
    return World.build(engine, secret=SECRET)


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The app under a real uvicorn on a free loopback port, for behaviour that is about HTTP."""
    with serve_in_thread(app) as server:
        yield server


@pytest.fixture
def approved_creative(client: TestClient, world: World) -> dict[str, Any]:
    """A landscape creative of force A, uploaded by its editor and approved by its approver."""
    campaign = make_campaign(client, world)
    response = post_creative(client, world, campaign["id"], content=png_bytes(160, 90))
    assert response.status_code == 201, response.text
    creative: dict[str, Any] = response.json()
    approved = client.post(
        f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
    )
    assert approved.status_code == 200, approved.text
    return creative


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the videos the tests make with ffmpeg."""
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        # A failure, not a skip: `make test` installs ffmpeg, so its absence is a broken setup.
        pytest.fail("needs Debian's ffmpeg package (apt-get install ffmpeg)")
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="session")
def mp4_bytes(video_dir: Path) -> bytes:
    """2 s of 320x240 H.264."""
    path = video_dir / "creative-clip.mp4"
    run_ffmpeg(
        *("-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=25"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
        str(path),
    )
    return path.read_bytes()


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3-compatible store (SeaweedFS), one per test process, with one bucket."""
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server
