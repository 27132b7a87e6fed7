"""Video: MP4 (ISO BMFF) and WebM (Matroska/EBML), sniffed from bytes and measured by ffprobe.

The container is chosen from the magic bytes and ffprobe is told to use only that demuxer, so a
file cannot steer us into one of ffmpeg's hundreds of other parsers. ffprobe reads every packet
(`-count_packets`) so a file cut short after a valid header is caught; any message at level
`error` counts as damage, because ffmpeg still exits 0 on a truncated file.

`sanitise_video` remuxes without re-encoding: it strips container metadata (phones write the
recording location into MP4 `udta`), keeps the display-rotation, and moves the MP4 index to the
front (`faststart`) so a screen can start playing a range-fetched file before it has all of it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from signage.media.errors import InvalidMedia, UnsupportedMedia
from signage.media.model import ProbedMedia
from signage.media.tools import (
    PROBE_TIMEOUT_S,
    SAFE_INPUT_OPTIONS,
    TRANSCODE_TIMEOUT_S,
    file_url,
    run_tool,
)

Container = Literal["mp4", "webm"]


@dataclass(frozen=True, slots=True)
class _ContainerRules:
    demuxer: str
    muxer: str
    mime_type: str
    video_codecs: frozenset[str]
    audio_codecs: frozenset[str]


_RULES: dict[Container, _ContainerRules] = {
    "mp4": _ContainerRules(
        demuxer="mp4",
        muxer="mp4",
        mime_type="video/mp4",
        video_codecs=frozenset({"h264", "hevc", "av1", "vp9"}),
        audio_codecs=frozenset({"aac", "mp3", "opus"}),
    ),
    "webm": _ContainerRules(
        demuxer="matroska",
        muxer="webm",
        mime_type="video/webm",
        video_codecs=frozenset({"vp8", "vp9", "av1"}),
        audio_codecs=frozenset({"opus", "vorbis"}),
    ),
}
_DAMAGED = "The video is damaged or incomplete and could not be read."


@dataclass(frozen=True, slots=True)
class _VideoFacts:
    video_index: int
    audio_index: int | None
    width: int
    height: int
    duration_ms: int


def sniff_video_container(head: bytes) -> Container | None:
    """ "mp4" for an ISO BMFF `ftyp` box, "webm" for an EBML header, else None."""
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # Matroska shares the EBML header; a Matroska file with WebM codecs passes the codec
        # allowlist and is rewritten as real WebM by sanitise_video.
        return "webm"
    return None


def probe_video(path: Path, *, max_pixels: int) -> ProbedMedia:
    """Measure a video with ffprobe after reading all its packets; the file is left untouched."""
    container = _container_of(path)
    return _describe(container, _probe(path, container, max_pixels=max_pixels))


def sanitise_video(src: Path, dst: Path, *, max_pixels: int) -> ProbedMedia:
    """Validate `src`, then remux it to `dst` without metadata; returns the result's description."""
    container = _container_of(src)
    rules = _RULES[container]
    facts = _probe(src, container, max_pixels=max_pixels)
    streams = ["-map", f"0:{facts.video_index}"]
    if facts.audio_index is not None:
        streams += ["-map", f"0:{facts.audio_index}"]
    faststart = ["-movflags", "+faststart"] if container == "mp4" else []
    result = run_tool(
        "ffmpeg",
        [
            *("-v", "error", "-y"),
            *SAFE_INPUT_OPTIONS,
            *("-f", rules.demuxer, "-i", file_url(src)),
            *streams,
            *("-c", "copy", "-map_metadata", "-1", "-map_chapters", "-1"),
            *faststart,
            *("-f", rules.muxer, file_url(dst)),
        ],
        timeout=TRANSCODE_TIMEOUT_S,
    )
    if result.returncode != 0 or result.stderr:
        raise InvalidMedia(_DAMAGED)
    return _describe(container, _probe(dst, container, max_pixels=max_pixels))


