"""The school's digital badge: a round emblem naming the school, the session's period and the
groups that took part, with SELFIE's "we took part" words. It shows no result."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Final

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Wedge

from bot.i18n.formatting import period
from bot.reporting.certificate import school_lines
from bot.reporting.chart import png_bytes
from bot.reporting.labels import labels
from bot.reporting.literal import LITERAL
from bot.reporting.palette import GROUP_COLOURS, INK, MUTED
from bot.surveys.vocabulary import Language, Profile

SIZE_PX: Final[int] = 1000
DPI: Final[int] = 100
CENTRE: Final[float] = SIZE_PX / 2
RING_OUTER: Final[float] = 480
RING_WIDTH: Final[float] = 34
INNER: Final[float] = RING_OUTER - RING_WIDTH - 14  # the thin circle inside the ring
PADDING: Final[float] = 40  # between a line of text and the inner circle
# Fits of the school's name inside the ring: (characters per line, font size).
_SCHOOL_FITS: Final[tuple[tuple[int, float], ...]] = ((22, 34), (28, 27), (36, 21), (44, 17))


def build_badge(
    *, school: str, start: date, end: date, groups: Sequence[Profile], language: Language
) -> Figure:
    text = labels()
    fig = Figure(figsize=(SIZE_PX / DPI, SIZE_PX / DPI), dpi=DPI, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, SIZE_PX)
    ax.set_ylim(SIZE_PX, 0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    # The ring in the colours of the groups that took part, one arc each.
    share = 360 / max(1, len(groups))
    for index, profile in enumerate(groups):
        ax.add_patch(
            Wedge(
                (CENTRE, CENTRE),
                RING_OUTER,
                90 + index * share,
                90 + (index + 1) * share,
                width=RING_WIDTH,
                color=GROUP_COLOURS[profile],
                lw=0,
            )
        )
    ax.add_patch(Circle((CENTRE, CENTRE), INNER, fill=False, edgecolor=MUTED, lw=1))
    FigureCanvasAgg(fig)  # to measure the lines before the drawing

    def write(y: float, words: str, size: float, **style: object) -> None:
        """Centred at height `y`, in smaller type where the circle is too narrow for it."""
        drawn = ax.text(CENTRE, y, words, **LITERAL, fontsize=size, ha="center", va="center")
        drawn.update(style)
        extent = drawn.get_window_extent()
        # The circle's width at the block's top or bottom, whichever is nearer its edge.
        reach = abs(y - CENTRE) + extent.height / 2
        room = 2 * math.sqrt(max(INNER**2 - reach**2, 0.0)) - 2 * PADDING
        if extent.width > room > 0:
            drawn.set_fontsize(size * room / extent.width)

    write(170, "SELFIE", 40, color=INK, fontweight="bold")
    write(265, text(language, "badge.took_part"), 46, color=INK, fontweight="bold")
    write(335, text(language, "badge.subtitle"), 19, color=MUTED)
    lines, size = school_lines(school, _SCHOOL_FITS)
    write(
        480,
        "\n".join(lines),
        size,
        color=GROUP_COLOURS["leader"],
        fontweight="bold",
        linespacing=1.25,
    )
    write(630, text(language, "badge.period", period=period(start, end, language)), 19, color=INK)
    names = " · ".join(text.group(profile, language) for profile in groups)
    write(690, names, 16, color=MUTED)
    write(800, text(language, "badge.name"), 22, color=INK, fontstyle="italic")
    return fig


def badge_png(
    *, school: str, start: date, end: date, groups: Sequence[Profile], language: Language
) -> bytes:
    """The badge as PNG bytes, 1000 × 1000 px."""
    return png_bytes(
        build_badge(school=school, start=start, end=end, groups=groups, language=language)
    )
