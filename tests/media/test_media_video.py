from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from signage.media import (
    InvalidMedia,
    MediaToolMissing,
    ProbedMedia,
    UnsupportedMedia,
    probe_file,
    sanitise_video,
)
from signage.media.video import probe_video

MAX_PIXELS = 40_000_000


def ffprobe_tags(path: Path) -> dict[str, str]:
    report = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    tags: dict[str, str] = json.loads(report.stdout)["format"].get("tags", {})
    return tags


def test_mp4_is_measured(mp4_file: Path) -> None:
    assert probe_file(mp4_file, max_pixels=MAX_PIXELS) == ProbedMedia(
        kind="video",
        mime_type="video/mp4",
        width=320,
        height=240,
        duration_ms=2000,
        extension="mp4",
    )


def test_webm_is_measured(webm_file: Path) -> None:
    assert probe_file(webm_file, max_pixels=MAX_PIXELS) == ProbedMedia(
        kind="video",
        mime_type="video/webm",
        width=256,
        height=144,
        duration_ms=2000,
        extension="webm",
    )


def test_mp4_with_garbage_after_ftyp_is_invalid(tmp_path: Path, mp4_file: Path) -> None:
    ftyp_size = int.from_bytes(mp4_file.read_bytes()[:4], "big")
    path = tmp_path / "garbage.mp4"
    path.write_bytes(mp4_file.read_bytes()[:ftyp_size] + bytes(range(256)) * 40)

    with pytest.raises(InvalidMedia):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_mp4_cut_short_after_its_index_is_invalid(tmp_path: Path, faststart_mp4_file: Path) -> None:
    data = faststart_mp4_file.read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(InvalidMedia):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_webm_cut_short_is_invalid(tmp_path: Path, webm_file: Path) -> None:
    data = webm_file.read_bytes()
    path = tmp_path / "cut.webm"
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(InvalidMedia):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_mp4_without_video_track_is_unsupported(audio_only_mp4_file: Path) -> None:
    with pytest.raises(UnsupportedMedia, match="no video"):
        probe_file(audio_only_mp4_file, max_pixels=MAX_PIXELS)


def test_video_over_max_pixels_is_invalid(mp4_file: Path) -> None:
    with pytest.raises(InvalidMedia, match="320x240"):
        probe_file(mp4_file, max_pixels=320 * 240 - 1)


def test_file_named_like_an_option_is_read_as_a_file(tmp_path: Path, mp4_file: Path) -> None:
    path = tmp_path / "-version"
    shutil.copyfile(mp4_file, path)

    assert probe_file(path, max_pixels=MAX_PIXELS).duration_ms == 2000


def test_missing_ffprobe_raises_media_tool_missing(
    tmp_path: Path, mp4_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no ffprobe anywhere

    with pytest.raises(MediaToolMissing, match="ffprobe"):
        probe_file(mp4_file, max_pixels=MAX_PIXELS)


def test_sanitised_mp4_has_no_location_or_title(tmp_path: Path, mp4_file: Path) -> None:
    assert "location" in ffprobe_tags(mp4_file)  # the fixture carries what phones record
    dst = tmp_path / "clean"

    probed = sanitise_video(mp4_file, dst, max_pixels=MAX_PIXELS)

    tags = ffprobe_tags(dst)
    assert not {"location", "location-eng", "title"} & set(tags)
    assert (probed.width, probed.height, probed.duration_ms) == (320, 240, 2000)


def test_sanitised_mp4_has_index_before_media_data(tmp_path: Path, mp4_file: Path) -> None:
    dst = tmp_path / "clean"

    sanitise_video(mp4_file, dst, max_pixels=MAX_PIXELS)

    data = dst.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")


def test_sanitised_webm_is_still_webm(tmp_path: Path, webm_file: Path) -> None:
    dst = tmp_path / "clean"

    probed = sanitise_video(webm_file, dst, max_pixels=MAX_PIXELS)

    assert probed.mime_type == "video/webm"
    assert probe_video(dst, max_pixels=MAX_PIXELS) == probed


def test_quarter_turn_display_matrix_swaps_width_and_height() -> None:
    from signage.media.video import _ContainerRules, _facts_from_report

    rules = _ContainerRules("mp4", "mp4", "video/mp4", frozenset({"h264"}), frozenset())
    report = {
        "format": {"duration": "3.5"},
        "streams": [
            {
                "index": 0,
                "codec_type": "video",
                "codec_name": "h264",
                "width": 1920,
                "height": 1080,
                "nb_read_packets": "90",
                "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}],
            }
        ],
    }

    facts = _facts_from_report(report, rules, max_pixels=MAX_PIXELS)

    assert (facts.width, facts.height, facts.duration_ms) == (1080, 1920, 3500)
