"""Small JPEG previews for the staff console and reports.

Transparent images are flattened onto black, because that is what a screen shows behind them.
For video, the frame one second in avoids the black first frame that many edits start with.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps

from signage.media.errors import InvalidMedia
from signage.media.model import ProbedMedia
from signage.media.tools import PROBE_TIMEOUT_S, SAFE_INPUT_OPTIONS, file_url, run_tool

THUMBNAIL_QUALITY = 80
BACKGROUND = (0, 0, 0)
_VIDEO_SEEK_MS = 1000
_UNRENDERABLE = "A preview of this file could not be drawn; it may be damaged."
_DEMUXERS = {"video/mp4": "mp4", "video/webm": "matroska"}


def make_thumbnail(path: Path, probed: ProbedMedia, *, max_side: int = 320) -> bytes:
    """A JPEG no larger than `max_side` on either side, upright, of a checked media file."""
    try:
        if probed.kind == "video":
            frame = _video_frame(path, probed, max_side=max_side)
            with Image.open(io.BytesIO(frame), formats=["PNG"]) as image:
                return _to_jpeg(image, max_side=max_side)
        # `path` was checked by probe_file/ingest (size limit included); restricting the
        # formats keeps Pillow's other parsers out even if a caller skipped that.
        with Image.open(path, formats=["PNG", "JPEG", "WEBP"]) as image:
            upright = ImageOps.exif_transpose(image)
        return _to_jpeg(upright, max_side=max_side)
    except OSError as exc:
        if exc.errno is not None:  # the disk, not the picture
            raise
        raise InvalidMedia(_UNRENDERABLE) from exc
    except (KeyError, ValueError) as exc:
        raise InvalidMedia(_UNRENDERABLE) from exc


def _to_jpeg(image: Image.Image, *, max_side: int) -> bytes:
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = image.convert("RGB")
    output = io.BytesIO()
    flat.save(output, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return output.getvalue()


def _video_frame(path: Path, probed: ProbedMedia, *, max_side: int) -> bytes:
    # Seeking needs a frame at or after 1 s; shorter clips use their first frame.
    seek_ms = _VIDEO_SEEK_MS if (probed.duration_ms or 0) >= 2 * _VIDEO_SEEK_MS else 0
    bound = 2 * max_side
    demuxer = _DEMUXERS.get(probed.mime_type)
    if demuxer is None:
        raise InvalidMedia("Cannot make a thumbnail of this video type.")
    result = run_tool(
        "ffmpeg",
        [
            *("-v", "error"),
            *SAFE_INPUT_OPTIONS,
            *("-ss", f"{seek_ms / 1000:.3f}"),
            *("-f", demuxer, "-i", file_url(path)),
            *("-map", "0:V:0", "-frames:v", "1"),
            # Shrink in ffmpeg so an 8K frame never crosses the pipe at full size; Pillow does
            # the final, better-filtered resize.
            *(
                "-vf",
                f"scale=w='min(iw,{bound})':h='min(ih,{bound})'"
                ":force_original_aspect_ratio=decrease",
            ),
            *("-f", "image2pipe", "-c:v", "png", "pipe:1"),
        ],
        timeout=PROBE_TIMEOUT_S,
    )
    if result.returncode != 0 or not result.stdout:
        raise InvalidMedia("The video's pictures could not be decoded.")
    return result.stdout
