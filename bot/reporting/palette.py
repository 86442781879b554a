"""Colours of the reports, chosen to stay distinguishable with colour-vision deficiencies."""

from __future__ import annotations

from typing import Final

from bot.surveys.vocabulary import Profile

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, reddish purple.
# The fourth is the reddish purple rather than vermilion, which passes for the orange to
# readers with a red-green deficiency.
GROUP_COLOURS: Final[dict[Profile, str]] = {
    "leader": "#0072B2",
    "teacher": "#E69F00",
    "student": "#009E73",
    "trainer": "#CC79A7",
}

# Answers 1..5 on a diverging red-blue scale (ColorBrewer RdBu, safe for colour-blind readers):
# 1–2 disagree in reds, 3–5 agree in blues (3 is "slightly agree"); N/A in a neutral grey.
SCALE_COLOURS: Final[dict[int, str]] = {
    1: "#CA0020",
    2: "#F4A582",
    3: "#D1E5F0",
    4: "#67A9CF",
    5: "#2166AC",
    0: "#BDBDBD",
}

INK: Final[str] = "#1A1A1A"
MUTED: Final[str] = "#595959"
GRID: Final[str] = "#D9D9D9"


def text_colour_on(background: str) -> str:
    """Black or white, whichever reads better on `background` (a #RRGGBB colour)."""
    red, green, blue = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return INK if luminance > 0.45 else "#FFFFFF"
