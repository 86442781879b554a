"""The PDF report: an A4 document for the coordinator and the school team, in the order a
coordinator reads it.

1. The overview: the school, who answered, the key findings in sentences and the area chart.
2. Strengths and areas for improvement: each shown group's own, then the school's over the
   statements every shown group answered, and where the groups disagree most.
3. From results to action: next steps for the areas each group rated lowest.
4. The areas A–H: each statement's answers as stacked 1–5 / N/A bars per shown group, each
   group's bars under the wording that group answered.
5. Progress since the previous session, when there is one.
6. The school's own statements, when there are any.
7. How to read the results, including which groups are hidden and why.

The sections run on from one another: a page ends only when the next block does not fit on it
(`page.Flow`). `build_report_pages` returns the figures (for tests and for other outputs);
`report_pdf` saves them as one PDF.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from bot.i18n import texts
from bot.i18n.formatting import number, period, signed
from bot.reporting.chart import BarStyle, bars_height, draw_area_bars, scale_note
from bot.reporting.findings import key_findings
from bot.reporting.labels import labels
from bot.reporting.page import (
    A4,
    MARGIN,
    Flow,
    Page,
    line_height,
    text_height,
    text_width,
)
from bot.reporting.palette import GROUP_COLOURS, INK, MUTED, SCALE_FILLS
from bot.reporting.respondent_pages import respondent_pages
from bot.surveys.bank import Bank
from bot.surveys.next_steps import NextSteps, default_next_steps, focus_areas
from bot.surveys.scoring import (
    MIN_DISAGREEMENT,
    GroupParticipation,
    Highlight,
    Highlights,
    SessionResults,
    StatementResult,
)
from bot.surveys.vocabulary import NOT_APPLICABLE, PROFILES, Language, Profile

TITLE: Final[float] = 17
HEADING: Final[float] = 13
SUBHEADING: Final[float] = 10.5
BODY: Final[float] = 9.5
SMALL: Final[float] = 8
COUNT: Final[float] = 7.5  # the counts in the bars' parts

PAGE_STYLE: Final[BarStyle] = BarStyle(
    header_size=9, value_size=8, tick_size=7.5, header_row=0.21, bar_row=0.16, area_gap=0.05
)
# The overview's chart may shrink this far to leave the key findings room beside it on page 1.
MIN_CHART_SCALE: Final[float] = 0.8
_CODE_WIDTH: Final[float] = 0.6  # the statement code before its wording
_BAR_HEIGHT, _BAR_STEP = 0.17, 0.23
_COLUMN_GAP: Final[float] = 0.3


def build_report_pages(
    results: SessionResults,
    *,
    bank: Bank,
    language: Language,
    next_steps: NextSteps | None = None,
) -> list[Figure]:
    report = _Report(results, bank, language, next_steps or default_next_steps())
    report.overview()
    if results.shown_groups:
        report.highlights()
        report.next_steps()
        report.areas()
    if results.progress is not None:
        report.progress()
    if results.own_statements:
        report.own_statements()
    report.notes()
    pages = report.flow.pages
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


@dataclass(frozen=True, slots=True)
class _Wording:
    """A statement's text as some of its groups read it, with their figures."""

    text: str
    groups: tuple[Profile, ...]


