"""The PDF's page about the respondents: the breakdowns of area means by their answers about
themselves as small tables, and what is not broken down and why."""

from __future__ import annotations

from bot.i18n.formatting import number
from bot.reporting.labels import labels
from bot.reporting.page import MARGIN, Page, line_height
from bot.reporting.palette import MUTED
from bot.reporting.respondents import answer_text, question_text
from bot.surveys.bank import Bank
from bot.surveys.breakdowns import Breakdown
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import AREA_CODES, Language

HEADING = 14
BODY = 9.5
SMALL = 8
_ANSWER_WIDTH, _COUNT_WIDTH = 2.55, 0.55  # inches; the areas share what is left


def respondent_pages(results: SessionResults, *, bank: Bank, language: Language) -> list[Page]:
    """The breakdowns as small tables, with what is not shown and why; none when the session
    did not ask about the respondents."""
    about = results.about_respondents
    if about is None or not about.asked.background:
        return []
    text = labels()
    minimum = results.min_group_size
    pages = [Page()]
    page = pages[0]
    page.text(text(language, "background.title"), HEADING, weight="bold")
    page.text(text(language, "background.intro", min=minimum), SMALL, colour=MUTED)
    page.skip(0.15)
    shown = about.breakdowns.shown
    if not shown:
        page.text(text(language, "background.none", min=minimum), BODY, colour=MUTED)
    for breakdown in shown:
        needed = (len(breakdown.subgroups) + 3) * line_height(BODY) + 0.3
        if needed > page.room():
            page = Page()
            pages.append(page)
        _table(page, breakdown, language)
    blank_areas = any(
        len(breakdown.areas) < len(bank.profile_areas[breakdown.profile])
        or any(len(s.means) < len(breakdown.areas) for s in breakdown.subgroups)
        for breakdown in shown
    )
    notes = [text(language, "background.hidden_area", min=minimum)] if blank_areas else []
    if about.breakdowns.withheld:
        questions = "; ".join(
            f"{text.group(profile, language)}: {question_text(question, profile, language)}"
            for profile, question in about.breakdowns.withheld
        )
        notes.append(text(language, "background.withheld", min=minimum, questions=questions))
    for note in notes:
        page.text(note, SMALL, colour=MUTED)
        page.skip(0.05)
    return pages


def _table(page: Page, breakdown: Breakdown, language: Language) -> None:
    text = labels()
    heading = (
        f"{text.group(breakdown.profile, language)} · "
        f"{question_text(breakdown.question, breakdown.profile, language)}"
    )
    page.text(heading, BODY, weight="bold")
    page.skip(0.04)
    areas = breakdown.areas
    column = (page.width - _ANSWER_WIDTH - _COUNT_WIDTH) / len(AREA_CODES)
    x_count = MARGIN + _ANSWER_WIDTH

    def area_x(index: int) -> float:
        return x_count + _COUNT_WIDTH + index * column

    page.at(x_count, "n", SMALL, colour=MUTED)
    for index, area in enumerate(areas):
        page.at(area_x(index), area, SMALL, weight="bold")
    page.skip(line_height(SMALL) + 0.02)
    for subgroup in breakdown.subgroups:
        page.at(x_count, str(subgroup.respondents), BODY, colour=MUTED)
        for index, area in enumerate(areas):
            mean = subgroup.means.get(area)
            page.at(area_x(index), number(mean, language) if mean is not None else "–", BODY)
        answer = answer_text(breakdown.question, subgroup.option, language)
        page.text(answer, BODY, width=_ANSWER_WIDTH - 0.1, max_lines=2)
    page.skip(0.2)
