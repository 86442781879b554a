"""CSV exports of a session: every answer (anonymised) and a summary per statement and group.

Privacy choices:

- The per-answer CSV leaves out every group under the anonymity threshold, exactly like the
  summary and the charts. Row by row, a group of two teachers would hand their individual
  answer patterns to whoever knows who the two teachers are.
- A respondent is a number from 1 to n given in this export only: responses are numbered in
  group order and then in the order of their random database id, so the number says nothing
  about who answered or when, and two exports cannot be joined on it.
- No date or time is written, not even the completion day: "the one teacher who finished on
  Sunday" is exactly the kind of detail that singles a person out, and the results do not need it.

Files open directly in Excel: UTF-8 with a byte-order mark (so Latvian letters survive), and
in a language that writes a decimal comma (Latvian, Russian, Ukrainian) the separator is ";",
as Excel expects under those regional settings; in English, "," and a decimal point. N/A is
written as text ("N/A"), never as 0, so that a spreadsheet average cannot count it. A
school's own text that begins with "=", "+", "-", "@", a tab or a carriage return gets a
leading "'" (OWASP's advice against CSV injection), so that no spreadsheet runs it as a
formula; the figures we write stay figures.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from babel.numbers import get_decimal_symbol

from bot.i18n import shipped
from bot.i18n.formatting import number
from bot.reporting.formatting import file_name
from bot.reporting.labels import labels
from bot.reporting.respondents import breakdown_rows
from bot.storage.results import AnswerRow
from bot.surveys.bank import Bank
from bot.surveys.scoring import SessionResults, StatementResult
from bot.surveys.vocabulary import AREA_CODES, NOT_APPLICABLE, Language, Profile

NOT_APPLICABLE_TEXT: Final[str] = "N/A"
_FORMULA_STARTS: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class CsvFile:
    name: str
    content: bytes  # UTF-8 with a byte-order mark
    delimiter: str


def delimiter(language: Language) -> str:
    """ ";" where the language writes a decimal comma (as Excel expects there), else ","."""
    decimal = get_decimal_symbol(shipped()[language].locale)
    return ";" if decimal == "," else ","


def csv_name(results: SessionResults, kind: str, language: Language) -> str:
    return file_name(results.session, labels()(language, f"export.{kind}_file"), "csv")


def answers_csv(
    rows: Iterable[AnswerRow], *, results: SessionResults, bank: Bank, language: Language
) -> CsvFile:
    """One line per answer of the shown groups: respondent number, group, statement, area, value.

    `rows` must come response by response (as `bot.storage.results.completed_answers` gives
    them); rows of groups that `results` does not show are dropped here as well.
    """
    text = labels()
    shown = set(results.shown_groups)
    own_areas = {s.code: s.area for s in results.own_statements}
    order = _statement_order(bank, results)
    lines: list[list[str]] = [
        [
            text(language, f"export.{key}")
            for key in ("respondent", "group", "code", "area", "value")
        ]
    ]
    respondent = 0
    current: int | None = None
    pending: list[AnswerRow] = []

    def flush() -> None:
        pending.sort(key=lambda row: order.get(row.code, (len(AREA_CODES), 0, row.code)))
        for row in pending:
            area = own_areas.get(row.code) or row.code[0]
            value = NOT_APPLICABLE_TEXT if row.value == NOT_APPLICABLE else str(row.value)
            lines.append(
                [str(respondent), text.group(row.profile, language), row.code, area, value]
            )
        pending.clear()

    for row in rows:
        if row.profile not in shown:
            continue
        if row.response_id != current:
            flush()
            current = row.response_id
            respondent += 1
        pending.append(row)
    flush()
    return CsvFile(
        name=csv_name(results, "answers", language),
        content=_encode(lines, language),
        delimiter=delimiter(language),
    )


def summary_csv(results: SessionResults, *, bank: Bank, language: Language) -> CsvFile:
    """Per statement and shown group: the count of each answer, the answers behind the mean
    and the mean. Groups under the anonymity threshold have no line at all."""
    text = labels()
    header = [text(language, f"export.{key}") for key in ("code", "area", "group", "text")]
    header += [f"{value} – {bank.scale_label(value, language)}" for value in range(1, 6)]
    header += [
        f"{NOT_APPLICABLE_TEXT} – {bank.scale_label(NOT_APPLICABLE, language)}",
        text(language, "export.answers"),
        text(language, "export.mean"),
    ]
    lines = [header]
    for statement in (*results.statements, *results.own_statements):
        for profile, distribution in statement.groups.items():
            mean = distribution.mean
            lines.append(
                [
                    statement.code,
                    statement.area,
                    text.group(profile, language),
                    _safe(_wording(bank, results, statement, profile, language)),
                    *(str(distribution.counts[value]) for value in range(1, 6)),
                    str(distribution.not_applicable),
                    str(distribution.answered),
                    number(mean, language, digits=2) if mean is not None else "",
                ]
            )
    lines += breakdown_rows(results, bank=bank, language=language)
    return CsvFile(
        name=csv_name(results, "summary", language),
        content=_encode(lines, language),
        delimiter=delimiter(language),
    )


def _wording(
    bank: Bank,
    results: SessionResults,
    statement: StatementResult,
    profile: Profile,
    language: Language,
) -> str:
    if statement.own_text is not None:
        return statement.own_text
    known = bank.statements[statement.code]
    if known.shown_to(profile, results.session.level):
        return known.text(profile, results.session.level, language)
    return ""


def _statement_order(bank: Bank, results: SessionResults) -> dict[str, tuple[int, int, str]]:
    """The questionnaire's order: area by area, the bank's statements before the school's."""
    order: dict[str, tuple[int, int, str]] = {}
    for index, code in enumerate(bank.statements):
        order[code] = (AREA_CODES.index(bank.statements[code].area), 0, f"{index:04d}")
    for mine in results.own_statements:
        order[mine.code] = (AREA_CODES.index(mine.area), 1, f"{int(mine.code[1:]):04d}")
    return order


def _safe(cell: str) -> str:
    """Keep a spreadsheet from reading a school's own text as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _encode(lines: Sequence[Sequence[str]], language: Language) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter(language), lineterminator="\r\n")
    writer.writerows(lines)
    return buffer.getvalue().encode("utf-8-sig")
