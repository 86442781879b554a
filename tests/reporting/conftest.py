"""One realistic session in a real SQLite file, built once for all the reporting tests.

Rīgas Valsts 1. ģimnāzija, upper secondary, with the school's own statements and an earlier
closed session: 3 leaders (under the default threshold of 5, so hidden), 6 teachers and
8 students completed; students answered N/A to every area G statement; one teacher did not finish.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.reporting.service import load_results
from bot.sessions.service import create_session
from bot.storage import Database
from bot.storage import participants as participant_queries
from bot.storage import sessions as session_queries
from bot.surveys.bank import Bank, default_bank
from bot.surveys.questionnaire import OwnStatement, assemble
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import Level, Profile

SCHOOL = "Rīgas Valsts 1. ģimnāzija"
START = date(2026, 11, 23)
EARLIER_START = date(2025, 11, 3)
OWN = (
    OwnStatement("S1", "B", frozenset({"teacher", "student"}), "Skolā darbojas robotikas pulciņš."),
    OwnStatement("S2", "C", frozenset({"teacher"}), "=1+1 skolotāju istabā ir printeris."),
)
GROUPS: dict[Profile, int] = {"leader": 3, "teacher": 6, "student": 8}


@dataclass(frozen=True)
class Scenario:
    path: Path
    session_id: int
    results: SessionResults


def answer_value(response: int, position: int, code: str, profile: Profile) -> int:
    """A deterministic spread of answers, with some N/A; students say N/A to all of area G."""
    if profile == "student" and code.startswith("G"):
        return 0
    if (response * 3 + position) % 9 == 0:
        return 0
    return 1 + (response + position * 2) % 5


async def _session(
    db: Database,
    bank: Bank,
    start: date,
    own: tuple[OwnStatement, ...],
    level: Level = "upper-secondary",
) -> int:
    created = await create_session(
        db,
        bank=bank,
        now=datetime.combine(start, time(8), UTC),
        school_name=SCHOOL,
        coordinator_id=500,
        level=level,
        start=start,
        end=start + timedelta(days=13),
        timezone="Europe/Riga",
        own=own,
    )
    return created.session_id


async def _fill(
    db: Database,
    bank: Bank,
    session_id: int,
    groups: dict[Profile, int],
    *,
    unfinished: int = 0,
    level: Level = "upper-secondary",
) -> None:
    async with db.transaction() as connection:
        codes = await session_queries.session_statement_codes(connection, session_id=session_id)
        own = await session_queries.own_statements(connection, session_id=session_id)
        plan: list[tuple[Profile, bool]] = [(p, True) for p, n in groups.items() for _ in range(n)]
        plan += [("teacher", False)] * unfinished
        for number, (profile, done) in enumerate(plan, start=1):
            items = assemble(bank, level=level, profile=profile, codes=codes, own=own).items
            now = datetime(2026, 11, 25, 9, tzinfo=UTC)
            participant = await participant_queries.insert_participant(
                connection,
                session_id=session_id,
                telegram_id=session_id * 1000 + number,
                chat_id=number,
                profile=profile,
                language="lv",
                now=now,
            )
            assert participant is not None
            answers = {
                item.code: answer_value(number, position, item.code, profile)
                for position, item in enumerate(items if done else items[:5])
            }
            if done:
                await participant_queries.complete(
                    connection, participant=participant, answers=answers
                )
            else:
                await participant_queries.save_progress(
                    connection, participant_id=participant.id, position=5, answers=answers
                )


async def _build(path: Path) -> Scenario:
    bank = default_bank()
    db = await Database.open(path)
    try:
        earlier = await _session(db, bank, EARLIER_START, ())
        await _fill(db, bank, earlier, {"leader": 2, "teacher": 5, "student": 6})
        async with db.transaction() as connection:
            await connection.execute(
                "UPDATE sessions SET status = 'closed' WHERE id = ?", (earlier,)
            )
        current = await _session(db, bank, START, OWN)
        await _fill(db, bank, current, GROUPS, unfinished=1)
        results = await load_results(db, session_id=current, bank=bank)
    finally:
        await db.close()
    assert results is not None
    return Scenario(path=path, session_id=current, results=results)


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return asyncio.run(_build(tmp_path_factory.mktemp("reporting") / "selfie.sqlite3"))


@pytest.fixture(scope="session")
def results(scenario: Scenario) -> SessionResults:
    """The scenario's results at the default anonymity threshold of 5."""
    return scenario.results


@pytest.fixture(scope="session")
def database_path(scenario: Scenario) -> Path:
    """The scenario's database file; open it with `Database.open` in the test's own loop."""
    return scenario.path


@pytest.fixture(scope="session")
def report_bank() -> Bank:
    return default_bank()


async def _build_wbl(path: Path) -> SessionResults:
    bank = default_bank()
    db = await Database.open(path)
    try:
        session = await _session(db, bank, START, (), level="wbl")
        groups: dict[Profile, int] = {"leader": 5, "teacher": 5, "student": 5, "trainer": 6}
        await _fill(db, bank, session, groups, level="wbl")
        results = await load_results(db, session_id=session, bank=bank)
    finally:
        await db.close()
    assert results is not None
    return results


@pytest.fixture(scope="session")
def wbl_results(tmp_path_factory: pytest.TempPathFactory) -> SessionResults:
    """A session at level wbl that five of each group and six in-company trainers completed."""
    return asyncio.run(_build_wbl(tmp_path_factory.mktemp("wbl") / "selfie.sqlite3"))


# Text that markup, format strings, spreadsheets or matplotlib's mathematics might read as
# something else; each must come out of every renderer as it was typed.
HOSTILE_TEXTS = (
    "Skola $x^{$ b",
    "$5 and $10",
    '=HYPERLINK("http://x")',
    "<b>bold</b>",
    "\\textbf{x}",
    "%(name)s",
    "{0}",
)


async def _build_hostile(path: Path) -> dict[str, SessionResults]:
    """One session per hostile text as the school's name, each with every hostile text as
    an own statement (area A, B, …) that five teachers answered."""
    bank = default_bank()
    own = tuple(
        OwnStatement(f"S{number}", area, frozenset({"teacher"}), text)
        for number, (area, text) in enumerate(zip("ABCDEFG", HOSTILE_TEXTS, strict=True), start=1)
    )
    db = await Database.open(path)
    try:
        found: dict[str, SessionResults] = {}
        for name in HOSTILE_TEXTS:
            created = await create_session(
                db,
                bank=bank,
                now=datetime.combine(START, time(8), UTC),
                school_name=name,
                coordinator_id=500,
                level="upper-secondary",
                start=START,
                end=START + timedelta(days=13),
                timezone="Europe/Riga",
                own=own,
            )
            await _fill(db, bank, created.session_id, {"teacher": 5})
            # Every statement with an answer on the scale is shown: these are about the text.
            results = await load_results(
                db, session_id=created.session_id, bank=bank, min_answers=1
            )
            assert results is not None
            found[name] = results
    finally:
        await db.close()
    return found


@pytest.fixture(scope="session")
def hostile_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SessionResults]:
    """Results by school name, for the names of HOSTILE_TEXTS, read back from a real database."""
    return asyncio.run(_build_hostile(tmp_path_factory.mktemp("hostile") / "selfie.sqlite3"))
