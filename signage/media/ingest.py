"""Upload intake: stream to disk, validate, normalise, hash the final bytes, store.

The stored bytes are the re-encoded/remuxed file, not the upload, so the sha256 (and the
content address) is computed after normalising. Nothing is left on disk after any failure.
Client file names are not an input: what a file is comes only from its bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable
from dataclasses import dataclass

from signage.media.model import ProbedMedia
from signage.media.probe import normalise_file
from signage.media.storage import MediaStore, StagedUpload
from signage.media.thumbnails import make_thumbnail


@dataclass(frozen=True, slots=True)
class IngestResult:
    sha256: str
    bytes: int
    probed: ProbedMedia
    already_stored: bool  # the same final bytes were stored before (deduplicated)


async def ingest(
    store: MediaStore,
    chunks: AsyncIterable[bytes],
    *,
    max_bytes: int,
    max_pixels: int,
    thumbnail: bool = True,
) -> IngestResult:
    """Receive an upload and store its normalised form.

    Raises TooLarge (413), UnsupportedMedia (415), InvalidMedia (422), MediaToolMissing.
    `max_bytes` limits the upload; the stored copy may differ slightly in size.
    """
    staged = await store.save_stream(chunks, max_bytes=max_bytes)
    try:
        # Decoding and ffmpeg are slow and blocking, so they run in a worker thread.
        return await asyncio.to_thread(
            ingest_staged, store, staged, max_pixels=max_pixels, thumbnail=thumbnail
        )
    finally:
        # Normally already gone; this covers a cancellation before the thread started.
        store.discard(staged)


def ingest_staged(
    store: MediaStore, staged: StagedUpload, *, max_pixels: int, thumbnail: bool = True
) -> IngestResult:
    """The synchronous part of `ingest`, for a file already staged in `store`.

    Cleans up its own temporary files even if the awaiting request was cancelled meanwhile.
    """
    normalised_path = store.new_temp_path()
    try:
        probed = normalise_file(staged.path, normalised_path, max_pixels=max_pixels)
        normalised = store.stage_file(normalised_path)
        already_stored = store.exists(normalised.sha256)
        needs_thumbnail = thumbnail and (
            not already_stored or store.read_thumbnail(normalised.sha256) is None
        )
        # Rendered before commit, so a video whose frames cannot be decoded is refused whole.
        jpeg = make_thumbnail(normalised.path, probed) if needs_thumbnail else None
        store.commit(normalised)
        if jpeg is not None:
            store.save_thumbnail(normalised.sha256, jpeg)
        return IngestResult(
            sha256=normalised.sha256,
            bytes=normalised.bytes,
            probed=probed,
            already_stored=already_stored,
        )
    finally:
        store.discard(staged)
        store.discard(normalised_path)
