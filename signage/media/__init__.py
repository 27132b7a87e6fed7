"""Media validation, normalisation, content-addressed storage and thumbnails.

Pure library code: no routes, no database. Typical use in a route::

    result = await ingest(store, upload_chunks, max_bytes=..., max_pixels=...)

then map TooLarge -> 413, UnsupportedMedia -> 415, InvalidMedia -> 422 (each has `.message`).
"""

from signage.media.errors import (
    InvalidMedia,
    MediaError,
    MediaNotFound,
    MediaToolMissing,
    TooLarge,
    UnsupportedMedia,
)
from signage.media.images import DEFAULT_MAX_PIXELS
from signage.media.ingest import IngestResult, ingest, ingest_staged
from signage.media.model import MediaKind, ProbedMedia
from signage.media.probe import normalise_file, probe_file, sanitise_image
from signage.media.storage import (
    LocalMediaStore,
    MediaStore,
    StagedUpload,
    iter_range,
    validate_sha256,
)
from signage.media.thumbnails import make_thumbnail
from signage.media.video import sanitise_video

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IngestResult",
    "InvalidMedia",
    "LocalMediaStore",
    "MediaError",
    "MediaKind",
    "MediaNotFound",
    "MediaStore",
    "MediaToolMissing",
    "ProbedMedia",
    "StagedUpload",
    "TooLarge",
    "UnsupportedMedia",
    "ingest",
    "ingest_staged",
    "iter_range",
    "make_thumbnail",
    "normalise_file",
    "probe_file",
    "sanitise_image",
    "sanitise_video",
    "validate_sha256",
]
