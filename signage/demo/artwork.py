"""Walk Away style campaign artwork, drawn at seed time (no image files ship with the code).

Bright, high-contrast, legible from across a bar: a yellow field, a black band with the call to
action, and the force's name. Landscape (1920x1080) and portrait (1080x1920) variants.
"""

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))

YELLOW = (255, 214, 0)
BLACK = (17, 17, 17)
WHITE = (255, 255, 255)
BLUE = (0, 48, 135)


def _font(size: int, *, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size)
    # Pillow's bundled font scales too, so the artwork is legible without system fonts.
    return ImageFont.load_default(size=size)


def _centred(
    draw: ImageDraw.ImageDraw,
    y: int,
    text: str,
    font: object,
    fill: tuple[int, int, int],
    width: int,
) -> int:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)  # type: ignore[arg-type]
    draw.text(((width - (right - left)) // 2 - left, y - top), text, font=font, fill=fill)  # type: ignore[arg-type]
    return int(y + (bottom - top))


def _fit(draw: ImageDraw.ImageDraw, texts: list[str], width: int, start: int) -> object:
    """The largest font, up to ``start``, in which every one of ``texts`` fits ``width``."""
    size = start
    while size > 12:
        font = _font(size)
        widths = [
            draw.textbbox((0, 0), t, font=font)[2] - draw.textbbox((0, 0), t, font=font)[0]
            for t in texts
        ]
        if max(widths) <= width:
            return font
        size -= 4
    return _font(12)


def poster(
    *,
    width: int,
    height: int,
    headline: str,
    lines: list[str],
    footer: str,
    accent: tuple[int, int, int] = YELLOW,
) -> bytes:
    """A PNG poster: ``headline`` in a black band, ``lines`` below it, ``footer`` at the foot."""
    image = Image.new("RGB", (width, height), accent)
    draw = ImageDraw.Draw(image)
    margin = width // 16
    band_top, band_height = height // 5, height // 4
    draw.rectangle((0, band_top, width, band_top + band_height), fill=BLACK)
    headline_font = _fit(draw, [headline], width - 2 * margin, band_height * 3 // 4)
    box = draw.textbbox((0, 0), headline, font=headline_font)  # type: ignore[arg-type]
    _centred(
        draw,
        int(band_top + (band_height - (box[3] - box[1])) // 2),
        headline,
        headline_font,
        accent,
        width,
    )
    y = band_top + band_height + height // 14
    body_font = _fit(draw, lines, width - 2 * margin, max(24, min(width, height) // 9))
    for line in lines:
        y = _centred(draw, y, line, body_font, BLACK, width) + height // 40
    footer_height = height // 9
    draw.rectangle((0, height - footer_height, width, height), fill=BLUE)
    footer_font = _fit(draw, [footer], width - 2 * margin, footer_height // 2)
    box = draw.textbbox((0, 0), footer, font=footer_font)  # type: ignore[arg-type]
    _centred(
        draw,
        int(height - footer_height + (footer_height - (box[3] - box[1])) // 2),
        footer,
        footer_font,
        WHITE,
        width,
    )
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def walk_away(width: int, height: int, *, force: str) -> bytes:
    return poster(
        width=width,
        height=height,
        headline="WALK AWAY",
        lines=["Tempers rising?", "Walk away before", "it turns violent."],
        footer=force,
    )


def get_home_safe(width: int, height: int, *, force: str) -> bytes:
    return poster(
        width=width,
        height=height,
        headline="GET HOME SAFE",
        lines=["Closing time.", "Stick with your mates,", "plan your way home."],
        footer=force,
        accent=(0, 200, 255),
    )
