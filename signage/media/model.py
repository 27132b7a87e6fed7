"""The description of a validated media file, shared by probing, storage and thumbnails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MediaKind = Literal["image", "video"]


@dataclass(frozen=True, slots=True)
class ProbedMedia:
    """What decoding a file established about it.

    `width`/`height` are the dimensions as displayed: EXIF orientation (images) and the display
    matrix (video) are already applied, so a phone's portrait photo reports portrait.
    `extension` has no leading dot ("png", "jpg", "webp", "mp4", "webm").
    """

    kind: MediaKind
    mime_type: str
    width: int
    height: int
    duration_ms: int | None
    extension: str
