"""A participation certificate: a small PNG naming the school, the session's dates and the day
it was issued. It names no person and shows no answer."""

from __future__ import annotations

import textwrap
from datetime import date
from typing import Final

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bot.i18n.formatting import day, period
from bot.reporting.chart import png_bytes
from bot.reporting.labels import labels
from bot.reporting.literal import LITERAL
from bot.reporting.palette import GROUP_COLOURS, INK, MUTED, SCALE_COLOURS
from bot.surveys.vocabulary import Language

SIZE_PX: Final[tuple[int, int]] = (1200, 850)
DPI: Final[int] = 100
# (characters per line, font size): the school's name gets the first that keeps it to 3 lines.
_SCHOOL_FITS: Final[tuple[tuple[int, float], ...]] = ((34, 38), (40, 30), (52, 24), (64, 19))
_BAND: Final[tuple[str, ...]] = (
    GROUP_COLOURS["leader"],
    GROUP_COLOURS["teacher"],
    GROUP_COLOURS["student"],
    SCALE_COLOURS[5],
)


def build_certificate(
    *, school: str, start: date, end: date, issued: date, language: Language
) -> Figure:
    text = labels()
    fig = Figure(figsize=(SIZE_PX[0] / DPI, SIZE_PX[1] / DPI), dpi=DPI, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, SIZE_PX[0])
    ax.set_ylim(SIZE_PX[1], 0)
    ax.set_axis_off()
    ax.add_patch(
        Rectangle((28, 28), SIZE_PX[0] - 56, SIZE_PX[1] - 56, fill=False, edgecolor=INK, lw=2.5)
    )
    ax.add_patch(
        Rectangle((40, 40), SIZE_PX[0] - 80, SIZE_PX[1] - 80, fill=False, edgecolor=MUTED, lw=0.8)
    )
    stripe = (SIZE_PX[0] - 80) / len(_BAND)
    for index, colour in enumerate(_BAND):
        ax.add_patch(Rectangle((40 + index * stripe, 40), stripe, 22, color=colour, lw=0))

    centre = SIZE_PX[0] / 2
    ax.text(
        centre,
        150,
        text(language, "certificate.title"),
        **LITERAL,
        fontsize=40,
        fontweight="bold",
        color=INK,
        ha="center",
        va="center",
    )
    ax.text(
        centre,
        220,
        text(language, "certificate.subtitle"),
        **LITERAL,
        fontsize=22,
        color=MUTED,
        ha="center",
        va="center",
    )
    lines, size = school_lines(school)
    ax.text(
        centre,
        360,
        "\n".join(lines),
        **LITERAL,
        fontsize=size,
        fontweight="bold",
        color=GROUP_COLOURS["leader"],
        ha="center",
        va="center",
        linespacing=1.25,
    )
    ax.text(
        centre,
        510,
        text(language, "certificate.period", period=period(start, end, language)),
        **LITERAL,
        fontsize=22,
        color=INK,
        ha="center",
        va="center",
    )
    ax.text(
        centre,
        600,
        text(language, "certificate.thanks"),
        **LITERAL,
        fontsize=20,
        fontstyle="italic",
        color=MUTED,
        ha="center",
        va="center",
    )
    ax.text(
        centre,
        730,
        text(language, "certificate.issued", date=day(issued, language)),
        **LITERAL,
        fontsize=18,
        color=MUTED,
        ha="center",
        va="center",
    )
    return fig


def school_lines(
    school: str, fits: tuple[tuple[int, float], ...] = _SCHOOL_FITS
) -> tuple[list[str], float]:
    """The school's name in at most three lines, in the largest type of `fits` (characters
    per line, font size) that keeps it to three."""
    for width, size in fits:
        lines = textwrap.wrap(school, width)
        if len(lines) <= 3:
            return lines, size
    width, size = fits[-1]
    lines = textwrap.wrap(school, width)
    return [*lines[:2], textwrap.shorten(" ".join(lines[2:]), width, placeholder=" …")], size


def certificate_png(
    *, school: str, start: date, end: date, issued: date, language: Language
) -> bytes:
    """The certificate as PNG bytes, 1200 × 850 px."""
    return png_bytes(
        build_certificate(school=school, start=start, end=end, issued=issued, language=language)
    )
