"""QR codes of invite links, as PNG images to print or to show on a classroom screen, each
labelled with the school, the group and the session, so that printed ones can be told apart."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

# Big enough to read from the back of a classroom when projected, small enough to send fast.
SCALE = 10
BORDER = 4
# The label under the code is drawn in matplotlib's own DejaVu fonts: they carry every letter
# the bot's languages use (ā, ņ, ї, ё), wherever the bot runs.
TITLE_SIZE = 26
LINE_SIZE = 22
MARGIN = 20
LINE_GAP = 8
MAX_TITLE_LINES = 3


@cache
def label_font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    import matplotlib  # imported late: only a QR code's label needs its fonts

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), size)


def qr_png(link: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=SCALE, border=BORDER)
    return buffer.getvalue()


def labelled_qr_png(link: str, title: str, lines: list[str]) -> bytes:
    """The link's QR code with `title` (the school, in bold, wrapped) and `lines` (the group
    and the session) drawn under it."""
    code = Image.open(io.BytesIO(qr_png(link))).convert("RGB")
    width = max(code.width, 480)
    usable = width - 2 * MARGIN
    title_font = label_font(True, TITLE_SIZE)
    line_font = label_font(False, LINE_SIZE)
    drawn = [(text, title_font) for text in wrapped(title, title_font, usable)[:MAX_TITLE_LINES]]
    drawn += [(text, line_font) for text in lines]
    heights = [_height(font) for _, font in drawn]
    label = sum(heights) + LINE_GAP * (len(drawn) - 1) + MARGIN
    image = Image.new("RGB", (width, code.height + label), "white")
    image.paste(code, ((width - code.width) // 2, 0))
    draw = ImageDraw.Draw(image)
    y = code.height
    for (text, font), height in zip(drawn, heights, strict=True):
        text = _fitted(text, font, usable)
        x = (width - draw.textlength(text, font=font)) / 2
        draw.text((x, y), text, fill="black", font=font)
        y += height + LINE_GAP
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def wrapped(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The text in lines no wider than `width`, broken between words."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and font.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _fitted(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """The text, cut with "…" if even one word is wider than the image."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(f"{text}…") > width:
        text = text[:-1]
    return f"{text}…"


def _height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent
