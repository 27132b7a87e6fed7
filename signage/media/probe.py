"""Validation by decoding: what a file is comes from its bytes, never its name or declared type."""

from __future__ import annotations

from pathlib import Path

from signage.media.errors import InvalidMedia, UnsupportedMedia
from signage.media.images import probe_image, sanitise_image, sniff_image_format
from signage.media.model import ProbedMedia
from signage.media.video import probe_video, sanitise_video, sniff_video_container

__all__ = ["ProbedMedia", "normalise_file", "probe_file", "sanitise_image"]

_UNSUPPORTED = "Unsupported file type: upload a PNG, JPEG or WebP image, or an MP4 or WebM video."
_HEAD_BYTES = 16


def probe_file(path: Path, *, max_pixels: int) -> ProbedMedia:
    """Identify and fully check a file, without changing it.

    Raises UnsupportedMedia (415) for anything but PNG, JPEG, WebP, MP4 and WebM, InvalidMedia
    (422) for a damaged, empty or over-sized one, and MediaToolMissing if a video arrives and
    ffprobe is not installed.
    """
    kind = _kind_of(path)
    if kind == "video":
        return probe_video(path, max_pixels=max_pixels)
    return probe_image(path, max_pixels=max_pixels)


def normalise_file(src: Path, dst: Path, *, max_pixels: int) -> ProbedMedia:
    """Check `src` and write the copy we store to `dst`: images re-encoded, video remuxed,
    both without metadata. The description returned is of `dst`."""
    kind = _kind_of(src)
    if kind == "video":
        return sanitise_video(src, dst, max_pixels=max_pixels)
    return sanitise_image(src, dst, max_pixels=max_pixels)


def _kind_of(path: Path) -> str:
    with path.open("rb") as file:
        head = file.read(_HEAD_BYTES)
    if not head:
        raise InvalidMedia("The file is empty.")
    if sniff_video_container(head) is not None:
        return "video"
    if sniff_image_format(head) is not None:
        return "image"
    if head.startswith((b"GIF87a", b"GIF89a")):
        raise UnsupportedMedia("GIF is not supported: upload a PNG, or an MP4/WebM animation.")
    raise UnsupportedMedia(_UNSUPPORTED)
