from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from signage.media import make_thumbnail, probe_file

MAX_PIXELS = 40_000_000


def decoded(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    return image


def test_image_thumbnail_fits_max_side_keeping_aspect(tmp_path: Path) -> None:
    path = tmp_path / "poster"
    Image.new("RGB", (1000, 500), "white").save(path, format="PNG")

    thumbnail = make_thumbnail(path, probe_file(path, max_pixels=MAX_PIXELS), max_side=100)

    assert decoded(thumbnail).size == (100, 50)


def test_transparent_image_thumbnail_is_flattened_onto_black(tmp_path: Path) -> None:
    path = tmp_path / "logo"
    Image.new("RGBA", (64, 64), (255, 255, 255, 0)).save(path, format="WEBP", lossless=True)

    thumbnail = decoded(make_thumbnail(path, probe_file(path, max_pixels=MAX_PIXELS)))

    assert thumbnail.mode == "RGB"
    pixel = thumbnail.getpixel((32, 32))
    assert isinstance(pixel, tuple)
    assert max(pixel) < 10


def test_video_thumbnail_is_a_frame_within_max_side(mp4_file: Path) -> None:
    thumbnail = make_thumbnail(mp4_file, probe_file(mp4_file, max_pixels=MAX_PIXELS))

    assert decoded(thumbnail).size == (320, 240)


def test_video_thumbnail_is_scaled_to_max_side(webm_file: Path) -> None:
    probed = probe_file(webm_file, max_pixels=MAX_PIXELS)

    thumbnail = make_thumbnail(webm_file, probed, max_side=64)

    assert decoded(thumbnail).size == (64, 36)