class _Report:
    def __init__(
        self, results: SessionResults, bank: Bank, language: Language, steps: NextSteps
    ) -> None:
        self.results = results
        self.bank = bank
        self.language = language
        self.steps = steps
        self.flow = Flow()
        self.legend_pages: list[Page] = []  # the pages that show the answers' legend
        self.text = labels()
        width = self.flow.page.width
        # Bars start after the longest group name and end before the figures.
        names = [self.text.group(p, language) for p in PROFILES]
        self.bar_x = MARGIN + min(2.0, max(0.9, *(text_width(n, SMALL) for n in names)) + 0.12)
        sample = self.text(language, "pdf.answers_mean", answers=9999, mean=number(4.44, language))
        self.figures_x = MARGIN + width - text_width(sample, SMALL) - 0.05
        self.bar_width = self.figures_x - 0.12 - self.bar_x

    # -- building blocks

    def heading(self, content: str, size: float = HEADING, *, keep: float = 0.6) -> Page:
        """A heading kept on one page with the next `keep` inches."""
        gap = 0.12 if size >= HEADING else 0.06
        height = gap + text_height(content, size, self.flow.page.width, bold=True) + 0.08
        page = self.flow.room_for(height + keep)
        if not page.blank:
            page.skip(gap)
        page.text(content, size, weight="bold")
        page.skip(0.08)
        return page

    def paragraph(self, content: str, size: float = BODY, *, colour: str | None = None) -> None:
        page = self.flow.room_for(text_height(content, size, self.flow.page.width))
        page.text(content, size, colour=colour or INK)

    def bullets(self, items: Sequence[str], *, marker: Callable[[int], str] | None = None) -> None:
        indent = 0.22
        for index, item in enumerate(items, start=1):
            width = self.flow.page.width - indent
            page = self.flow.room_for(text_height(item, BODY, width) + 0.06)
            page.at(MARGIN, marker(index) if marker else "•", BODY)
            page.text(item, BODY, x=MARGIN + indent)
            page.skip(0.06)

    def group_line(self, page: Page, profile: Profile, content: str, size: float) -> None:
        page.swatch(MARGIN, GROUP_COLOURS[profile], size)
        page.text(content, size, x=MARGIN + 0.22, weight="bold")

    def means(self, means: dict[Profile, float]) -> str:
        return self.text.means(means, self.language)

    def wordings(self, code: str, groups: Sequence[Profile]) -> list[_Wording]:
        """The bank statement's wordings for `groups`, each with the groups that read it, in
        the order of the groups."""
        known = self.bank.statements[code]
        level = self.results.session.level
        found: dict[str, list[Profile]] = {}
        for profile in groups:
            if known.shown_to(profile, level):
                found.setdefault(known.text(profile, level, self.language), []).append(profile)
        if not found:  # no figures: the first wording any group reads
            for profile in PROFILES:
                if known.shown_to(profile, level):
                    return [_Wording(known.text(profile, level, self.language), ())]
        return [_Wording(wording, tuple(profiles)) for wording, profiles in found.items()]

    # -- 1. the overview

    def overview(self) -> None:
        text, language, results = self.text, self.language, self.results
        session = results.session
        page = self.flow.page
        page.text(text(language, "pdf.title"), TITLE, weight="bold")
        page.skip(0.05)
        page.text(session.school_name, HEADING + 1, weight="bold")
        level = text(language, "pdf.level", level=text.level(session.level, language))
        dates = period(session.start_date, session.end_date, language)
        page.text(f"{level} · {text(language, 'pdf.period', period=dates)}", BODY)
        page.skip(0.12)
        page.text(text(language, "pdf.participation"), BODY, weight="bold")
        if results.respondents == 0:
            page.text(text(language, "pdf.no_respondents"), BODY, colour=MUTED)
        for group in results.participation:
            line = _participation_line(results, group, language)
            if group.shown:
                page.swatch(MARGIN + 0.15, GROUP_COLOURS[group.profile], BODY)
            page.text(line, BODY, x=MARGIN + 0.4, colour=INK if group.shown else MUTED)
        page.skip(0.2)
        findings = key_findings(results, self.bank, language)
        if not results.shown_groups:
            self.findings(findings)
            return
        # The findings, then the chart if it fits below them without shrinking much; else the
        # chart comes first and the findings run on from below it.
        natural = bars_height(results, self.bank, PAGE_STYLE)
        chart_extra = line_height(HEADING) + 0.2 + 0.2 + 0.3 + line_height(SMALL)
        findings_height = self.findings_height(findings)
        room = page.room() - findings_height - chart_extra
        if room >= natural * MIN_CHART_SCALE:
            self.findings(findings)
            self.chart(min(natural, room))
        else:
            self.chart(min(natural, page.room() - chart_extra))
            self.findings(findings)

    def findings_height(self, findings: Sequence[str]) -> float:
        width = self.flow.page.width - 0.22
        heading = line_height(HEADING) + 0.2
        return heading + sum(text_height(f, BODY, width) + 0.06 for f in findings) + 0.1

    def findings(self, findings: Sequence[str]) -> None:
        self.heading(self.text(self.language, "pdf.findings_title"))
        self.bullets(findings)
        self.flow.page.skip(0.1)

    def chart(self, height: float) -> None:
        results, bank = self.results, self.bank
        page = self.heading(self.text(self.language, "chart.title"), keep=height + 0.6)
        page.skip(0.2)  # the tick labels above the bars
        style = _fitted(PAGE_STYLE, bars_height(results, bank, PAGE_STYLE), height)
        height = bars_height(results, bank, style)
        axes = page.figure.add_axes(
            (MARGIN / A4[0], 1 - (page.y + height) / A4[1], page.width / A4[0], height / A4[1])
        )
        draw_area_bars(axes, results, bank, self.language, style)
        page.skip(height + 0.3)
        page.text(scale_note(bank, self.language), SMALL, colour=MUTED)

    # -- 2. strengths and areas for improvement

    def highlights(self) -> None:
        text, language, results = self.text, self.language, self.results
        self.heading(text(language, "pdf.highlights_title"), keep=1.5)
        self.paragraph(text(language, "pdf.highlights_note"), SMALL, colour=MUTED)
        counts = {g.profile: g.respondents for g in results.participation}
        for ranking in results.group_highlights:
            (profile,) = ranking.groups
            title = text(
                language,
                "chart.group_n",
                group=text.group(profile, language),
                count=counts[profile],
            )
            self.ranking(ranking, title, profile)
        school = results.school_highlights
        if school is not None:
            self.ranking(school, text(language, "pdf.school_title"), None)
        self.disagreements()

    def ranking(self, ranking: Highlights, title: str, profile: Profile | None) -> None:
        """Strengths on the left, areas for improvement on the right, row by row."""
        text, language = self.text, self.language
        column = (self.flow.page.width - _COLUMN_GAP) / 2
        rows = list(zip(ranking.strengths, ranking.improvements, strict=True))
        intro: list[str] = []
        if profile is None:
            groups = ", ".join(text.group(p, language) for p in ranking.groups)
            intro = [
                text(language, "pdf.school_note"),
                text(language, "pdf.school_groups", groups=groups, count=ranking.compared),
            ]
            own_view = [h.groups[0] for h in self.results.group_highlights if h.compared]
            if left_out := [p for p in own_view if p not in ranking.groups]:
                names = ", ".join(text.group(p, language) for p in left_out)
                intro.append(text(language, "pdf.school_left_out", groups=names))
        first_row = self.highlight_height(rows[0][0], column) if rows else line_height(BODY)
        intro_height = sum(text_height(i, SMALL, self.flow.page.width) for i in intro)
        head = line_height(SUBHEADING) + intro_height + line_height(BODY) + 0.25
        page = self.flow.room_for(head + first_row)
        page.skip(0 if page.blank else 0.12)
        if profile is None:
            page.text(title, SUBHEADING, weight="bold")
        else:
            self.group_line(page, profile, title, SUBHEADING)
        for line in intro:
            page.text(line, SMALL, colour=MUTED)
        page.skip(0.06)
        if not rows:
            none = profile is None and not ranking.compared
            page.text(
                text(language, "pdf.school_none" if none else "pdf.no_highlights"),
                BODY,
                colour=MUTED,
            )
            return
        right = MARGIN + column + _COLUMN_GAP
        page.at(MARGIN, text(language, "pdf.strengths"), BODY, weight="bold", colour=MUTED)
        page.at(right, text(language, "pdf.improvements"), BODY, weight="bold", colour=MUTED)
        page.skip(line_height(BODY) + 0.05)
        continued = f"{title} {text(language, 'pdf.continued')}"

        def running_head(page: Page) -> None:
            page.text(continued, SUBHEADING, weight="bold")
            page.skip(0.06)

        self.flow.on_new_page = running_head
        for strength, improvement in rows:
            height = max(self.highlight_height(h, column) for h in (strength, improvement))
            page = self.flow.room_for(height)
            top = page.y
            bottom = top
            for x, highlight in ((MARGIN, strength), (right, improvement)):
                page.y = top
                self.highlight(page, highlight, x, column)
                bottom = max(bottom, page.y)
            page.y = max(bottom, top + height)
        self.flow.on_new_page = None

    def highlight_lines(self, highlight: Highlight) -> list[tuple[str, str | None]]:
        """(wording, the means under it) for each wording the highlight's groups read; a
        group's own list needs no means line."""
        groups = list(highlight.group_means)
        wordings = self.wordings(highlight.code, groups)
        if len(groups) == 1:
            return [(wordings[0].text, None)]
        return [
            (w.text, self.means({p: highlight.group_means[p] for p in w.groups})) for w in wordings
        ]

    def highlight_height(self, highlight: Highlight, width: float) -> float:
        height = line_height(BODY) + 0.08
        for wording, means in self.highlight_lines(highlight):
            height += text_height(wording, SMALL, width, max_lines=3)
            if means:
                height += text_height(means, SMALL, width)
        return height

    def highlight(self, page: Page, highlight: Highlight, x: float, width: float) -> None:
        text, language = self.text, self.language
        page.text(
            text(
                language,
                "pdf.highlight_line",
                code=highlight.code,
                mean=number(highlight.mean, language),
            ),
            BODY,
            x=x,
            width=width,
            weight="bold",
        )
        for wording, means in self.highlight_lines(highlight):
            page.text(wording, SMALL, x=x, width=width, max_lines=3)
            if means:
                page.text(means, SMALL, x=x, width=width, colour=MUTED)
        page.skip(0.08)

    def disagreements(self) -> None:
        if len(self.results.shown_groups) < 2:
            return
        text, language = self.text, self.language
        found = self.results.disagreements
        title = text(language, "pdf.disagreements")
        first = self.disagreement_height(found[0].code, dict(found[0].group_means)) if found else 0
        page = self.flow.room_for(line_height(SUBHEADING) + 0.2 + first)
        page.skip(0 if page.blank else 0.12)
        page.text(title, SUBHEADING, weight="bold")
        page.skip(0.06)
        if not found:
            spread = number(MIN_DISAGREEMENT, language)
            page.text(text(language, "pdf.no_disagreements", spread=spread), BODY, colour=MUTED)
            return
        for disagreement in found:
            means = dict(disagreement.group_means)
            page = self.flow.room_for(self.disagreement_height(disagreement.code, means))
            page.text(
                text(
                    language,
                    "pdf.spread_line",
                    code=disagreement.code,
                    spread=number(disagreement.spread, language),
                ),
                BODY,
                weight="bold",
            )
            for wording in self.wordings(disagreement.code, list(means)):
                page.text(wording.text, SMALL, max_lines=3)
                group_means = {p: means[p] for p in wording.groups}
                page.text(self.means(group_means), SMALL, colour=MUTED)
            page.skip(0.08)

    def disagreement_height(self, code: str, means: dict[Profile, float]) -> float:
        width = self.flow.page.width
        height = line_height(BODY) + 0.08
        for wording in self.wordings(code, list(means)):
            height += text_height(wording.text, SMALL, width, max_lines=3) + line_height(SMALL)
        return height

    # -- 3. from results to action

    def next_steps(self) -> None:
        text, language, bank = self.text, self.language, self.bank
        plan = focus_areas(self.results, self.steps)
        self.heading(text(language, "pdf.steps_title"), keep=1.5)
        self.paragraph(text(language, "pdf.steps_note"), SMALL, colour=MUTED)
        self.flow.page.skip(0.06)
        if not plan:
            self.paragraph(text(language, "pdf.steps_none"), BODY, colour=MUTED)
            return
        catalogue = texts()
        for focus in plan:
            steps = [catalogue(language, key) for key in focus.steps]
            groups = text(language, "pdf.steps_groups", groups=self.means(dict(focus.groups)))
            title = text(
                language,
                "pdf.area_page",
                code=focus.area,
                area=bank.areas[focus.area].name(language),
            )
            width = self.flow.page.width
            first = text_height(steps[0], BODY, width - 0.22) + 0.06
            page = self.flow.room_for(
                line_height(SUBHEADING) + text_height(groups, SMALL, width) + 0.2 + first
            )
            page.skip(0 if page.blank else 0.08)
            page.text(title, SUBHEADING, weight="bold")
            page.text(groups, SMALL, colour=MUTED)
            page.skip(0.05)
            self.bullets(steps, marker=lambda index: f"{index}.")

    # -- 4. the areas, and 6. the school's own statements

    def areas(self) -> None:
        for area in self.bank.areas:
            statements = [s for s in self.results.statements if s.area == area]
            if statements:
                title = self.text(
                    self.language,
                    "pdf.area_page",
                    code=area,
                    area=self.bank.areas[area].name(self.language),
                )
                self.statements(title, statements, note=None)
        self.flow.on_new_page = None

    def own_statements(self) -> None:
        text = self.text
        self.statements(
            text(self.language, "pdf.own_title"),
            list(self.results.own_statements),
            note=text(self.language, "pdf.own_note"),
        )
        self.flow.on_new_page = None

    def statements(
        self, title: str, statements: Sequence[StatementResult], *, note: str | None
    ) -> None:
        """A section of statements: its title, the answers' legend, then each statement;
        a page that the section runs on to repeats the legend and the title."""
        text, language = self.text, self.language
        continued = f"{title} {text(language, 'pdf.continued')}"

        def running_head(page: Page) -> None:
            page.text(continued, SUBHEADING, weight="bold")
            page.skip(0.05)
            self.legend(page)
            page.skip(0.1)

        blocks = [self.statement_block(s) for s in statements]
        first = blocks[0][0] if blocks else 0.0
        note_height = text_height(note, SMALL, self.flow.page.width) if note else 0.0
        # The legend goes under the title unless the page has one already.
        legend = 0.0 if self.flow.page in self.legend_pages else 2 * line_height(SMALL) + 0.14
        self.flow.on_new_page = None  # a page that this title starts carries no other title
        page = self.heading(title, keep=note_height + legend + first)
        if note:
            page.text(note, SMALL, colour=MUTED)
            page.skip(0.05)
        if page not in self.legend_pages:
            self.legend(page)
            page.skip(0.1)
        self.flow.on_new_page = running_head
        if not any(s.groups for s in statements):
            page.text(text(language, "pdf.not_asked"), BODY, colour=MUTED)
            return
        for height, draw in blocks:
            page = self.flow.room_for(height)
            draw(page)

    def legend(self, page: Page) -> None:
        """The answer colours with their labels, over two lines: 1–3, then 4, 5 and N/A."""
        column = page.width / 3
        for row in ((1, 2, 3), (4, 5, NOT_APPLICABLE)):
            for index, value in enumerate(row):
                x = MARGIN + index * column
                page.swatch(x, SCALE_FILLS[value], SMALL)
                key = "N/A" if value == NOT_APPLICABLE else str(value)
                page.at(x + 0.2, f"{key} – {self.bank.scale_label(value, self.language)}", SMALL)
            page.skip(line_height(SMALL) + 0.02)
        self.legend_pages.append(page)

    def statement_block(self, statement: StatementResult) -> tuple[float, Callable[[Page], None]]:
        """The height of a statement's block, and how to draw it."""
        text, language = self.text, self.language
        width = self.flow.page.width - _CODE_WIDTH
        if statement.own_text is not None:
            wordings = [_Wording(statement.own_text, tuple(statement.groups))]
        else:
            wordings = self.wordings(statement.code, list(statement.groups))
        height = 0.14
        for wording in wordings:
            height += text_height(wording.text, BODY, width, max_lines=3) + 0.04
            height += len(wording.groups) * _BAR_STEP
        if not statement.groups:
            height += line_height(SMALL)

        def draw(page: Page) -> None:
            label = statement.code if not statement.own else f"{statement.code} ({statement.area})"
            page.at(MARGIN, label, BODY, weight="bold")
            for wording in wordings:
                page.text(wording.text, BODY, x=MARGIN + _CODE_WIDTH, max_lines=3)
                page.skip(0.04)
                for profile in wording.groups:
                    self.bar(page, profile, statement)
            if not statement.groups:
                page.text(text(language, "pdf.no_shown_answers"), SMALL, colour=MUTED)
            page.skip(0.14)

        return height, draw

    def bar(self, page: Page, profile: Profile, statement: StatementResult) -> None:
        text, language = self.text, self.language
        distribution = statement.groups[profile]
        page.at(MARGIN, text.group(profile, language), SMALL)
        page.stacked_bar(self.bar_x, self.bar_width, _BAR_HEIGHT, distribution.counts, COUNT)
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
        page.at(self.figures_x, figures, SMALL, colour=MUTED)
        page.skip(_BAR_STEP)

    # -- 5. progress since the previous session

    def progress(self) -> None:
        text, language, results, bank = self.text, self.language, self.results, self.bank
        progress = results.progress
        assert progress is not None
        previous = progress.previous
        self.heading(text(language, "pdf.progress_title"), keep=1.0)
        self.paragraph(
            text(
                language,
                "pdf.progress_since",
                period=period(previous.start_date, previous.end_date, language),
            )
        )
        self.flow.page.skip(0.1)
        groups = [p for p in results.shown_groups if any(c.profile == p for c in progress.changes)]
        if not groups:
            self.paragraph(text(language, "pdf.progress_none"), BODY, colour=MUTED)
        else:
            area_width = 2.7
            column = (self.flow.page.width - area_width) / len(groups)
            changes = {(c.area, c.profile): c for c in progress.changes}
            cells = {
                key: f"{number(c.before, language)} → {number(c.after, language)}"
                f"  ({signed(c.change, language)})"
                for key, c in changes.items()
            }
            widest = max(text_width(cell, BODY) for cell in cells.values())
            size = BODY if widest < column - 0.1 else SMALL

            def header(page: Page) -> None:
                page.at(MARGIN, text(language, "pdf.progress_area"), BODY, weight="bold")
                for index, profile in enumerate(groups):
                    x = MARGIN + area_width + index * column
                    page.text(
                        text.group(profile, language), BODY, x=x, width=column - 0.1, weight="bold"
                    )
                    page.y -= line_height(BODY)
                page.skip(line_height(BODY) * 2 + 0.08)

            rows = [area for area in bank.areas if any((area, p) in changes for p in groups)]
            page = self.flow.room_for(line_height(BODY) * 4 + 0.2)
            header(page)
            for area in rows:
                name = f"{area}  {bank.areas[area].name(language)}"
                height = max(text_height(name, BODY, area_width - 0.1), line_height(BODY)) + 0.08
                if height > self.flow.page.room():
                    page = self.flow.new_page()
                    header(page)
                top = page.y
                for index, profile in enumerate(groups):
                    if (area, profile) in cells:
                        page.at(MARGIN + area_width + index * column, cells[(area, profile)], size)
                page.text(name, BODY, width=area_width - 0.1)
                page.y = max(page.y, top + line_height(BODY)) + 0.08
        notes = []
        if not progress.same_statements:
            notes.append(text(language, "pdf.progress_different"))
        if progress.suppressed:
            notes.append(
                text(
                    language,
                    "pdf.progress_hidden",
                    min=results.min_group_size,
                    groups=_group_counts(progress.suppressed, language),
                )
            )
        self.flow.page.skip(0.1)
        for note in notes:
            self.paragraph(note, SMALL, colour=MUTED)

    # -- 7. how to read the results

    def notes(self) -> None:
        text, language, bank, results = self.text, self.language, self.bank, self.results
        self.heading(text(language, "pdf.notes_title"), keep=1.0)
        paragraphs = [
            text(
                language,
                "pdf.note_scale",
                low=bank.scale_label(1, language),
                high=bank.scale_label(5, language),
                na=bank.scale_label(NOT_APPLICABLE, language),
            ),
            text(language, "pdf.note_n"),
            text(language, "pdf.note_bars"),
            text(language, "pdf.note_groups", min=results.min_group_size),
        ]
        if results.suppressed:
            groups = _group_counts(results.suppressed, language)
            paragraphs.append(text(language, "pdf.note_suppressed", groups=groups))
        paragraphs += [text(language, "pdf.note_overall"), text(language, "pdf.note_perception")]
        self.bullets(paragraphs)


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


def _group_counts(groups: Sequence[GroupParticipation], language: Language) -> str:
    text = labels()
    return ", ".join(f"{text.group(g.profile, language)} ({g.respondents})" for g in groups)
