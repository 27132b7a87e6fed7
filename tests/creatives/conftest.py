"""Fixtures for the creative tests: a campaign, a second approver, and generated media files.

Every file is made here (Pillow, ffmpeg); none is checked in.
"""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import ExifTags, Image
from sqlalchemy import Engine

from signage.core.config import Settings
from signage.core.roles import Role
from tests.factories import World, add_person, make_campaign, run_ffmpeg


def image_bytes(
    image_format: str,
    size: tuple[int, int] = (64, 48),
    colour: tuple[int, int, int] = (20, 120, 200),
    **options: Any,
) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, format=image_format, **options)
    return output.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (80, 60)) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 38.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (1.0, 8.0, 2.0),
    }
    return image_bytes("JPEG", size, exif=exif)


def files_under(root: Path) -> set[str]:
    """Every file below the media folder, as relative paths (the staging folder included)."""
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body with the parts in exactly this order."""
    boundary = "testboundary7MA4YWxkTrZu0gW"
    body = b""
    for name, filename, value in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += value + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def chunked(body: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.fixture(scope="session")
def webm_bytes(video_dir: Path) -> bytes:
    """1.5 s of 256x144 VP8."""
    path = video_dir / "creative-clip.webm"
    run_ffmpeg(
        *("-f", "lavfi", "-i", "testsrc=duration=1.5:size=256x144:rate=25"),
        *("-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime", "-cpu-used", "8"),
        str(path),
    )
    return path.read_bytes()


@pytest.fixture
def media_root(settings: Settings) -> Path:
    return settings.media_path


@pytest.fixture
def campaign(client: TestClient, world: World) -> dict[str, Any]:
    """A campaign of force A, made by its editor."""
    return make_campaign(client, world)


@pytest.fixture
def second_approver(world: World, engine: Engine, settings: Settings) -> str:
    """Another approver of force A; returns the persona name."""
    assert settings.secret_key is not None
    add_person(
        world,
        engine,
        persona="force_a_approver_2",
        org_key="force_a",
        role=Role.approver,
        secret=settings.secret_key,
    )
    return "force_a_approver_2"
