from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile, PngImagePlugin

from signage.media import (
    DEFAULT_MAX_PIXELS,
    InvalidMedia,
    ProbedMedia,
    UnsupportedMedia,
    probe_file,
    sanitise_image,
)

MAX_PIXELS = DEFAULT_MAX_PIXELS


def noisy_image(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    # Noise does not compress, so truncating the file really cuts into the pixel data.
    rng = random.Random(1234)
    data = bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * len(mode)))
    return Image.frombytes(mode, size, data)


def write(path: Path, image: Image.Image, image_format: str, **options: object) -> Path:
    image.save(path, format=image_format, **options)
    return path


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.BodySerialNumber] = "SN-998877"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 2.5),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
    }
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    return exif


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims `width` x `height` greyscale pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + chunk(b"IEND", b"")
    )


def webp_declaring(width: int, height: int) -> bytes:
    """A WebP extended header (VP8X) announcing a `width` x `height` canvas."""
    vp8x = (
        b"VP8X"
        + struct.pack("<I", 10)
        + b"\x00\x00\x00\x00"
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


@pytest.mark.parametrize(
    ("image_format", "mime_type", "extension"),
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("WEBP", "image/webp", "webp")],
)
def test_accepted_image_is_measured(
    tmp_path: Path, image_format: str, mime_type: str, extension: str
) -> None:
    path = write(tmp_path / "upload.bin", noisy_image((64, 48)), image_format)

    assert probe_file(path, max_pixels=MAX_PIXELS) == ProbedMedia(
        kind="image",
        mime_type=mime_type,
        width=64,
        height=48,
        duration_ms=None,
        extension=extension,
    )


def test_type_comes_from_bytes_not_from_file_name(tmp_path: Path) -> None:
    path = write(tmp_path / "poster.png", noisy_image(), "JPEG")

    assert probe_file(path, max_pixels=MAX_PIXELS).mime_type == "image/jpeg"


def test_probe_reports_upright_size_of_rotated_jpeg(tmp_path: Path) -> None:
    path = write(tmp_path / "photo", noisy_image((40, 20)), "JPEG", exif=exif_with_gps(6))

    probed = probe_file(path, max_pixels=MAX_PIXELS)

    assert (probed.width, probed.height) == (20, 40)


def test_sanitised_jpeg_has_no_exif(tmp_path: Path) -> None:
    src = write(tmp_path / "src", noisy_image(), "JPEG", exif=exif_with_gps())
    with Image.open(src) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really has GPS
    dst = tmp_path / "dst"

    sanitise_image(src, dst)

    with Image.open(dst) as clean:
        assert len(clean.getexif()) == 0
        assert "exif" not in clean.info
    assert b"SN-998877" not in dst.read_bytes()


def test_sanitise_applies_exif_orientation(tmp_path: Path) -> None:
    # Left half red, right half blue; orientation 6 means "turn 90 degrees clockwise to view",
    # which puts the left half on top.
    picture = Image.new("RGB", (40, 20), (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, 20, 20))
    src = write(tmp_path / "src", picture, "JPEG", exif=exif_with_gps(6), quality=95)
    dst = tmp_path / "dst"

    probed = sanitise_image(src, dst)

    assert (probed.width, probed.height) == (20, 40)
    with Image.open(dst) as upright:
        assert upright.size == (20, 40)
        assert upright.getpixel((10, 5)) == pytest.approx((255, 0, 0), abs=40)
        assert upright.getpixel((10, 35)) == pytest.approx((0, 0, 255), abs=40)


def test_sanitised_jpeg_drops_comment_and_xmp(tmp_path: Path) -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">creator: PC 4321</x:xmpmeta>'
    src = write(tmp_path / "src", noisy_image(), "JPEG", comment=b"uploaded by PC 1234", xmp=xmp)
    dst = tmp_path / "dst"

    sanitise_image(src, dst)

    stored = dst.read_bytes()
    assert b"PC 1234" not in stored
    assert b"PC 4321" not in stored


