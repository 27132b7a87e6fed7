"""Content-addressed media storage.

Callers talk to the `MediaStore` protocol only, so an S3-compatible store can replace the local
folder later. Staging is always local (probing and re-encoding need a real file); what differs
between backends is where `commit` puts the bytes and how they are read back, which is why reads
go through `size`/`open` and `path_for` may return None.

Local layout under `root`:
    .tmp/<uuid>.part                  uploads being received or re-encoded
    <sha[:2]>/<sha>                   committed media, immutable
    thumbnails/<sha[:2]>/<sha>.jpg    thumbnails
Every sha256 is checked against `^[0-9a-f]{64}$` before it becomes part of a path, and temporary
names are generated, never taken from the client, so no input can steer a path.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from collections.abc import AsyncIterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from signage.media.errors import MediaNotFound, TooLarge

_SHA256 = re.compile(r"[0-9a-f]{64}")
_HASH_BLOCK = 1024 * 1024


def validate_sha256(value: str) -> str:
    """Return `value` if it is 64 lowercase hex digits, else raise ValueError."""
    if not isinstance(value, str) or _SHA256.fullmatch(value) is None:
        raise ValueError("sha256 must be 64 lowercase hexadecimal characters")
    return value


@dataclass(frozen=True, slots=True)
class StagedUpload:
    """A complete local temporary file, hashed; the store owns it until commit or discard."""

    path: Path
    sha256: str
    bytes: int


class MediaStore(Protocol):
    async def save_stream(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StagedUpload:
        """Write chunks to a new temporary file, hashing as they arrive.

        Raises TooLarge as soon as more than `max_bytes` have arrived; the partial file is gone
        by then.
        """
        ...

    def new_temp_path(self) -> Path:
        """A fresh, not yet existing path in the staging area, for a derived file."""
        ...

    def stage_file(self, path: Path) -> StagedUpload:
        """Hash a file written to a `new_temp_path()` path, making it committable."""
        ...

    def commit(self, staged: StagedUpload) -> None:
        """Store the staged file under its sha256. Content already stored is kept once."""
        ...

    def discard(self, staged: StagedUpload | Path) -> None:
        """Delete a staged file; missing files are fine."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int:
        """Stored size in bytes; raises MediaNotFound."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """A seekable binary reader, for byte-range responses; raises MediaNotFound."""
        ...

    def path_for(self, sha256: str) -> Path | None:
        """A local path for zero-copy serving, or None (missing, or a remote backend)."""
        ...

    def delete(self, sha256: str) -> None:
        """Delete the media and its thumbnail; missing is fine. Callers check references."""
        ...

    def save_thumbnail(self, sha256: str, jpeg: bytes) -> None: ...

    def read_thumbnail(self, sha256: str) -> bytes | None: ...

    def thumbnail_path(self, sha256: str) -> Path | None: ...

    def purge_stale_temp(self, *, older_than_s: float) -> int:
        """Delete staging files left by a crash; returns how many went."""
        ...


def iter_range(
    store: MediaStore, sha256: str, start: int, end: int, *, chunk_size: int = 64 * 1024
) -> Iterator[bytes]:
    """Yield bytes `start..end` inclusive (HTTP Range semantics) of a stored object."""
    if start < 0 or end < start:
        raise ValueError("invalid byte range")
    with store.open(sha256) as reader:
        reader.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            block = reader.read(min(chunk_size, remaining))
            if not block:
                return
            remaining -= len(block)
            yield block


class LocalMediaStore:
    """A `MediaStore` in a local folder (the embedded default under SIGNAGE_DATA_DIR)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._staging = root / ".tmp"
        self._thumbnails = root / "thumbnails"
        self._staging.mkdir(parents=True, exist_ok=True)

    async def save_stream(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StagedUpload:
        path = self.new_temp_path()
        digest = hashlib.sha256()
        received = 0
        try:
            # Plain blocking writes: chunks are small and land in the page cache; moving each
            # into a thread would cost more than the write.
            with path.open("xb") as file:
                async for chunk in chunks:
                    received += len(chunk)
                    if received > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    file.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedUpload(path=path, sha256=digest.hexdigest(), bytes=received)

    def new_temp_path(self) -> Path:
        return self._staging / f"{uuid.uuid4().hex}.part"

    def stage_file(self, path: Path) -> StagedUpload:
        self._require_staging(path)
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as file:
            while block := file.read(_HASH_BLOCK):
                digest.update(block)
                size += len(block)
        return StagedUpload(path=path, sha256=digest.hexdigest(), bytes=size)

    def commit(self, staged: StagedUpload) -> None:
        self._require_staging(staged.path)
        final = self._object_path(staged.sha256)
        if final.is_file():
            staged.path.unlink(missing_ok=True)
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        with staged.path.open("rb") as file:
            os.fsync(file.fileno())
        # Same filesystem, so the rename is atomic: readers see all of the file or none. Two
        # concurrent commits of the same content both succeed with identical bytes.
        os.replace(staged.path, final)
        _fsync_directory(final.parent)

    def discard(self, staged: StagedUpload | Path) -> None:
        path = staged.path if isinstance(staged, StagedUpload) else staged
        self._require_staging(path)
        path.unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        return self._object_path(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self._object_path(sha256).stat().st_size
        except FileNotFoundError as exc:
            raise MediaNotFound(sha256) from exc

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self._object_path(sha256).open("rb")
        except FileNotFoundError as exc:
            raise MediaNotFound(sha256) from exc

    def path_for(self, sha256: str) -> Path | None:
        path = self._object_path(sha256)
        return path if path.is_file() else None

    def delete(self, sha256: str) -> None:
        self._object_path(sha256).unlink(missing_ok=True)
        self._thumbnail_file(sha256).unlink(missing_ok=True)

    def save_thumbnail(self, sha256: str, jpeg: bytes) -> None:
        final = self._thumbnail_file(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = self.new_temp_path()
        try:
            temp.write_bytes(jpeg)
            os.replace(temp, final)
        finally:
            temp.unlink(missing_ok=True)

    def read_thumbnail(self, sha256: str) -> bytes | None:
        try:
            return self._thumbnail_file(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def thumbnail_path(self, sha256: str) -> Path | None:
        path = self._thumbnail_file(sha256)
        return path if path.is_file() else None

    def purge_stale_temp(self, *, older_than_s: float) -> int:
        cutoff = time.time() - older_than_s
        purged = 0
        for path in self._staging.glob("*.part"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    purged += 1
            except FileNotFoundError:
                continue
        return purged

    def _object_path(self, sha256: str) -> Path:
        validate_sha256(sha256)
        return self.root / sha256[:2] / sha256

    def _thumbnail_file(self, sha256: str) -> Path:
        validate_sha256(sha256)
        return self._thumbnails / sha256[:2] / f"{sha256}.jpg"

    def _require_staging(self, path: Path) -> None:
        # Commit and discard rename or delete whatever they are given; keep them in our folder.
        if path.parent.resolve() != self._staging.resolve():
            raise ValueError("not a staging file of this store")


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the rename itself still happened
    finally:
        os.close(descriptor)
