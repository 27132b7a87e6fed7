from __future__ import annotations

import hashlib
import inspect
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from signage.media import (
    InvalidMedia,
    LocalMediaStore,
    MediaError,
    TooLarge,
    UnsupportedMedia,
    ingest,
)

MAX_PIXELS = 40_000_000
MAX_BYTES = 5_000_000


async def chunked(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N"}
    output = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(output, format="JPEG", exif=exif)
    return output.getvalue()


def png_bytes(size: tuple[int, int] = (60, 40)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(output, format="PNG")
    return output.getvalue()


def test_ingest_takes_no_client_file_name() -> None:
    parameters = set(inspect.signature(ingest).parameters)

    assert parameters == {"store", "chunks", "max_bytes", "max_pixels", "thumbnail"}


@pytest.mark.anyio
async def test_ingest_stores_sanitised_bytes_under_their_own_hash(store: LocalMediaStore) -> None:
    upload = jpeg_with_gps()

    result = await ingest(store, chunked(upload), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)

    path = store.path_for(result.sha256)
    assert path is not None
    stored = path.read_bytes()
    assert hashlib.sha256(stored).hexdigest() == result.sha256
    assert result.sha256 != hashlib.sha256(upload).hexdigest()
    assert result.bytes == len(stored)
    with Image.open(path) as image:
        assert len(image.getexif()) == 0


@pytest.mark.anyio
async def test_ingest_reports_probed_media(store: LocalMediaStore) -> None:
    result = await ingest(store, chunked(png_bytes()), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)

    assert (result.probed.mime_type, result.probed.width, result.probed.height) == (
        "image/png",
        60,
        40,
    )


@pytest.mark.anyio
async def test_ingest_leaves_only_media_and_thumbnail(store: LocalMediaStore) -> None:
    result = await ingest(store, chunked(png_bytes()), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)

    sha = result.sha256
    assert files_under(store.root) == sorted(
        [store.root / sha[:2] / sha, store.root / "thumbnails" / sha[:2] / f"{sha}.jpg"]
    )


@pytest.mark.anyio
async def test_same_upload_ingested_twice_is_stored_once(store: LocalMediaStore) -> None:
    first = await ingest(store, chunked(png_bytes()), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    second = await ingest(store, chunked(png_bytes()), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)

    assert first.sha256 == second.sha256
    assert (first.already_stored, second.already_stored) == (False, True)
    assert len(files_under(store.root)) == 2  # the media and its thumbnail


@pytest.mark.anyio
async def test_ingest_of_video_stores_thumbnail(store: LocalMediaStore, webm_file: Path) -> None:
    result = await ingest(
        store, chunked(webm_file.read_bytes()), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS
    )

    thumbnail = store.read_thumbnail(result.sha256)
    assert thumbnail is not None
    assert thumbnail.startswith(b"\xff\xd8")
    assert result.probed.duration_ms == 2000


@pytest.mark.anyio
async def test_over_limit_upload_raises_too_large(store: LocalMediaStore) -> None:
    with pytest.raises(TooLarge):
        await ingest(store, chunked(png_bytes()), max_bytes=100, max_pixels=MAX_PIXELS)


@pytest.mark.anyio
async def test_path_looking_content_is_unsupported(store: LocalMediaStore) -> None:
    with pytest.raises(UnsupportedMedia):
        await ingest(
            store, chunked(b"../../etc/passwd"), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS
        )


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("upload", "error"),
    [
        pytest.param(b"", InvalidMedia, id="empty"),
        pytest.param(b"x" * 200, TooLarge, id="too-large"),
        pytest.param(b"../../etc/passwd", UnsupportedMedia, id="path-as-content"),
        pytest.param(b"<svg><script>alert(1)</script></svg>", UnsupportedMedia, id="svg"),
        pytest.param(png_bytes()[:-30], InvalidMedia, id="truncated-png"),
        pytest.param(png_bytes((20, 20)), InvalidMedia, id="over-max-pixels"),
        pytest.param(b"\x00\x00\x00\x18ftypisom" + b"\xff" * 150, InvalidMedia, id="bad-mp4"),
    ],
)
async def test_failed_ingest_leaves_no_files(
    store: LocalMediaStore, upload: bytes, error: type[MediaError]
) -> None:
    with pytest.raises(error):
        await ingest(store, chunked(upload, 50), max_bytes=199, max_pixels=399)

    assert files_under(store.root) == []
