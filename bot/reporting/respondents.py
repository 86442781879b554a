"""The reports' part about the respondents: the breakdowns of area means by their answers about
themselves (rows for the summary CSV; the PDF's page is respondent_pages.py) and the answers to
the open question (a text file of their own, never beside any other answer).

Everything here comes from `SessionResults.about_respondents`, which holds only what may be
shown (bot/surveys/breakdowns.py, bot/surveys/respondent_results.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Register, texts
from bot.i18n.formatting import number
from bot.reporting.formatting import file_name
from bot.reporting.labels import labels
from bot.surveys.background import BackgroundQuestion
from bot.surveys.bank import Bank
from bot.surveys.breakdowns import NOT_ANSWERED
from bot.surveys.open_questions import OpenQuestion
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import AREA_CODES, Language, Profile


@dataclass(frozen=True, slots=True)
class TextFile:
    name: str
    content: bytes  # UTF-8


def _register(profile: Profile) -> Register:
    return "student" if profile == "student" else "staff"


def question_text(question: BackgroundQuestion, profile: Profile, language: Language) -> str:
    return texts().addressed(language, question.text_key, _register(profile))


def answer_text(question: BackgroundQuestion, option: str, language: Language) -> str:
    if option == NOT_ANSWERED:
        return labels()(language, "background.not_answered")
    return texts()(language, question.option_key(option))


# The summary CSV: a section after the statements.


def breakdown_rows(results: SessionResults, *, bank: Bank, language: Language) -> list[list[str]]:
    """One row per shown subgroup: group, question, answer, respondents and its area means."""
    about = results.about_respondents
    if about is None or not about.breakdowns.shown:
        return []
    text = labels()
    header = [
        text(language, "export.group"),
        text(language, "export.question"),
        text(language, "export.answer"),
        text(language, "export.respondents"),
    ]
    header += [f"{area} – {bank.areas[area].name(language)}" for area in AREA_CODES]
    rows = [[], [text(language, "background.title")], header]
    for breakdown in about.breakdowns.shown:
        question = question_text(breakdown.question, breakdown.profile, language)
        for subgroup in breakdown.subgroups:
            means = [
                number(subgroup.means[area], language, digits=2) if area in subgroup.means else ""
                for area in AREA_CODES
            ]
            rows.append(
                [
                    text.group(breakdown.profile, language),
                    question,
                    answer_text(breakdown.question, subgroup.option, language),
                    str(subgroup.respondents),
                    *means,
                ]
            )
    return rows


# The open answers: a text file of their own.


def open_answers_file(results: SessionResults, *, language: Language) -> TextFile | None:
    """The answers to the open questions, group by group, each group's in random order; None
    when the session asked none."""
    about = results.about_respondents
    if about is None or not about.open_answers:
        return None
    text = labels()
    minimum = results.min_group_size
    lines = [
        text(language, "open.title"),
        results.session.school_name,
        text(language, "open.intro", min=minimum),
    ]
    for given in about.open_answers:
        group = text.group(given.question.profile, language)
        lines.append("")
        if given.answers is None:
            lines.append(text(language, "open.withheld", group=group, min=minimum))
            continue
        lines.append(text(language, "open.group", group=group, count=len(given.answers)))
        lines.append(text(language, "open.question", text=_wording(given.question, language)))
        lines.append("")
        if not given.answers:
            lines.append(text(language, "open.no_answers"))
        for answer in given.answers:
            # Lines of one answer stay together, indented under its mark.
            lines.append("• " + "\n  ".join(answer.splitlines()))
    name = file_name(results.session, text(language, "export.open_answers_file"), "txt")
    return TextFile(name=name, content=("\n".join(lines) + "\n").encode("utf-8"))


def _wording(question: OpenQuestion, language: Language) -> str:
    return question.wording(language, _register(question.profile))
