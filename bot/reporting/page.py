"""A4 pages to write on from the top down, in inches: the layout primitives of the PDF report.

`Page` is one sheet; `Flow` fills pages one block after another and starts a new page only
when the next block does not fit, so that no page is left half empty.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Final

from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Rectangle

from bot.reporting.literal import LITERAL
from bot.reporting.palette import INK, MUTED, SCALE_FILLS, WHITE, Fill, text_colour_on

A4: Final[tuple[float, float]] = (8.27, 11.69)
MARGIN: Final[float] = 0.6
BOTTOM: Final[float] = A4[1] - 0.8  # below this line there is only the footer
# A part of a stacked bar is at least this wide (inches), and wider for a long count, so that
# every part carries its count.
MIN_PART: Final[float] = 0.2
POINTS_PER_INCH: Final[float] = 72.0
# Average advance of DejaVu Sans in Latin text, as a share of the font size; for estimating
# line lengths when there is no text to measure.
CHAR_WIDTH: Final[float] = 0.56
_MEASURE_SIZE: Final[float] = 100.0
_SPARE: Final[float] = 1.02  # measured widths, widened for the renderer's hinting


@functools.cache
def _font(bold: bool = False) -> FT2Font:
    weight = "bold" if bold else "normal"
    return FT2Font(findfont(FontProperties(family=rcParams["font.family"], weight=weight)))


@functools.lru_cache(maxsize=8192)
def _advance(content: str, bold: bool) -> float:
    """The width of one line of `content` at 1 pt, in points."""
    font = _font(bold)
    font.set_size(_MEASURE_SIZE, POINTS_PER_INCH)
    font.set_text(content, 0.0)
    width, _ = font.get_width_height()  # in 1/64 of a point at this size
    return width / 64 / _MEASURE_SIZE


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


def text_height(
    content: str, size: float, width: float, *, max_lines: int | None = None, bold: bool = False
) -> float:
    """The height `Page.text` gives `content` in `width` inches."""
    return len(wrap(content, width, size, max_lines=max_lines, bold=bold)) * line_height(size)


def text_width(content: str, size: float, *, bold: bool = False) -> float:
    """The width of one line of `content`, in inches, as the reports' font draws it."""
    return _advance(content, bold) * size * _SPARE / POINTS_PER_INCH


class Page:
    """One figure the size of an A4 sheet; `y` is the writing position in inches from the top."""

    def __init__(self) -> None:
        self.figure = Figure(figsize=A4, dpi=100, facecolor="white")
        self.canvas: Axes = self.figure.add_axes((0, 0, 1, 1))
        self.canvas.set_xlim(0, A4[0])
        self.canvas.set_ylim(A4[1], 0)
        self.canvas.set_axis_off()
        self.y = MARGIN
        self.start = MARGIN  # where the page's own content begins, below any running header
        self.width = A4[0] - 2 * MARGIN
        self._patches: dict[Fill, list[Rectangle]] = {}

    def room(self) -> float:
        return BOTTOM - self.y

    @property
    def blank(self) -> bool:
        return self.y <= self.start

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
        lines = wrap(
            content, width or (A4[0] - MARGIN - x), size, max_lines=max_lines, bold=weight == "bold"
        )
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

    def swatch(self, x: float, fill: Fill | str, size: float) -> None:
        side = size / POINTS_PER_INCH
        self._shape(x, self.y + 0.02, side, side, fill)

    def _shape(self, x: float, y: float, width: float, height: float, fill: Fill | str) -> None:
        filled = fill if isinstance(fill, Fill) else Fill(fill)
        rectangle = Rectangle((x, y), width, height, facecolor=filled.colour)
        self._patches.setdefault(Fill("", filled.hatch, filled.hatch_colour), []).append(rectangle)

    def stacked_bar(
        self, x: float, width: float, height: float, counts: Sequence[int], size: float
    ) -> None:
        """A horizontal bar of the answers 1..5 then N/A, each part as wide as its share but
        never too narrow for its count, which it carries."""
        values = [value for value in (1, 2, 3, 4, 5, 0) if counts[value] > 0]
        minimum = [max(MIN_PART, text_width(str(counts[v]), size) + 0.08) for v in values]
        left = x
        for value, part in zip(
            values, part_widths([counts[v] for v in values], width, minimum), strict=True
        ):
            fill = SCALE_FILLS[value]
            self._shape(left, self.y, part, height, fill)
            self.canvas.text(
                left + part / 2,
                self.y + height / 2,
                str(counts[value]),
                **LITERAL,
                fontsize=size,
                fontweight="bold",
                color=text_colour_on(fill.colour),
                ha="center",
                va="center",
                # a plain ground under the count where the part is hatched
                bbox=(
                    {"facecolor": fill.colour, "edgecolor": "none", "pad": 0.6}
                    if fill.hatch
                    else None
                ),
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
        # One collection per hatching draws faster than a patch each, and a collection has
        # one hatch.
        for style, patches in self._patches.items():
            shapes = PatchCollection(patches, match_original=True, edgecolor=WHITE, linewidth=0.6)
            if style.hatch:
                shapes.set_hatch(style.hatch)
                shapes.set_hatchcolor(style.hatch_colour)
                shapes.set_hatch_linewidth(0.7)
            self.canvas.add_collection(shapes)
        return self.figure


def part_widths(counts: Sequence[int], width: float, minimum: Sequence[float]) -> list[float]:
    """`width` shared out in proportion to `counts`, except that no part is narrower than its
    `minimum`: those get their minimum and the rest share what is left."""
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(len(counts)) if i not in fixed]
        room = width - sum(fixed.values())
        total = sum(counts[i] for i in free)
        shares = {i: room * counts[i] / total for i in free} if total else {}
        narrow = [i for i in free if shares[i] < minimum[i]]
        if not narrow:
            break
        fixed |= {i: minimum[i] for i in narrow}
    return [fixed.get(i, shares.get(i, 0.0)) for i in range(len(counts))]


class Flow:
    """Pages written one block after another: `room_for` gives the page a block goes on."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        # Called on each new page, e.g. to repeat a section's heading and legend.
        self.on_new_page: Callable[[Page], None] | None = None
        self.new_page()

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def new_page(self) -> Page:
        page = Page()
        self.pages.append(page)
        if self.on_new_page is not None:
            self.on_new_page(page)
        page.start = page.y
        return page

    def room_for(self, height: float) -> Page:
        """The current page if a block `height` inches tall fits on it, else a new one (a
        block taller than a page goes on a page of its own)."""
        if height > self.page.room() and not self.page.blank:
            return self.new_page()
        return self.page


def wrap(
    content: str, width: float, size: float, *, max_lines: int | None = None, bold: bool = False
) -> list[str]:
    """`content` broken into lines no wider than `width` inches, measured in the reports' font;
    past `max_lines` the last line ends with " …"."""

    def fits(line: str) -> bool:
        return text_width(line, size, bold=bold) <= width

    lines: list[str] = []
    for paragraph in content.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            joined = f"{line} {word}" if line else word
            if fits(joined):
                line = joined
                continue
            if line:
                lines.append(line)
            while not fits(word) and len(word) > 1:  # a word wider than the line is cut
                cut = next((n for n in range(len(word) - 1, 0, -1) if fits(word[:n])), 1)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        words = " ".join(lines[max_lines - 1 :]).split()
        last = ""
        for word in words:
            if not fits(f"{last} {word} …".strip()):
                break
            last = f"{last} {word}".strip()
        lines = [*lines[: max_lines - 1], f"{last} …".strip()]
    return lines