def _container_of(path: Path) -> Container:
    with path.open("rb") as file:
        head = file.read(16)
    if not head:
        raise InvalidMedia("The file is empty.")
    container = sniff_video_container(head)
    if container is None:
        raise UnsupportedMedia("Unsupported file type: upload an MP4 or WebM video.")
    return container


def _describe(container: Container, facts: _VideoFacts) -> ProbedMedia:
    return ProbedMedia(
        kind="video",
        mime_type=_RULES[container].mime_type,
        width=facts.width,
        height=facts.height,
        duration_ms=facts.duration_ms,
        extension=container,
    )


def _probe(path: Path, container: Container, *, max_pixels: int) -> _VideoFacts:
    rules = _RULES[container]
    result = run_tool(
        "ffprobe",
        [
            *("-v", "error"),
            *SAFE_INPUT_OPTIONS,
            *("-f", rules.demuxer),
            "-count_packets",
            *("-print_format", "json", "-show_format", "-show_streams"),
            *("-i", file_url(path)),
        ],
        timeout=PROBE_TIMEOUT_S,
    )
    if result.returncode != 0 or result.stderr:
        raise InvalidMedia(_DAMAGED)
    try:
        report = json.loads(result.stdout)
    except ValueError as exc:
        raise InvalidMedia(_DAMAGED) from exc
    if not isinstance(report, dict):
        raise InvalidMedia(_DAMAGED)
    return _facts_from_report(report, rules, max_pixels=max_pixels)


def _facts_from_report(
    report: dict[str, Any], rules: _ContainerRules, *, max_pixels: int
) -> _VideoFacts:
    streams = [s for s in report.get("streams") or [] if isinstance(s, dict)]
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video"
        # MP4 cover art is a one-frame "video" stream; it is not the picture we play.
        and not (s.get("disposition") or {}).get("attached_pic")
    ]
    if not videos:
        raise UnsupportedMedia("The file contains no video track.")
    if len(videos) > 1:
        raise UnsupportedMedia("The file has several video tracks; upload one with a single track.")
    video = videos[0]
    codec = str(video.get("codec_name") or "unknown")
    if codec not in rules.video_codecs:
        allowed = ", ".join(sorted(rules.video_codecs))
        raise UnsupportedMedia(
            f"The video codec '{codec}' is not supported in {rules.muxer.upper()}; use {allowed}."
        )
    width, height = _int(video.get("width")), _int(video.get("height"))
    if width <= 0 or height <= 0:
        raise InvalidMedia("The video has no picture size.")
    if width * height > max_pixels:
        raise InvalidMedia(
            f"The video is {width}x{height} pixels; the limit is {max_pixels} pixels in total."
        )
    if _int(video.get("nb_read_packets")) <= 0:
        raise InvalidMedia("The video track holds no frames.")
    if _rotation(video) % 180 == 90:
        width, height = height, width
    duration_s = _float((report.get("format") or {}).get("duration")) or _float(
        video.get("duration")
    )
    if duration_s <= 0:
        raise InvalidMedia("The video has no duration.")
    audio = next(
        (s for s in streams if s.get("codec_type") == "audio" and s.get("codec_name")), None
    )
    # Unsupported sound is dropped rather than refused: venue screens mostly play muted.
    audio_index = (
        _int(audio.get("index"))
        if audio is not None and audio.get("codec_name") in rules.audio_codecs
        else None
    )
    return _VideoFacts(
        video_index=_int(video.get("index")),
        audio_index=audio_index,
        width=width,
        height=height,
        duration_ms=round(duration_s * 1000),
    )


def _rotation(stream: dict[str, Any]) -> int:
    for side_data in stream.get("side_data_list") or []:
        if isinstance(side_data, dict) and "rotation" in side_data:
            return abs(round(_float(side_data["rotation"])))
    return abs(round(_float((stream.get("tags") or {}).get("rotate"))))


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _float(value: object) -> float:
    try:
        number = float(str(value))
    except ValueError:
        return 0.0
    return number if math.isfinite(number) else 0.0
