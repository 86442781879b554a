"""Reading a session's results from the database: the one part of reporting that does I/O.

Results and exports are long reads (`Database.long_read`): on SQLite a read-only connection of
their own, so that answers go on meanwhile; scoring and rendering happen after.
"""

from __future__ import annotations

import dataclasses

from bot.reporting.exports import CsvFile, answers_csv
from bot.scheduler.retries import REPORT
from bot.storage import Database, session_questions
from bot.storage import breakdowns as breakdown_queries
from bot.storage import deliveries as delivery_queries
from bot.storage import open_answers as open_answer_queries
from bot.storage import results as result_queries
from bot.storage import sessions as session_queries
from bot.storage.deliveries import Claim
from bot.storage.engine import Connection
from bot.storage.records import Session
from bot.surveys.background import default_background
from bot.surveys.bank import Bank
from bot.surveys.respondent_results import respondent_results
from bot.surveys.scoring import DEFAULT_MIN_GROUP_SIZE, SessionResults, SessionTallies, score
from bot.surveys.vocabulary import Language


async def load_results(
    db: Database,
    *,
    session_id: int,
    bank: Bank,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    min_answers: int | None = None,
) -> SessionResults | None:
    """The results of a session (None if there is no such session), with progress against the
    school's previous closed session at the same level when there is one. A statement's spread
    needs `min_answers` 1–5 answers in a group (min_group_size unless said)."""
    async with db.long_read() as connection:
        session = await session_queries.session_by_id(connection, session_id=session_id)
        if session is None:
            return None
        current = await _tallies(connection, session, area_respondents=True)
        own = await session_queries.own_statements(connection, session_id=session_id)
        earlier = await result_queries.previous_session(connection, session_id=session_id)
        # Progress compares area means only: the earlier session needs no respondent counts.
        previous = (
            await _tallies(connection, earlier, area_respondents=False)
            if earlier is not None
            else None
        )
        asked = await session_questions.respondent_questions(connection, session_id=session_id)
        about = respondent_results(
            asked=asked,
            background=default_background(),
            tallies=(
                await breakdown_queries.background_tallies(connection, session_id=session_id)
                if asked.background
                else ()
            ),
            respondents=current.respondents,
            open_answers=await open_answer_queries.open_answers(connection, session_id=session_id),
            min_group_size=min_group_size,
        )
    results = score(
        bank=bank,
        current=current,
        own=own,
        previous=previous,
        min_group_size=min_group_size,
        min_answers=min_answers,
    )
    return dataclasses.replace(results, about_respondents=about)


async def load_answers_csv(
    db: Database, *, results: SessionResults, bank: Bank, language: Language
) -> CsvFile:
    """The anonymised row-by-row CSV of the groups that `results` shows."""
    async with db.long_read() as connection:
        rows = [
            row
            async for row in result_queries.completed_answers(
                connection, session_id=results.session.id, profiles=results.shown_groups
            )
        ]
    return answers_csv(rows, results=results, bank=bank, language=language)


async def report_will_follow(db: Database, *, session_id: int, recipient: int) -> bool:
    """Whether the report of a closed session failed for this coordinator and another attempt
    will come on its own (bot/scheduler/retries.py)."""
    claim = Claim(session_id, REPORT, recipient)
    async with db.read() as connection:
        return await delivery_queries.retry_planned(connection, claim=claim)


async def _tallies(
    connection: Connection, session: Session, *, area_respondents: bool
) -> SessionTallies:
    return SessionTallies(
        session=session,
        codes=await session_queries.session_statement_codes(connection, session_id=session.id),
        respondents=await result_queries.respondents(connection, session_id=session.id),
        area_respondents=(
            await result_queries.area_respondents(connection, session_id=session.id)
            if area_respondents
            else {}
        ),
        statements=await result_queries.statement_tallies(connection, session_id=session.id),
    )
