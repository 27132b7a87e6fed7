"""Still images: PNG, JPEG and WebP, identified by their bytes and proven by a full decode.

Decisions:
- Animated images (APNG, animated WebP) are refused as unsupported: a player shows one creative
  per item with a duration, and animation belongs in MP4/WebM where its length is explicit.
- GIF is refused too (the contract lists PNG, JPEG, WebP only).
- Re-encoding drops EXIF (GPS, camera serials), XMP and comments, after applying the EXIF
  orientation. The ICC profile is kept: phones shoot Display P3, and dropping the profile would
  shift the colours of a campaign's brand palette; a profile says nothing about the uploader.
- JPEG is re-encoded at quality 92 with the source's chroma subsampling (posters are text-heavy,
  and 4:4:4 sources keep red text crisp). WebP stays lossless if the source was VP8L, else
  quality 90. PNG is lossless by nature.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageFile, ImageOps, JpegImagePlugin, UnidentifiedImageError

from signage.media.errors import InvalidMedia, MediaError, UnsupportedMedia
from signage.media.model import ProbedMedia

# 8K UHD (33 Mpx) and large posters fit; the limit also bounds decode memory (4 bytes a pixel).
DEFAULT_MAX_PIXELS = 40_000_000

JPEG_QUALITY = 92
WEBP_LOSSY_QUALITY = 90

_MIME_AND_EXTENSION = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}
_EXIF_ORIENTATION = 0x0112
_ORIENTATIONS_THAT_SWAP_AXES = {5, 6, 7, 8}
_DAMAGED = "The image is damaged or incomplete and could not be decoded."
_UNWRITABLE = "The image's pixel format is not supported; export it as 8-bit RGB or RGBA."


def sniff_image_format(head: bytes) -> str | None:
    """The Pillow format name that the file's magic bytes announce, if it is one we accept."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def probe_image(path: Path, *, max_pixels: int) -> ProbedMedia:
    """Decode the whole image and describe it; the file is left untouched."""
    image, image_format = _load_checked(path, max_pixels=max_pixels)
    with image:
        width, height = image.size
        try:
            orientation = image.getexif().get(_EXIF_ORIENTATION)
        except Exception:  # a broken EXIF block only loses us the orientation
            orientation = None
    if orientation in _ORIENTATIONS_THAT_SWAP_AXES:
        width, height = height, width
    return _describe(image_format, width, height)


