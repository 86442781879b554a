"""The area chart: the mean of each area A–H per shown group, as one PNG that reads on a phone.

Bars are horizontal and each area's name stands on its own line above its bars, so that long
Latvian names need no abbreviation at 1080 px. Bars start at 1, the bottom of the scale, and
the mean is written at the end of each bar. A group that is not asked an area has no row there;
a group asked but without any 1–5 answer gets a "no answers" note instead of a bar.

Built on `matplotlib.figure.Figure` with the Agg canvas, never pyplot: no global state, safe
in a server process.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.i18n.formatting import number, period
from bot.reporting.labels import labels
from bot.reporting.literal import LITERAL, make_literal
from bot.reporting.page import POINTS_PER_INCH, chars_per_line, wrap
from bot.reporting.palette import GRID, GROUP_COLOURS, INK, MUTED
from bot.surveys.bank import Bank
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import AREA_CODES, PROFILES, Language, Profile

CHART_WIDTH_PX: Final[int] = 1080
CHART_DPI: Final[int] = 100
CAPTION_LIMIT: Final[int] = 1024  # Telegram's limit for a photo caption
X_LIMITS: Final[tuple[float, float]] = (1.0, 5.65)  # room after 5 for the written mean


@dataclass(frozen=True, slots=True)
class BarStyle:
    """Sizes of the bar block: fonts in points, rows in inches."""

    header_size: float
    value_size: float
    tick_size: float
    header_row: float
    bar_row: float
    area_gap: float


PHONE_STYLE: Final[BarStyle] = BarStyle(
    header_size=25, value_size=21, tick_size=20, header_row=0.5, bar_row=0.43, area_gap=0.2
)


@dataclass(frozen=True, slots=True)
class _Row:
    y: float  # centre, in inches from the top of the block
    area: str
    profile: Profile | None  # None for the area's header row
    mean: float | None
    # Why a group has no bar: "not_asked" (its questionnaire has no statement of the area) or
    # "below_minimum" (too few respondents to be shown); None when it has one.
    why: str | None = None


def _rows(results: SessionResults, bank: Bank, style: BarStyle) -> tuple[list[_Row], float]:
    rows: list[_Row] = []
    y = 0.0
    hidden = [group.profile for group in results.suppressed]
    if not results.shown_groups:
        return rows, y
    for area in AREA_CODES:
        rows.append(_Row(y + style.header_row / 2, area, None, None))
        y += style.header_row
        for profile in (p for p in PROFILES if p in results.shown_groups or p in hidden):
            if profile in hidden:
                why: str | None = "below_minimum"
            elif area not in bank.profile_areas[profile]:
                why = "not_asked"
            else:
                why = None
            score = results.area_score(area, profile) if why is None else None
            mean = score.mean if score else None
            rows.append(_Row(y + style.bar_row / 2, area, profile, mean, why))
            y += style.bar_row
        y += style.area_gap
    return rows, y


def bars_height(results: SessionResults, bank: Bank, style: BarStyle) -> float:
    """Height in inches that `draw_area_bars` needs with this style."""
    return _rows(results, bank, style)[1]


def draw_area_bars(
    ax: Axes, results: SessionResults, bank: Bank, language: Language, style: BarStyle
) -> None:
    """Draw the grouped bars into `ax`, whose data height is in inches from the top."""
    rows, height = _rows(results, bank, style)
    _scale_axes(ax, style, height)
    text = labels()
    header_chars = _chars_per_line(ax, style.header_size)
    bars = [row for row in rows if row.profile is not None and row.mean is not None]
    # One barh call for all the bars: far cheaper than one per bar.
    drawn = ax.barh(
        [row.y for row in bars],
        [(row.mean or 0) - X_LIMITS[0] for row in bars],
        left=X_LIMITS[0],
        height=style.bar_row * 0.74,
        color=[GROUP_COLOURS[row.profile] for row in bars if row.profile],
    )
    for patch, row in zip(drawn.patches, bars, strict=True):
        patch.set_gid(f"bar-{row.area}-{row.profile}")
    for row in rows:
        if row.profile is None:
            name = f"{row.area}  {bank.areas[row.area].name(language)}"
            ax.text(
                0,
                row.y,
                textwrap.shorten(name, header_chars, placeholder="…"),
                **LITERAL,
                transform=ax.get_yaxis_transform(),
                fontsize=style.header_size,
                fontweight="bold",
                color=INK,
                va="center",
                ha="left",
                # keeps the grid lines from striking through the area's name
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5},
            )
        elif row.mean is None:
            group = text.group(row.profile, language)
            why = text(
                language,
                f"chart.{row.why or 'no_answers'}",
                group=group,
                min=results.min_group_size,
            )
            ax.text(
                X_LIMITS[0] + 0.05,
                row.y,
                why,
                **LITERAL,
                fontsize=style.value_size * 0.85,
                fontstyle="italic",
                color=MUTED,
                va="center",
            )
        else:
            ax.text(
                row.mean + 0.05,
                row.y,
                number(row.mean, language),
                **LITERAL,
                fontsize=style.value_size,
                fontweight="bold",
                color=INK,
                va="center",
            )


def _scale_axes(ax: Axes, style: BarStyle, height: float) -> None:
    """The 1–5 scale across, ticked above and below; inches from the top down."""
    ax.set_xlim(*X_LIMITS)
    ax.set_ylim(height, 0)
    # Labels of our own, not the formatter's: under `text.usetex` it would write TeX.
    ax.set_xticks([1, 2, 3, 4, 5], labels=["1", "2", "3", "4", "5"], **LITERAL)
    ax.tick_params(
        axis="x", labelsize=style.tick_size, labeltop=True, top=False, bottom=False, colors=MUTED
    )
    ax.set_yticks([])
    ax.grid(axis="x", color=GRID, linewidth=1.2)
    ax.set_axisbelow(True)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _chars_per_line(ax: Axes, size: float) -> int:
    """How many characters of `size` points fit across `ax`, roughly."""
    figure = ax.get_figure(root=True)
    assert figure is not None
    return chars_per_line(ax.get_position().width * figure.get_figwidth(), size)


def legend_labels(results: SessionResults, language: Language) -> list[str]:
    text = labels()
    return [
        text(
            language,
            "chart.group_n",
            group=text.group(group.profile, language),
            count=group.respondents,
        )
        for group in results.participation
        if group.shown
    ]


def suppressed_note(results: SessionResults, language: Language) -> str | None:
    if not results.suppressed:
        return None
    text = labels()
    groups = ", ".join(
        f"{text.group(group.profile, language)} ({group.respondents})"
        for group in results.suppressed
    )
    return text(language, "chart.suppressed", min=results.min_group_size, groups=groups)


def scale_note(bank: Bank, language: Language) -> str:
    return labels()(
        language,
        "chart.scale",
        low=bank.scale_label(1, language),
        high=bank.scale_label(5, language),
    )


class _Column:
    """Stacks lines of the figure from the top down, in inches."""

    def __init__(self, fig: Figure, *, left: float, top: float) -> None:
        self.fig = fig
        self.left = left
        self.y = top

    def line(self, content: str, size: float, *, weight: str = "normal", colour: str = INK) -> None:
        height = self.fig.get_figheight()
        self.fig.text(
            self.left / self.fig.get_figwidth(),
            1 - self.y / height,
            content,
            **LITERAL,
            fontsize=size,
            fontweight=weight,
            color=colour,
            va="top",
            ha="left",
        )
        self.y += size * 1.45 / POINTS_PER_INCH


def build_area_chart(results: SessionResults, *, bank: Bank, language: Language) -> Figure:
    """The chart as a figure 1080 px wide; its height follows the number of bars."""
    text = labels()
    width = CHART_WIDTH_PX / CHART_DPI
    margin = 0.45
    inner = width - 2 * margin
    title_size, school_size, meta_size, legend_size, note_size = 32, 25, 21, 22, 18

    header_lines: list[tuple[str, float, str, str]] = [
        (text(language, "chart.title"), title_size, "bold", INK),
        *[
            (line, school_size, "bold", INK)
            for line in wrap(results.session.school_name, inner, school_size)
        ],
        (
            f"{period(results.session.start_date, results.session.end_date, language)}"
            f" · {text.level(results.session.level, language)}",
            meta_size,
            "normal",
            MUTED,
        ),
    ]
    notes = wrap(scale_note(bank, language), inner, note_size)
    hidden = suppressed_note(results, language)
    if hidden:
        notes += wrap(hidden, inner, note_size)
    shown = results.shown_groups
    legend_height = len(shown) * legend_size * 1.6 / POINTS_PER_INCH
    ticks = PHONE_STYLE.tick_size * 2.0 / POINTS_PER_INCH
    block = bars_height(results, bank, PHONE_STYLE) if shown else 1.2
    header_height = sum(size * 1.45 for _, size, _, _ in header_lines) / POINTS_PER_INCH
    notes_height = len(notes) * note_size * 1.45 / POINTS_PER_INCH
    height = 0.35 + header_height + 0.15 + legend_height + 0.2 + ticks + block + ticks
    height += 0.2 + notes_height + 0.3

    fig = Figure(figsize=(width, height), dpi=CHART_DPI, facecolor="white")
    column = _Column(fig, left=margin, top=0.35)
    for content, size, weight, colour in header_lines:
        column.line(content, size, weight=weight, colour=colour)
    column.y += 0.15
    if shown:
        legend = fig.legend(
            handles=[Patch(color=GROUP_COLOURS[p]) for p in shown],
            labels=legend_labels(results, language),
            loc="upper left",
            bbox_to_anchor=(margin / width - 0.008, 1 - column.y / height),
            frameon=False,
            fontsize=legend_size,
            handlelength=1.1,
            handleheight=1.0,
            borderaxespad=0,
            borderpad=0,
        )
        make_literal(legend.get_texts())
    column.y += legend_height + 0.2 + ticks
    ax = fig.add_axes(
        (margin / width, 1 - (column.y + block) / height, inner / width, block / height)
    )
    if shown:
        draw_area_bars(ax, results, bank, language, PHONE_STYLE)
    else:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            text(language, "chart.no_groups"),
            **LITERAL,
            ha="center",
            va="center",
            fontsize=legend_size,
            color=MUTED,
            wrap=True,
        )
    column.y += block + ticks + 0.2
    for line in notes:
        column.line(line, note_size, colour=MUTED)
    return fig


def png_bytes(fig: Figure, *, dpi: float | None = None) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", dpi=dpi or fig.dpi, facecolor=fig.get_facecolor())
    return buffer.getvalue()


def area_chart_png(results: SessionResults, *, bank: Bank, language: Language) -> bytes:
    """The area chart as PNG bytes, 1080 px wide."""
    return png_bytes(build_area_chart(results, bank=bank, language=language))


def caption(results: SessionResults, *, language: Language) -> str:
    """Plain text for the chart's message: the school, the dates and the participation.

    Plain text (no markup): send it without a parse mode. At most 1024 characters; only an
    overlong school name is shortened to fit.
    """
    text = labels()
    lines = [
        text(
            language,
            "caption.period",
            period=period(results.session.start_date, results.session.end_date, language),
        ),
        text(language, "caption.participation"),
        *_group_lines(results, language),
    ]
    rest = "\n" + "\n".join(lines)
    room = CAPTION_LIMIT - len(rest) - len(text(language, "caption.title", school=""))
    school = textwrap.shorten(results.session.school_name, max(room, 10), placeholder="…")
    return (text(language, "caption.title", school=school) + rest)[:CAPTION_LIMIT]


def _group_lines(results: SessionResults, language: Language) -> Sequence[str]:
    text = labels()
    lines = []
    for group in results.participation:
        name = text.group(group.profile, language)
        if group.respondents > 0 and not group.shown:
            lines.append(
                text(
                    language,
                    "caption.group_hidden",
                    group=name,
                    count=group.respondents,
                    min=results.min_group_size,
                )
            )
        else:
            lines.append(text(language, "caption.group_line", group=name, count=group.respondents))
    return lines
