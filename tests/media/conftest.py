"""Fixtures for the media tests: every file is generated here, none is checked in."""

from __future__ import annotations

from pathlib import Path

import pytest

from signage.media import LocalMediaStore
from tests.factories import run_ffmpeg


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media")


@pytest.fixture(scope="session")
def mp4_file(video_dir: Path) -> Path:
    """2 s of 320x240 H.264 with AAC sound and a recording location, as phones write."""
    path = video_dir / "clip.mp4"
    run_ffmpeg(
        *("-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=25"),
        *("-f", "lavfi", "-i", "sine=duration=2"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-shortest"),
        *("-metadata", "location=+51.5007-000.1246/", "-metadata", "title=secret"),
        str(path),
    )
    return path


@pytest.fixture(scope="session")
def webm_file(video_dir: Path) -> Path:
    """2 s of 256x144 VP8, no sound."""
    path = video_dir / "clip.webm"
    run_ffmpeg(
        *("-f", "lavfi", "-i", "testsrc=duration=2:size=256x144:rate=25"),
        *("-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime", "-cpu-used", "8"),
        str(path),
    )
    return path


@pytest.fixture(scope="session")
def faststart_mp4_file(video_dir: Path, mp4_file: Path) -> Path:
    """The MP4 with its index first, so a cut-short copy still has a readable header."""
    path = video_dir / "faststart.mp4"
    run_ffmpeg("-i", str(mp4_file), "-c", "copy", "-movflags", "+faststart", str(path))
    return path


@pytest.fixture(scope="session")
def audio_only_mp4_file(video_dir: Path) -> Path:
    path = video_dir / "sound.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(path))
    return path
