from __future__ import annotations

import hashlib
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from signage.media import (
    LocalMediaStore,
    MediaNotFound,
    TooLarge,
    iter_range,
    validate_sha256,
)

TRAVERSALS = [
    "../../etc/passwd",
    "../" + "a" * 61,
    "A" * 64,
    "a" * 63,
    "a" * 65,
    "a" * 63 + "/",
    "a" * 63 + "\n",
    "",
]


async def chunked(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def stored(store: LocalMediaStore, data: bytes) -> str:
    staged = await store.save_stream(chunked(data), max_bytes=len(data))
    store.commit(staged)
    return staged.sha256


@pytest.mark.anyio
async def test_save_stream_hashes_while_writing(store: LocalMediaStore) -> None:
    data = os.urandom(10_000)

    staged = await store.save_stream(chunked(data), max_bytes=10_000)

    assert staged.sha256 == hashlib.sha256(data).hexdigest()
    assert staged.bytes == 10_000
    assert staged.path.read_bytes() == data


@pytest.mark.anyio
async def test_stream_over_limit_raises_too_large_and_leaves_no_file(
    store: LocalMediaStore,
) -> None:
    with pytest.raises(TooLarge):
        await store.save_stream(chunked(b"x" * 5000), max_bytes=4999)

    assert files_under(store.root) == []


@pytest.mark.anyio
async def test_stream_stops_reading_once_over_limit(store: LocalMediaStore) -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"y" * 1000

    with pytest.raises(TooLarge):
        await store.save_stream(endless(), max_bytes=3000)

    assert pulled == 4


@pytest.mark.anyio
async def test_commit_places_file_under_its_sha(store: LocalMediaStore) -> None:
    sha = await stored(store, b"campaign poster")

    assert store.path_for(sha) == store.root / sha[:2] / sha
    assert store.exists(sha)
    assert files_under(store.root) == [store.root / sha[:2] / sha]


@pytest.mark.anyio
async def test_same_content_committed_twice_is_stored_once(store: LocalMediaStore) -> None:
    first = await stored(store, b"same bytes")
    second = await stored(store, b"same bytes")

    assert first == second
    assert files_under(store.root) == [store.root / first[:2] / first]


@pytest.mark.anyio
async def test_discard_removes_staged_file(store: LocalMediaStore) -> None:
    staged = await store.save_stream(chunked(b"abc"), max_bytes=10)

    store.discard(staged)

    assert files_under(store.root) == []


def test_discard_refuses_paths_outside_staging(store: LocalMediaStore, tmp_path: Path) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")

    with pytest.raises(ValueError, match="staging"):
        store.discard(victim)
    assert victim.exists()


@pytest.mark.anyio
async def test_size_and_open_read_back_stored_bytes(store: LocalMediaStore) -> None:
    sha = await stored(store, b"0123456789")

    with store.open(sha) as reader:
        assert reader.read() == b"0123456789"
    assert store.size(sha) == 10


@pytest.mark.anyio
async def test_iter_range_yields_inclusive_byte_range(store: LocalMediaStore) -> None:
    sha = await stored(store, bytes(range(256)) * 4)

    assert b"".join(iter_range(store, sha, 250, 260, chunk_size=3)) == bytes(
        [250, 251, 252, 253, 254, 255, 0, 1, 2, 3, 4]
    )


def test_missing_media_raises_not_found(store: LocalMediaStore) -> None:
    sha = "0" * 64

    with pytest.raises(MediaNotFound):
        store.size(sha)
    with pytest.raises(MediaNotFound):
        store.open(sha)
    assert store.path_for(sha) is None
    assert not store.exists(sha)


@pytest.mark.anyio
async def test_delete_removes_media_and_thumbnail(store: LocalMediaStore) -> None:
    sha = await stored(store, b"to be deleted")
    store.save_thumbnail(sha, b"\xff\xd8 jpeg")

    store.delete(sha)

    assert files_under(store.root) == []


def test_thumbnail_round_trips(store: LocalMediaStore) -> None:
    sha = "ab" * 32

    store.save_thumbnail(sha, b"\xff\xd8 jpeg")

    assert store.read_thumbnail(sha) == b"\xff\xd8 jpeg"
    assert store.thumbnail_path(sha) == store.root / "thumbnails" / "ab" / f"{sha}.jpg"


@pytest.mark.parametrize("bad", TRAVERSALS)
def test_malformed_sha_is_refused_by_every_lookup(store: LocalMediaStore, bad: str) -> None:
    for lookup in (
        store.exists,
        store.path_for,
        store.size,
        store.open,
        store.delete,
        store.read_thumbnail,
        store.thumbnail_path,
    ):
        with pytest.raises(ValueError, match="sha256"):
            lookup(bad)
    with pytest.raises(ValueError, match="sha256"):
        store.save_thumbnail(bad, b"x")


@pytest.mark.parametrize("bad", TRAVERSALS)
def test_validate_sha256_rejects_malformed_values(bad: str) -> None:
    with pytest.raises(ValueError, match="sha256"):
        validate_sha256(bad)


def test_purge_stale_temp_removes_only_old_parts(store: LocalMediaStore) -> None:
    old, fresh = store.new_temp_path(), store.new_temp_path()
    old.write_bytes(b"crashed upload")
    fresh.write_bytes(b"upload in progress")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    assert store.purge_stale_temp(older_than_s=600) == 1
    assert files_under(store.root) == [fresh]