def test_sanitised_png_drops_text_chunks(tmp_path: Path) -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "DC Smith, Station 12")
    src = write(tmp_path / "src", noisy_image(), "PNG", pnginfo=text)
    dst = tmp_path / "dst"

    sanitise_image(src, dst)

    assert b"DC Smith" not in dst.read_bytes()


def test_sanitise_keeps_icc_profile(tmp_path: Path) -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = write(tmp_path / "src", noisy_image(), "JPEG", icc_profile=profile)
    dst = tmp_path / "dst"

    sanitise_image(src, dst)

    with Image.open(dst) as clean:
        assert clean.info.get("icc_profile") == profile


def test_sanitised_png_stays_lossless_with_alpha(tmp_path: Path) -> None:
    original = noisy_image(mode="RGBA")
    src = write(tmp_path / "src", original, "PNG")
    dst = tmp_path / "dst"

    sanitise_image(src, dst)

    with Image.open(dst) as clean:
        assert clean.format == "PNG"
        assert clean.tobytes() == original.tobytes()


def test_sanitised_lossless_webp_stays_lossless(tmp_path: Path) -> None:
    src = write(tmp_path / "src", noisy_image(), "WEBP", lossless=True)
    dst = tmp_path / "dst"

    sanitise_image(src, dst)

    assert b"VP8L" in dst.read_bytes()[:64]


def test_sanitised_lossy_webp_stays_lossy(tmp_path: Path) -> None:
    src = write(tmp_path / "src", noisy_image(), "WEBP", quality=80)
    dst = tmp_path / "dst"

    sanitise_image(src, dst)

    assert b"VP8 " in dst.read_bytes()[:64]


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
def test_truncated_image_is_invalid(tmp_path: Path, image_format: str) -> None:
    whole = io.BytesIO()
    noisy_image((128, 96)).save(whole, format=image_format)
    path = tmp_path / "cut"
    path.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])

    with pytest.raises(InvalidMedia):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_png_with_corrupt_header_is_invalid_not_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "bad.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)

    with pytest.raises(InvalidMedia):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_empty_file_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")

    with pytest.raises(InvalidMedia):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_text_named_png_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "poster.png"
    path.write_text("Walk away from trouble tonight.\n")

    with pytest.raises(UnsupportedMedia):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_svg_with_script_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "poster.svg"
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        "<script>fetch('/v1/users')</script><rect width='10' height='10'/></svg>"
    )

    with pytest.raises(UnsupportedMedia):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_pdf_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "poster.jpg"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")

    with pytest.raises(UnsupportedMedia):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_gif_is_unsupported(tmp_path: Path) -> None:
    path = write(tmp_path / "poster.png", noisy_image(), "GIF")

    with pytest.raises(UnsupportedMedia, match="GIF"):
        probe_file(path, max_pixels=MAX_PIXELS)


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_animated_image_is_unsupported(tmp_path: Path, image_format: str) -> None:
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("red", "blue", "green")]
    path = tmp_path / "animation"
    frames[0].save(path, format=image_format, save_all=True, append_images=frames[1:])

    with pytest.raises(UnsupportedMedia, match="Animated"):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_png_header_claiming_50000_square_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_declaring(50_000, 50_000))

    with pytest.raises(InvalidMedia):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_png_over_max_pixels_is_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(png_declaring(5_000, 5_000))

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)

    with pytest.raises(InvalidMedia, match="limit"):
        probe_file(path, max_pixels=1_000_000)


def test_real_large_solid_png_over_max_pixels_is_invalid(tmp_path: Path) -> None:
    path = write(tmp_path / "solid.png", Image.new("L", (4000, 3000), 0), "PNG")
    assert path.stat().st_size < 100_000  # small on disk, 12 Mpx decoded

    with pytest.raises(InvalidMedia, match="4000x3000"):
        probe_file(path, max_pixels=1_000_000)


def test_webp_header_claiming_huge_canvas_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "bomb.webp"
    path.write_bytes(webp_declaring(16_000, 16_000))

    with pytest.raises(InvalidMedia, match="limit"):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_probe_refuses_to_run_with_truncated_loading_enabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "ok.png", noisy_image(), "PNG")
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        probe_file(path, max_pixels=MAX_PIXELS)
