"""An A4 page to write on from the top down, in inches: the layout primitive of the PDF report."""

from __future__ import annotations

import functools
import textwrap
from typing import Final

from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Rectangle

from bot.reporting.literal import LITERAL
from bot.reporting.palette import INK, MUTED, SCALE_COLOURS, text_colour_on

A4: Final[tuple[float, float]] = (8.27, 11.69)
MARGIN: Final[float] = 0.6
BOTTOM: Final[float] = A4[1] - 0.8  # below this line there is only the footer
MIN_LABELLED_PART: Final[float] = 0.3  # inches; narrower parts of a bar carry no count
POINTS_PER_INCH: Final[float] = 72.0
# Average advance of DejaVu Sans in Latin text, as a share of the font size; for estimating
# line lengths when there is no text to measure.
CHAR_WIDTH: Final[float] = 0.56
_MEASURE_SIZE: Final[float] = 100.0


@functools.cache
def _font() -> FT2Font:
    return FT2Font(findfont(FontProperties(family=rcParams["font.family"])))


def char_width(sample: str) -> float:
    """The average advance of the characters of `sample` in the reports' font, as a share of
    the font size (Cyrillic letters are wider than Latin ones, so a fixed share will not do)."""
    if not sample.strip():
        return CHAR_WIDTH
    font = _font()
    font.set_size(_MEASURE_SIZE, POINTS_PER_INCH)
    font.set_text(sample, 0.0)
    width, _ = font.get_width_height()  # in 1/64 of a point at this size
    return max(CHAR_WIDTH, width / 64 / _MEASURE_SIZE / len(sample))


def chars_per_line(width: float, size: float, sample: str = "") -> int:
    return max(8, int(width * POINTS_PER_INCH / (size * char_width(sample))))


# matplotlib spaces lines by this multiple of a line's own height (about 1.16 × the font size
# for DejaVu Sans), which makes `line_height` below.
LINE_SPACING: Final[float] = 1.2


def line_height(size: float) -> float:
    return size * LINE_SPACING * 1.164 / POINTS_PER_INCH


class Page:
    """One figure the size of an A4 sheet; `y` is the writing position in inches from the top."""

    def __init__(self) -> None:
        self.figure = Figure(figsize=A4, dpi=100, facecolor="white")
        self.canvas: Axes = self.figure.add_axes((0, 0, 1, 1))
        self.canvas.set_xlim(0, A4[0])
        self.canvas.set_ylim(A4[1], 0)
        self.canvas.set_axis_off()
        self.y = MARGIN
        self.width = A4[0] - 2 * MARGIN
        self._patches: list[Rectangle] = []

    def room(self) -> float:
        return BOTTOM - self.y

    def skip(self, inches: float) -> None:
        self.y += inches

    def text(
        self,
        content: str,
        size: float,
        *,
        x: float = MARGIN,
        width: float | None = None,
        weight: str = "normal",
        colour: str = INK,
        style: str = "normal",
        max_lines: int | None = None,
    ) -> None:
        """Write `content` wrapped to `width` inches, and move below it."""
        lines = wrap(content, width or (A4[0] - MARGIN - x), size, max_lines=max_lines)
        # One Text for all the lines: drawing cost is mostly per Text object.
        self.canvas.text(
            x,
            self.y,
            "\n".join(lines),
            **LITERAL,
            fontsize=size,
            fontweight=weight,
            fontstyle=style,
            color=colour,
            va="top",
            ha="left",
            linespacing=LINE_SPACING,
        )
        self.y += len(lines) * line_height(size)

    def at(
        self, x: float, content: str, size: float, *, weight: str = "normal", colour: str = INK
    ) -> None:
        """Write one line at `x` on the current line, without moving."""
        self.canvas.text(
            x,
            self.y,
            content,
            **LITERAL,
            fontsize=size,
            fontweight=weight,
            color=colour,
            va="top",
            ha="left",
        )

    def swatch(self, x: float, colour: str, size: float) -> None:
        side = size / POINTS_PER_INCH
        self._patches.append(Rectangle((x, self.y + 0.02), side, side, facecolor=colour))

    def stacked_bar(
        self, x: float, width: float, height: float, counts: tuple[int, ...], size: float
    ) -> None:
        """A horizontal bar of the answers 1..5 then N/A, each part as wide as its share."""
        total = sum(counts)
        left = x
        for value in (1, 2, 3, 4, 5, 0):
            count = counts[value]
            if total == 0 or count == 0:
                continue
            part = width * count / total
            colour = SCALE_COLOURS[value]
            self._patches.append(Rectangle((left, self.y), part, height, facecolor=colour))
            if part >= MIN_LABELLED_PART:
                self.canvas.text(
                    left + part / 2,
                    self.y + height / 2,
                    str(count),
                    **LITERAL,
                    fontsize=size,
                    color=text_colour_on(colour),
                    ha="center",
                    va="center",
                )
            left += part

    def finish(self, footer: str) -> Figure:
        """Add the footer and the collected shapes (one collection draws faster than many)."""
        self.canvas.text(
            A4[0] / 2,
            A4[1] - 0.45,
            footer,
            **LITERAL,
            fontsize=8,
            color=MUTED,
            ha="center",
            va="top",
        )
        self.canvas.add_collection(
            PatchCollection(self._patches, match_original=True, edgecolor="white", linewidth=0.6)
        )
        return self.figure


def wrap(content: str, width: float, size: float, *, max_lines: int | None = None) -> list[str]:
    lines: list[str] = []
    for paragraph in content.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, chars_per_line(width, size, paragraph)) or [""])
    if max_lines is not None and len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines = [
            *lines[: max_lines - 1],
            textwrap.shorten(rest, chars_per_line(width, size, rest), placeholder=" …"),
        ]
    return lines
