"""Colours of the reports: one palette for the chart and the PDF, chosen to stay apart with
colour-vision deficiencies and when printed in black and white.

Hues follow Okabe & Ito (2008), "Color Universal Design", and ColorBrewer's red-blue scale; their
lightness is spread out so that a grey print still tells every colour from its neighbours
(`lightness`, CIELAB L*, is what a grey print keeps).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from bot.surveys.vocabulary import NOT_APPLICABLE, PROFILES, Profile

# Per group in PROFILES order: dark blue (L* 31), light orange (77), green (47), then reddish
# purple (61) for a fourth group. A group beyond these has no colour and stops the import.
_GROUP_SEQUENCE: Final[tuple[str, ...]] = ("#004B7F", "#F2B33D", "#008060", "#CC79A7")
if len(PROFILES) > len(_GROUP_SEQUENCE):
    raise RuntimeError("bot/reporting/palette.py: give every group a colour")
GROUP_COLOURS: Final[Mapping[Profile, str]] = MappingProxyType(
    dict(zip(PROFILES, _GROUP_SEQUENCE, strict=False))
)


@dataclass(frozen=True, slots=True)
class Fill:
    """How one answer value is filled: a colour, and hatching for the answers that disagree,
    so that 1 and 5, or 2 and 3, differ in a grey print even where their lightness is close."""

    colour: str
    hatch: str = ""
    hatch_colour: str = "#FFFFFF"


# Answers 1..5: disagreeing in hatched reds, agreeing in blues from light to dark; N/A in a
# light grey. L* of 5, 1, 4, 2, 3, N/A: 31, 38 (hatched), 58, 75 (hatched), 77, 93.
SCALE_FILLS: Final[Mapping[int, Fill]] = MappingProxyType(
    {
        1: Fill("#B2182B", hatch="////", hatch_colour="#F4C7C0"),
        2: Fill("#F4A582", hatch="////", hatch_colour="#B2182B"),
        3: Fill("#92C5DE"),
        4: Fill("#4393C3"),
        5: Fill("#174A7C"),
        NOT_APPLICABLE: Fill("#EBEBEB"),
    }
)
SCALE_COLOURS: Final[Mapping[int, str]] = MappingProxyType(
    {value: fill.colour for value, fill in SCALE_FILLS.items()}
)

INK: Final[str] = "#1A1A1A"
MUTED: Final[str] = "#595959"
GRID: Final[str] = "#D9D9D9"
WHITE: Final[str] = "#FFFFFF"


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of a #RRGGBB colour, 0 (black) to 1 (white)."""
    channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    red, green, blue = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def lightness(colour: str) -> float:
    """CIELAB L* of a #RRGGBB colour, 0 to 100: how light it prints in grey."""
    y = relative_luminance(colour)
    f = y ** (1 / 3) if y > (6 / 29) ** 3 else y / (3 * (6 / 29) ** 2) + 4 / 29
    return 116 * f - 16


def text_colour_on(background: str) -> str:
    """Ink or white, whichever contrasts more with `background` (WCAG contrast ratio)."""
    y = relative_luminance(background)
    white_text = 1.05 / (y + 0.05)
    ink_text = (y + 0.05) / (relative_luminance(INK) + 0.05)
    return INK if ink_text >= white_text else WHITE
