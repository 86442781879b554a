"""The reports' part about the respondents, from a real SQLite file: breakdowns in the summary
CSV and the PDF only where allowed, the open answers in a file of their own."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.reporting.exports import summary_csv
from bot.reporting.pdf import build_report_pages
from bot.reporting.respondents import open_answers_file
from bot.reporting.service import load_results
from bot.sessions.service import create_session
from bot.storage import Database
from bot.storage import participants as participant_queries
from bot.storage import sessions as session_queries
from bot.storage.open_answers import add_open_answer
from bot.surveys.background import UNDISCLOSED, default_background
from bot.surveys.bank import Bank, default_bank
from bot.surveys.open_questions import OpenQuestion
from bot.surveys.questionnaire import assemble
from bot.surveys.respondents import RespondentQuestions
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import Profile

from .test_pdf import all_text

START = date(2026, 11, 23)
OWN_QUESTION = "=1+1 Kas $x^{$ jums palīdzētu?"
TEACHER_ANSWERS = ["Vairāk laika.", "=SUM(A1)\nun vēl rinda", "<b>Mācības</b>"]
STUDENT_ANSWERS = [f"Skolēna atbilde {n}" for n in range(10)]
# (profile, answers about themselves, how many)
PEOPLE: list[tuple[Profile, dict[str, str], int]] = [
    ("teacher", {"teaching_years": "under_5", "confidence": "very"}, 5),
    ("teacher", {"teaching_years": "from_15", "confidence": "very"}, 6),
    ("student", {"study_year": "first", "confidence": "fairly"}, 6),
    ("student", {"study_year": UNDISCLOSED, "confidence": "very"}, 4),
    ("leader", {"leading_years": "under_3", "confidence": "very"}, 3),
]


@dataclass(frozen=True)
class Scenario:
    path: Path
    session_id: int


async def _build(path: Path) -> Scenario:
    bank = default_bank()
    background = default_background()
    db = await Database.open(path)
    try:
        created = await create_session(
            db,
            bank=bank,
            now=datetime.combine(START, time(8), UTC),
            school_name="Cēsu ģimnāzija",
            coordinator_id=500,
            level="upper-secondary",
            start=START,
            end=START + timedelta(days=13),
            timezone="Europe/Riga",
            questions=RespondentQuestions(
                background=True,
                open_questions=(
                    OpenQuestion("leader", key="strength"),
                    OpenQuestion("teacher", text=OWN_QUESTION, language="lv"),
                    OpenQuestion("student", key="support"),
                ),
            ),
        )
        session_id = created.session_id
        async with db.transaction() as connection:
            codes = await session_queries.session_statement_codes(connection, session_id=session_id)
            number = 0
            for profile, about, count in PEOPLE:
                items = assemble(bank, level="upper-secondary", profile=profile, codes=codes).items
                for _ in range(count):
                    number += 1
                    participant = await participant_queries.insert_participant(
                        connection,
                        session_id=session_id,
                        telegram_id=10_000 + number,
                        chat_id=10_000 + number,
                        profile=profile,
                        language="lv",
                        now=datetime(2026, 11, 24, 9, tzinfo=UTC),
                    )
                    assert participant is not None
                    value = 2 if about.get("teaching_years") == "under_5" else 4
                    await participant_queries.complete(
                        connection,
                        participant=participant,
                        answers={item.code: value for item in items},
                        background=background.encode(profile, about),
                    )
            for profile, texts in (("teacher", TEACHER_ANSWERS), ("student", STUDENT_ANSWERS)):
                for text in texts:
                    await add_open_answer(
                        connection, session_id=session_id, profile=profile, text=text
                    )
            await add_open_answer(connection, session_id=session_id, profile="leader", text="Es")
    finally:
        await db.close()
    return Scenario(path, session_id)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return asyncio.run(_build(tmp_path_factory.mktemp("respondents") / "selfie.sqlite3"))


def load(scenario: Scenario) -> SessionResults:
    async def read() -> SessionResults:
        db = await Database.open(scenario.path)
        try:
            found = await load_results(db, session_id=scenario.session_id, bank=default_bank())
        finally:
            await db.close()
        assert found is not None
        return found

    return asyncio.run(read())


@pytest.fixture(scope="module")
def results(scenario: Scenario) -> SessionResults:
    return load(scenario)


def test_only_the_teachers_years_are_broken_down(results: SessionResults) -> None:
    about = results.about_respondents
    assert about is not None
    (shown,) = about.breakdowns.shown
    assert (shown.profile, shown.question.key) == ("teacher", "teaching_years")
    assert [(s.option, s.respondents) for s in shown.subgroups] == [
        ("under_5", 5),
        ("from_15", 6),
    ]
    assert {round(m, 6) for m in shown.subgroups[0].means.values()} == {2.0}
    withheld = {(p, q.key) for p, q in about.breakdowns.withheld}
    # One answer only (all "very"); 6 and 4 students; leaders are not shown at all.
    assert withheld == {("teacher", "confidence"), ("student", "study_year"),
                        ("student", "confidence")}  # fmt: skip


def test_the_summary_csv_ends_with_the_breakdown(
    results: SessionResults, report_bank: Bank
) -> None:
    export = summary_csv(results, bank=report_bank, language="en")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=","))
    start = rows.index(["About the respondents"])
    header = rows[start + 1]
    assert header[:4] == ["group", "question", "answer", "respondents"]
    assert header[4] == f"A – {report_bank.areas['A'].name('en')}"
    section = rows[start + 2 :]
    assert [row[:4] for row in section] == [
        ["Teachers", "How long have you been teaching?", "Less than 5 years", "5"],
        ["Teachers", "How long have you been teaching?", "15–24 years", "6"],
    ]
    assert section[0][4] == "2.00" and section[1][4] == "4.00"
    latvian = summary_csv(results, bank=report_bank, language="lv").content.decode("utf-8-sig")
    assert "Par respondentiem" in latvian and "2,00" in latvian


def test_the_pdf_shows_the_table_and_says_what_is_not_broken_down(
    results: SessionResults, report_bank: Bank
) -> None:
    pages = build_report_pages(results, bank=report_bank, language="lv")
    text = " ".join(all_text(pages).split())  # lines wrapped as they fit
    assert "Par respondentiem" in text
    assert "Skolotāji · Cik ilgs ir jūsu pedagoģiskā darba stāžs?" in text
    assert "Mazāk par 5 gadiem" in text and "15–24 gadi" in text
    assert "Nav sadalīti" in text and "Kurā mācību gadā tu mācies šajā skolā?" in text
    assert OWN_QUESTION not in text and TEACHER_ANSWERS[0] not in text  # not in the report


def test_the_open_answers_come_alone_shuffled_and_only_from_groups_large_enough(
    scenario: Scenario, results: SessionResults
) -> None:
    found = open_answers_file(results, language="lv")
    assert found is not None
    assert found.name.endswith("-atverta-jautajuma-atbildes.txt")
    content = found.content.decode("utf-8")
    assert f"Jautājums: {OWN_QUESTION}" in content
    assert "• =SUM(A1)\n  un vēl rinda" in content
    for answer in [*TEACHER_ANSWERS[:1], TEACHER_ANSWERS[2], *STUDENT_ANSWERS]:
        assert content.count(answer) == 1
    assert "Skolas vadītāji: netiek sniegtas, respondentu ir mazāk nekā 5." in content
    assert "• Es" not in content
    # Nothing beside an answer tells anything else about its author.
    for label in ("Mazāk par 5 gadiem", "Pirmajā", "Ļoti droši", "Nevēlos norādīt"):
        assert label not in content
    orders = set()
    for _ in range(3):
        about = load(scenario).about_respondents
        assert about is not None
        orders.add(next(g.answers for g in about.open_answers if g.question.profile == "student"))
    assert len(orders) > 1  # 10! orders: the same one three times would be a fixed order
