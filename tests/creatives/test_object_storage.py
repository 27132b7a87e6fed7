"""Media on an S3-compatible store: a real SeaweedFS started by the tests, not a mock.

The same API as on the local folder: upload, serve (whole, ranged, HEAD, 304), thumbnails,
delete; and a store that does not answer is a clear 503 with Retry-After, never a 500.
"""

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import obstore
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from signage.app import create_app
from signage.core.config import Settings
from signage.media.object_store import ObjectMediaStore, s3_store
from tests.factories import World, make_campaign, png_bytes, post_creative
from tests.live import free_port
from tests.seaweed import S3Server


@pytest.fixture
def s3_app(
    settings: Settings, s3: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[FastAPI]:
    for name, value in s3.environ.items():
        monkeypatch.setenv(name, value)
    prefix = f"test-{tmp_path.name}"  # each test its own prefix in the one bucket
    application = create_app(
        settings.model_copy(update={"media_url": f"s3://{s3.bucket}/{prefix}"})
    )
    yield application
    application.state.playlist_state.close()
    application.state.engine.dispose()


@pytest.fixture
def s3_client(s3_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(s3_app, raise_server_exceptions=False) as test_client:
        yield test_client


def _upload(client: TestClient, world: World, content: bytes) -> dict[str, Any]:
    campaign = make_campaign(client, world)
    response = post_creative(client, world, campaign["id"], content=content)
    assert response.status_code == 201, response.text
    creative: dict[str, Any] = response.json()
    return creative


def test_uploads_are_stored_in_the_bucket_and_served_whole_ranged_and_cached(
    s3_app: FastAPI, s3_client: TestClient, world: World
) -> None:
    store = s3_app.state.media_store
    assert isinstance(store, ObjectMediaStore)
    content = png_bytes(640, 360)
    creative = _upload(s3_client, world, content)
    sha256 = creative["sha256"]
    stored = store.open(sha256)
    with stored:
        kept = stored.read()
    assert hashlib.sha256(kept).hexdigest() == sha256  # the checked file, under its hash
    assert store.path_for(sha256) is None  # nothing is served from a local disk

    whole = s3_client.get(f"/media/{sha256}")
    assert whole.status_code == 200
    assert hashlib.sha256(whole.content).hexdigest() == sha256
    assert whole.headers["content-type"] == "image/png"
    assert int(whole.headers["content-length"]) == len(kept)

    ranged = s3_client.get(f"/media/{sha256}", headers={"Range": "bytes=10-99"})
    assert ranged.status_code == 206
    assert ranged.content == kept[10:100]
    assert ranged.headers["content-range"] == f"bytes 10-99/{len(kept)}"
    tail = s3_client.get(f"/media/{sha256}", headers={"Range": "bytes=-16"})
    assert tail.content == kept[-16:]
    past = s3_client.get(f"/media/{sha256}", headers={"Range": f"bytes={len(kept)}-"})
    assert past.status_code == 416

    head = s3_client.head(f"/media/{sha256}")
    assert head.status_code == 200
    assert int(head.headers["content-length"]) == len(kept)
    cached = s3_client.get(f"/media/{sha256}", headers={"If-None-Match": f'"{sha256}"'})
    assert cached.status_code == 304


def test_deleting_the_last_creative_of_a_file_deletes_the_object(
    s3_app: FastAPI, s3_client: TestClient, world: World
) -> None:
    store = s3_app.state.media_store
    creative = _upload(s3_client, world, png_bytes(300, 200))
    sha256 = creative["sha256"]
    assert store.exists(sha256)
    deleted = s3_client.delete(
        f"/v1/creatives/{creative['id']}", headers=world.headers("force_a_editor")
    )
    assert deleted.status_code == 204, deleted.text
    assert not store.exists(sha256)
    assert s3_client.get(f"/media/{sha256}").status_code == 404


def test_thumbnails_live_in_the_bucket_too(
    s3: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in s3.environ.items():
        monkeypatch.setenv(name, value)
    store = ObjectMediaStore(s3_store(f"s3://{s3.bucket}/thumbs-{tmp_path.name}"), tmp_path)
    sha256 = hashlib.sha256(b"poster").hexdigest()
    assert store.read_thumbnail(sha256) is None
    store.save_thumbnail(sha256, b"\xff\xd8jpeg")
    assert store.read_thumbnail(sha256) == b"\xff\xd8jpeg"
    store.delete(sha256)
    assert store.read_thumbnail(sha256) is None
    raw = s3_store(f"s3://{s3.bucket}")
    assert not list(obstore.list(raw, f"thumbs-{tmp_path.name}").collect())


def test_a_store_that_does_not_answer_is_a_clear_503(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch, s3: S3Server
) -> None:
    for name, value in s3.environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nobody there
    app = create_app(settings.model_copy(update={"media_url": f"s3://{s3.bucket}/gone"}))
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            sha256 = hashlib.sha256(b"anything").hexdigest()
            served = client.get(f"/media/{sha256}")
            assert served.status_code == 503, served.text
            assert served.headers["retry-after"] == "5"
            assert served.json()["status"] == 503
            campaign = make_campaign(client, world)
            uploaded = post_creative(client, world, campaign["id"], content=png_bytes())
            assert uploaded.status_code == 503, uploaded.text
            assert "media store" in uploaded.json()["detail"]
    finally:
        app.state.playlist_state.close()
        app.state.engine.dispose()
