"""The PDF report: an A4 document for the coordinator and the school team.

Pages: an overview (participation and the area chart); one or more pages per area with each
statement's answers as stacked 1–5 / N/A bars per shown group; the school's own statements;
strengths, areas for improvement and disagreement between groups; progress since the previous
session when there is one; and how to read the results, including which groups are hidden and
why. `build_report_pages` returns the figures (for tests and for other outputs);
`report_pdf` saves them as one PDF.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Final

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from bot.i18n.formatting import number, period, signed
from bot.reporting.chart import BarStyle, bars_height, draw_area_bars, legend_labels, scale_note
from bot.reporting.labels import labels
from bot.reporting.page import A4, MARGIN, Page, line_height, wrap
from bot.reporting.palette import GROUP_COLOURS, MUTED, SCALE_COLOURS
from bot.reporting.respondent_pages import respondent_pages
from bot.surveys.bank import Bank
from bot.surveys.scoring import (
    MIN_DISAGREEMENT,
    GroupParticipation,
    SessionResults,
    StatementResult,
)
from bot.surveys.vocabulary import NOT_APPLICABLE, PROFILES, Language, Profile

TITLE: Final[float] = 17
HEADING: Final[float] = 14
BODY: Final[float] = 9.5
SMALL: Final[float] = 8

PAGE_STYLE: Final[BarStyle] = BarStyle(
    header_size=10, value_size=8.5, tick_size=8, header_row=0.25, bar_row=0.2, area_gap=0.1
)
# Horizontal layout of a statement's bars: group name | stacked bar | n and mean.
_GROUP_X, _BAR_X, _BAR_WIDTH, _FIGURES_X = MARGIN, MARGIN + 1.3, 3.95, MARGIN + 5.4
_BAR_HEIGHT, _BAR_STEP = 0.17, 0.23


def build_report_pages(results: SessionResults, *, bank: Bank, language: Language) -> list[Figure]:
    pages: list[Page] = [_overview(results, bank, language)]
    for area in bank.areas:
        statements = [s for s in results.statements if s.area == area]
        if statements:
            title = labels()(
                language, "pdf.area_page", code=area, area=bank.areas[area].name(language)
            )
            pages += _statement_pages(results, bank, language, title, statements, note=None)
    if results.own_statements:
        text = labels()
        pages += _statement_pages(
            results,
            bank,
            language,
            text(language, "pdf.own_title"),
            list(results.own_statements),
            note=text(language, "pdf.own_note"),
        )
    pages.append(_highlights(results, bank, language))
    if results.progress is not None:
        pages.append(_progress(results, bank, language))
    pages.append(_notes(results, bank, language))
    pages += respondent_pages(results, bank=bank, language=language)
    school = results.session.school_name
    return [
        page.finish(labels()(language, "pdf.page", school=school, page=index, pages=len(pages)))
        for index, page in enumerate(pages, start=1)
    ]


def report_pdf(results: SessionResults, *, bank: Bank, language: Language) -> bytes:
    """The whole report as PDF bytes (A4, fonts embedded as TrueType, text selectable)."""
    figures = build_report_pages(results, bank=bank, language=language)
    buffer = io.BytesIO()
    metadata = {
        "Title": f"{labels()(language, 'pdf.title')}: {results.session.school_name}",
        "Creator": "selfie-bot",
    }
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(buffer, metadata=metadata) as pdf:
        for figure in figures:
            pdf.savefig(figure)
    return buffer.getvalue()


# Page 1: overview.


def _overview(results: SessionResults, bank: Bank, language: Language) -> Page:
    text = labels()
    session = results.session
    page = Page()
    page.text(text(language, "pdf.title"), TITLE, weight="bold")
    page.skip(0.05)
    page.text(session.school_name, HEADING, weight="bold")
    page.text(text(language, "pdf.level", level=text.level(session.level, language)), BODY)
    page.text(
        text(language, "pdf.period", period=period(session.start_date, session.end_date, language)),
        BODY,
    )
    page.skip(0.15)
    page.text(text(language, "pdf.participation"), BODY, weight="bold")
    if results.respondents == 0:
        page.text(text(language, "pdf.no_respondents"), BODY, colour=MUTED)
    for group in results.participation:
        page.text(_participation_line(results, group, language), BODY, x=MARGIN + 0.15)
    page.skip(0.2)
    if not results.shown_groups:
        return page
    page.text(text(language, "chart.title"), HEADING, weight="bold")
    page.skip(0.05)
    for profile, label in zip(results.shown_groups, legend_labels(results, language), strict=True):
        page.swatch(MARGIN, GROUP_COLOURS[profile], BODY)
        page.text(label, BODY, x=MARGIN + 0.25)
    page.skip(0.25)  # the tick labels above the bars
    style = _fitted(PAGE_STYLE, bars_height(results, bank, PAGE_STYLE), page.room() - 0.6)
    height = bars_height(results, bank, style)
    axes = page.figure.add_axes(
        (MARGIN / A4[0], 1 - (page.y + height) / A4[1], page.width / A4[0], height / A4[1])
    )
    draw_area_bars(axes, results, bank, language, style)
    page.skip(height + 0.3)
    page.text(scale_note(bank, language), SMALL, colour=MUTED)
    return page


def _fitted(style: BarStyle, height: float, room: float) -> BarStyle:
    """`style` shrunk, type and rows alike, so that the bars fit in `room` inches."""
    if height <= room:
        return style
    scale = room / height
    return BarStyle(
        header_size=style.header_size * scale,
        value_size=style.value_size * scale,
        tick_size=style.tick_size * scale,
        header_row=style.header_row * scale,
        bar_row=style.bar_row * scale,
        area_gap=style.area_gap * scale,
    )


def _participation_line(
    results: SessionResults, group: GroupParticipation, language: Language
) -> str:
    text = labels()
    name = text.group(group.profile, language)
    if group.respondents > 0 and not group.shown:
        return text(
            language,
            "pdf.group_hidden",
            group=name,
            count=group.respondents,
            min=results.min_group_size,
        )
    return text(language, "pdf.group_count", group=name, count=group.respondents)


# Statement pages: one area, or the school's own statements.


def _statement_pages(
    results: SessionResults,
    bank: Bank,
    language: Language,
    title: str,
    statements: Sequence[StatementResult],
    *,
    note: str | None,
) -> list[Page]:
    text = labels()
    pages: list[Page] = []

    def new_page() -> Page:
        page = Page()
        heading = title if not pages else f"{title} {text(language, 'pdf.continued')}"
        page.text(heading, HEADING, weight="bold")
        if note and not pages:
            page.text(note, SMALL, colour=MUTED)
        page.skip(0.08)
        _scale_legend(page, bank, language)
        page.skip(0.15)
        pages.append(page)
        return page

    page = new_page()
    if not any(s.groups for s in statements):
        page.text(text(language, "pdf.not_asked"), BODY, colour=MUTED)
        return pages
    for statement in statements:
        wording = _wording(bank, results, statement, language)
        lines = min(3, len(wrap(wording, page.width - 0.55, BODY)))
        needed = lines * line_height(BODY) + len(statement.groups) * _BAR_STEP + 0.2
        if needed > page.room():
            page = new_page()
        _statement_block(page, statement, wording, language)
    return pages


def _statement_block(
    page: Page, statement: StatementResult, wording: str, language: Language
) -> None:
    text = labels()
    label = statement.code if not statement.own else f"{statement.code} ({statement.area})"
    page.at(MARGIN, label, BODY, weight="bold")
    page.text(wording, BODY, x=MARGIN + 0.55, max_lines=3)
    page.skip(0.04)
    if not statement.groups:
        page.text(text(language, "pdf.no_shown_answers"), SMALL, x=_GROUP_X, colour=MUTED)
    for profile, distribution in statement.groups.items():
        page.at(_GROUP_X, text.group(profile, language), SMALL)
        page.stacked_bar(_BAR_X, _BAR_WIDTH, _BAR_HEIGHT, distribution.counts, SMALL - 1)
        mean = distribution.mean
        figures = (
            text(
                language,
                "pdf.answers_mean",
                answers=distribution.answered,
                mean=number(mean, language),
            )
            if mean is not None
            else text(language, "pdf.answers_only", answers=distribution.answered)
        )
        page.at(_FIGURES_X, figures, SMALL, colour=MUTED)
        page.skip(_BAR_STEP)
    page.skip(0.14)


def _scale_legend(page: Page, bank: Bank, language: Language) -> None:
    """The answer colours with their labels, over two lines: 1–3, then 4, 5 and N/A."""
    column = page.width / 3
    for row in ((1, 2, 3), (4, 5, NOT_APPLICABLE)):
        for index, value in enumerate(row):
            x = MARGIN + index * column
            page.swatch(x, SCALE_COLOURS[value], SMALL)
            key = "N/A" if value == NOT_APPLICABLE else str(value)
            page.at(x + 0.2, f"{key} – {bank.scale_label(value, language)}", SMALL)
        page.skip(line_height(SMALL) + 0.02)


def _wording(
    bank: Bank, results: SessionResults, statement: StatementResult, language: Language
) -> str:
    if statement.own_text is not None:
        return statement.own_text
    return _bank_wording(bank, results, statement.code, statement.groups, language)


def _bank_wording(
    bank: Bank,
    results: SessionResults,
    code: str,
    groups: Iterable[Profile],
    language: Language,
) -> str:
    """The statement as the first of `groups` read it (staff wording before students')."""
    known = bank.statements[code]
    level = results.session.level
    for profile in [*groups, *PROFILES]:
        if known.shown_to(profile, level):
            return known.text(profile, level, language)
    return ""


# Strengths, areas for improvement, disagreement.


def _highlights(results: SessionResults, bank: Bank, language: Language) -> Page:
    text = labels()
    page = Page()
    page.text(text(language, "pdf.highlights_title"), HEADING, weight="bold")
    page.skip(0.1)
    sections: list[tuple[str, list[tuple[str, str, dict[Profile, float]]]]] = [
        (
            text(language, "pdf.strengths"),
            [
                (
                    h.code,
                    text(
                        language, "pdf.highlight_line", code=h.code, mean=number(h.mean, language)
                    ),
                    dict(h.group_means),
                )
                for h in results.strengths
            ],
        ),
        (
            text(language, "pdf.improvements"),
            [
                (
                    h.code,
                    text(
                        language, "pdf.highlight_line", code=h.code, mean=number(h.mean, language)
                    ),
                    dict(h.group_means),
                )
                for h in results.improvements
            ],
        ),
        (
            text(language, "pdf.disagreements"),
            [
                (
                    d.code,
                    text(
                        language, "pdf.spread_line", code=d.code, spread=number(d.spread, language)
                    ),
                    dict(d.group_means),
                )
                for d in results.disagreements
            ],
        ),
    ]
    for index, (heading, entries) in enumerate(sections):
        page.text(heading, BODY + 1.5, weight="bold")
        page.skip(0.05)
        if not entries:
            empty = (
                text(language, "pdf.no_disagreements", spread=number(MIN_DISAGREEMENT, language))
                if index == 2
                else text(language, "pdf.no_highlights")
            )
            page.text(empty, BODY, colour=MUTED)
        for code, head, means in entries:
            page.text(head, BODY, weight="bold")
            page.text(
                _bank_wording(bank, results, code, means, language),
                BODY,
                x=MARGIN + 0.2,
                max_lines=2,
            )
            page.text(_means_line(means, language), SMALL, x=MARGIN + 0.2, colour=MUTED)
            page.skip(0.06)
        page.skip(0.15)
    return page


def _means_line(means: dict[Profile, float], language: Language) -> str:
    text = labels()
    return " · ".join(
        f"{text.group(profile, language)} {number(means[profile], language)}"
        for profile in PROFILES
        if profile in means
    )


# Progress since the previous session.


def _progress(results: SessionResults, bank: Bank, language: Language) -> Page:
    text = labels()
    progress = results.progress
    assert progress is not None
    previous = progress.previous
    page = Page()
    page.text(text(language, "pdf.progress_title"), HEADING, weight="bold")
    page.text(
        text(
            language,
            "pdf.progress_since",
            period=period(previous.start_date, previous.end_date, language),
        ),
        BODY,
    )
    page.skip(0.15)
    groups = [p for p in results.shown_groups if any(c.profile == p for c in progress.changes)]
    if not groups:
        page.text(text(language, "pdf.progress_none"), BODY, colour=MUTED)
    else:
        area_width = 2.7
        column = (page.width - area_width) / len(groups)
        page.at(MARGIN, text(language, "pdf.progress_area"), BODY, weight="bold")
        for index, profile in enumerate(groups):
            x = MARGIN + area_width + index * column
            page.at(x, text.group(profile, language), BODY, weight="bold")
        page.skip(line_height(BODY) + 0.08)
        changes = {(c.area, c.profile): c for c in progress.changes}
        for area in bank.areas:
            if not any((area, p) in changes for p in groups):
                continue
            top = page.y
            for index, profile in enumerate(groups):
                change = changes.get((area, profile))
                if change is None:
                    continue
                page.at(
                    MARGIN + area_width + index * column,
                    f"{number(change.before, language)} → {number(change.after, language)}"
                    f"  ({signed(change.change, language)})",
                    BODY,
                )
            page.text(f"{area}  {bank.areas[area].name(language)}", BODY, width=area_width - 0.1)
            page.y = max(page.y, top + line_height(BODY)) + 0.08
    page.skip(0.2)
    if not progress.same_statements:
        page.text(text(language, "pdf.progress_different"), SMALL, colour=MUTED)
    if progress.suppressed:
        page.text(
            text(
                language,
                "pdf.progress_hidden",
                min=results.min_group_size,
                groups=_group_counts(progress.suppressed, language),
            ),
            SMALL,
            colour=MUTED,
        )
    return page


def _group_counts(groups: Sequence[GroupParticipation], language: Language) -> str:
    text = labels()
    return ", ".join(f"{text.group(g.profile, language)} ({g.respondents})" for g in groups)


# How to read the results.


def _notes(results: SessionResults, bank: Bank, language: Language) -> Page:
    text = labels()
    page = Page()
    page.text(text(language, "pdf.notes_title"), HEADING, weight="bold")
    page.skip(0.1)
    paragraphs = [
        text(
            language,
            "pdf.note_scale",
            low=bank.scale_label(1, language),
            high=bank.scale_label(5, language),
            na=bank.scale_label(NOT_APPLICABLE, language),
        ),
        text(language, "pdf.note_n"),
        text(language, "pdf.note_groups", min=results.min_group_size),
    ]
    if results.suppressed:
        groups = _group_counts(results.suppressed, language)
        paragraphs.append(text(language, "pdf.note_suppressed", groups=groups))
    paragraphs += [text(language, "pdf.note_overall"), text(language, "pdf.note_perception")]
    for paragraph in paragraphs:
        page.at(MARGIN, "•", BODY)
        page.text(paragraph, BODY, x=MARGIN + 0.2)
        page.skip(0.1)
    return page
