"""QR codes of invite links, as PNG images to print or to show on a classroom screen."""

from __future__ import annotations

import io

import segno

# Big enough to read from the back of a classroom when projected, small enough to send fast.
SCALE = 10
BORDER = 4


def qr_png(link: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=SCALE, border=BORDER)
    return buffer.getvalue()