def sanitise_image(src: Path, dst: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ProbedMedia:
    """Validate `src`, then write an upright, metadata-free copy in the same format to `dst`."""
    image, image_format = _load_checked(src, max_pixels=max_pixels)
    with image:
        icc_profile = image.info.get("icc_profile")
        transparency = image.info.get("transparency")
        options = _encoder_options(src, image, image_format)
        try:
            upright = ImageOps.exif_transpose(image)
        except Exception as exc:
            raise InvalidMedia(_DAMAGED) from exc
    with upright:
        # Every metadata key Pillow would copy into the new file lives in `info`; start empty
        # and put back only what changes how the pixels look.
        upright.info = {}
        if image_format == "PNG" and transparency is not None:
            upright.info["transparency"] = transparency
        if icc_profile:
            options["icc_profile"] = icc_profile
        try:
            upright.save(dst, format=image_format, **options)
        except OSError as exc:
            if exc.errno is not None:  # the disk, not the picture: let it surface as a fault
                raise
            raise UnsupportedMedia(_UNWRITABLE) from exc
        except (KeyError, ValueError) as exc:
            raise UnsupportedMedia(_UNWRITABLE) from exc
        width, height = upright.size
    return _describe(image_format, width, height)


def _describe(image_format: str, width: int, height: int) -> ProbedMedia:
    mime_type, extension = _MIME_AND_EXTENSION[image_format]
    return ProbedMedia(
        kind="image",
        mime_type=mime_type,
        width=width,
        height=height,
        duration_ms=None,
        extension=extension,
    )


def _encoder_options(src: Path, image: Image.Image, image_format: str) -> dict[str, Any]:
    if image_format == "JPEG":
        options: dict[str, Any] = {"quality": JPEG_QUALITY, "optimize": True}
        sampling = JpegImagePlugin.get_sampling(image)
        if sampling != -1:
            options["subsampling"] = sampling
        return options
    if image_format == "WEBP":
        header = _read_webp_header(src)
        if header is not None and header.lossless:
            return {"lossless": True}
        return {"quality": WEBP_LOSSY_QUALITY}
    return {}


def _require_strict_decoding() -> None:
    # With this flag set, Pillow pads a truncated file with grey instead of failing, and every
    # damaged upload would be accepted. It is process-global, so refuse loudly if anyone set it.
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False for validation")


def _check_pixels(width: int, height: int, *, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise InvalidMedia("The image has no pixels.")
    if width * height > max_pixels:
        raise InvalidMedia(
            f"The image is {width}x{height} pixels; the limit is {max_pixels} pixels in total."
        )


def _load_checked(path: Path, *, max_pixels: int) -> tuple[Image.Image, str]:
    """Open, check and fully decode an image; the caller closes the returned image."""
    _require_strict_decoding()
    with path.open("rb") as file:
        head = file.read(16)
    if not head:
        raise InvalidMedia("The file is empty.")
    image_format = sniff_image_format(head)
    if image_format is None:
        raise UnsupportedMedia(
            "Unsupported file type: upload a PNG, JPEG or WebP image, or an MP4 or WebM video."
        )
    if image_format == "WEBP":
        # libwebp allocates its canvas when Pillow opens the file, before any size check of
        # ours could run, so read the declared size from the RIFF header first.
        header = _read_webp_header(path)
        if header is None:
            raise InvalidMedia(_DAMAGED)
        _check_pixels(header.width, header.height, max_pixels=max_pixels)
    try:
        # Image.open reads the header only; the size check happens before any pixel is decoded.
        with Image.open(path, formats=[image_format]) as image:
            _check_pixels(*image.size, max_pixels=max_pixels)
            if getattr(image, "is_animated", False):
                raise UnsupportedMedia(
                    "Animated images are not supported; upload the animation as MP4 or WebM."
                )
            image.verify()  # PNG: checks every chunk's CRC, which a plain decode skips
        image = Image.open(path, formats=[image_format])
        try:
            image.load()
        except BaseException:
            image.close()
            raise
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidMedia("The image's dimensions are too large to process safely.") from exc
    except UnidentifiedImageError as exc:
        raise InvalidMedia(_DAMAGED) from exc
    except Exception as exc:  # decoders of untrusted bytes raise many types; all mean "damaged"
        raise InvalidMedia(_DAMAGED) from exc
    return image, image_format


@dataclass(frozen=True, slots=True)
class _WebPHeader:
    width: int
    height: int
    lossless: bool


def _read_webp_header(path: Path) -> _WebPHeader | None:
    """Declared canvas size and whether the bitstream is VP8L, from RIFF chunk headers only."""
    with path.open("rb") as file:
        riff = file.read(12)
        if len(riff) < 12 or riff[:4] != b"RIFF" or riff[8:12] != b"WEBP":
            return None
        canvas: tuple[int, int] | None = None
        while chunk := _next_chunk(file):
            fourcc, length = chunk
            if fourcc == b"VP8X":
                data = file.read(10)
                if len(data) < 10:
                    return None
                canvas = (
                    1 + int.from_bytes(data[4:7], "little"),
                    1 + int.from_bytes(data[7:10], "little"),
                )
                file.seek(length - 10 + (length & 1), 1)
            elif fourcc == b"VP8L":
                data = file.read(5)
                if len(data) < 5 or data[0] != 0x2F:
                    return None
                bits = int.from_bytes(data[1:5], "little")
                size = ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
                return _WebPHeader(*(canvas or size), lossless=True)
            elif fourcc == b"VP8 ":
                data = file.read(10)
                if len(data) < 10 or data[3:6] != b"\x9d\x01\x2a":
                    return None
                size = (
                    int.from_bytes(data[6:8], "little") & 0x3FFF,
                    int.from_bytes(data[8:10], "little") & 0x3FFF,
                )
                return _WebPHeader(*(canvas or size), lossless=False)
            else:
                # ANMF (animation frames) and metadata chunks: the canvas size is all we need.
                file.seek(length + (length & 1), 1)
        if canvas is not None:
            return _WebPHeader(*canvas, lossless=False)
        return None


def _next_chunk(file: BinaryIO) -> tuple[bytes, int] | None:
    header = file.read(8)
    if len(header) < 8:
        return None
    return header[:4], int.from_bytes(header[4:8], "little")
