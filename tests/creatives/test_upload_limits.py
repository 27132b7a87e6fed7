"""The upload size limit, with a small limit set for these tests only."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from signage.core.config import Settings
from tests.creatives.conftest import chunked, files_under, image_bytes, multipart
from tests.factories import World, post_creative, upload_creative

LIMIT = 50_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with a 50 kB upload limit (set before the app is created)."""
    return settings.model_copy(update={"max_upload_bytes": LIMIT})


def noisy_png(size: int) -> bytes:
    """A PNG of random pixels, which does not compress: about 3 bytes a pixel."""
    import io
    import random

    from PIL import Image

    rng = random.Random(7)
    image = Image.frombytes("RGB", (size, size), rng.randbytes(size * size * 3))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


@pytest.fixture
def big_png() -> bytes:
    content = noisy_png(160)  # about 77 kB, over the limit but within the form allowance
    assert LIMIT < len(content) < 2 * LIMIT
    return content


def test_file_over_the_limit_is_413(
    client: TestClient,
    world: World,
    campaign: dict[str, Any],
    media_root: Path,
    big_png: bytes,
) -> None:
    before = files_under(media_root)
    response = post_creative(client, world, campaign["id"], content=big_png)
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert str(LIMIT) in response.json()["detail"]
    assert files_under(media_root) == before
    assert client.get("/v1/creatives", headers=world.headers("force_a_editor")).json() == []


def test_declared_length_over_the_limit_is_413_before_reading(
    client: TestClient, world: World, campaign: dict[str, Any], media_root: Path
) -> None:
    before = files_under(media_root)
    response = post_creative(client, world, campaign["id"], content=noisy_png(400))
    assert response.status_code == 413
    assert files_under(media_root) == before


def test_chunked_upload_over_the_limit_is_413(
    client: TestClient,
    world: World,
    campaign: dict[str, Any],
    media_root: Path,
    big_png: bytes,
) -> None:
    before = files_under(media_root)
    body, content_type = multipart(
        [
            ("campaign_id", None, campaign["id"].encode()),
            ("name", None, b"Too big"),
            ("file", "big.png", big_png),
        ]
    )

    def stream() -> Iterator[bytes]:
        yield from chunked(body)

    response = client.post(
        "/v1/creatives",
        content=stream(),
        headers={**world.headers("force_a_editor"), "Content-Type": content_type},
    )
    assert response.status_code == 413
    assert files_under(media_root) == before


def test_file_under_the_limit_is_accepted(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    upload_creative(client, world, campaign["id"], content=image_bytes("PNG", (100, 100)))
