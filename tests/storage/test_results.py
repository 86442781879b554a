import itertools
from datetime import UTC, date, datetime, time, timedelta

import aiosqlite
import pytest

from bot.sessions.service import CreatedSession, create_session
from bot.storage import Database
from bot.storage import participants as participant_queries
from bot.storage import results as result_queries
from bot.storage.database import fetch_all
from bot.surveys.bank import Bank
from bot.surveys.scoring import StatementTally
from bot.surveys.vocabulary import Level, Profile

_ids = itertools.count(1)
SCHOOL = "Rīgas 1. vidusskola"


async def respond(
    db: Database,
    session_id: int,
    profile: Profile,
    answers: dict[str, int],
    *,
    completed: bool = True,
) -> None:
    """One participant's questionnaire, written through the storage functions the bot uses."""
    user = next(_ids)
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    async with db.transaction() as connection:
        participant = await participant_queries.insert_participant(
            connection,
            session_id=session_id,
            telegram_id=user,
            chat_id=user,
            profile=profile,
            language="lv",
            now=now,
        )
        assert participant is not None
        if completed:
            await participant_queries.complete(connection, participant=participant, answers=answers)
        else:
            await participant_queries.save_progress(
                connection, participant_id=participant.id, position=len(answers), answers=answers
            )


async def other_session(
    db: Database,
    bank: Bank,
    *,
    start: date,
    level: Level = "upper-secondary",
    school: str = SCHOOL,
    status: str = "closed",
) -> int:
    created = await create_session(
        db,
        bank=bank,
        now=datetime.combine(start, time(8), UTC),
        school_name=school,
        coordinator_id=500,
        level=level,
        start=start,
        end=start + timedelta(days=13),
        timezone="Europe/Riga",
    )
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE sessions SET status = ? WHERE id = ?", (status, created.session_id)
        )
    return created.session_id


async def test_respondents_count_completed_responses_per_group(
    db: Database, session: CreatedSession
) -> None:
    sid = session.session_id
    for _ in range(3):
        await respond(db, sid, "teacher", {"A1": 4})
    await respond(db, sid, "teacher", {"A1": 4}, completed=False)
    await respond(db, sid, "student", {"B1": 2})
    async with db.read() as connection:
        counts = await result_queries.respondents(connection, session_id=sid)
    assert counts == {"leader": 0, "teacher": 3, "student": 1}


async def test_statement_tallies_count_every_value_of_completed_responses_only(
    db: Database, session: CreatedSession, bank: Bank
) -> None:
    sid = session.session_id
    await respond(db, sid, "teacher", {"A1": 4, "B1": 0})
    await respond(db, sid, "teacher", {"A1": 4, "B1": 5})
    await respond(db, sid, "teacher", {"A1": 1, "B1": 0})
    await respond(db, sid, "student", {"B1": 3})
    await respond(db, sid, "teacher", {"A1": 2, "B1": 2}, completed=False)
    elsewhere = await other_session(db, bank, start=date(2025, 11, 3))
    await respond(db, elsewhere, "teacher", {"A1": 5})

    async with db.read() as connection:
        tallies = await result_queries.statement_tallies(connection, session_id=sid)

    assert sorted(tallies, key=lambda t: (t.code, t.profile)) == [
        StatementTally("A1", "teacher", (0, 1, 0, 0, 2, 0)),
        StatementTally("B1", "student", (0, 0, 0, 1, 0, 0)),
        StatementTally("B1", "teacher", (2, 0, 0, 0, 0, 1)),
    ]


async def test_area_respondents_need_an_answer_on_the_scale(
    db: Database, session: CreatedSession
) -> None:
    sid = session.session_id
    await respond(db, sid, "teacher", {"A1": 3, "A2": 4, "B1": 0})
    await respond(db, sid, "teacher", {"A1": 0, "A2": 0, "B1": 2})
    await respond(db, sid, "teacher", {"A1": 5, "S1": 4})  # S1: the school's own, no area here
    await respond(db, sid, "student", {"B1": 1, "C1": 0})
    await respond(db, sid, "student", {"B1": 1}, completed=False)
    async with db.read() as connection:
        counts = await result_queries.area_respondents(connection, session_id=sid)
    assert counts == {("A", "teacher"): 2, ("B", "teacher"): 1, ("B", "student"): 1}


async def test_previous_session_is_the_latest_closed_one_at_the_same_level_before_the_start(
    db: Database, session: CreatedSession, bank: Bank
) -> None:
    older = await other_session(db, bank, start=date(2024, 11, 4))
    latest = await other_session(db, bank, start=date(2025, 11, 3))
    # None of these qualify: still active, another level, another school, not yet ended.
    await other_session(db, bank, start=date(2026, 1, 5), status="active")
    await other_session(db, bank, start=date(2026, 2, 2), level="vet")
    await other_session(db, bank, start=date(2026, 3, 2), school="Ogres tehnikums")
    # Ends 29 Nov, after our start: made before the school's rules forbade overlaps.
    overlapping = await other_session(db, bank, start=date(2026, 11, 16), level="vet")
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE sessions SET level = 'upper-secondary' WHERE id = ?", (overlapping,)
        )

    async with db.read() as connection:
        found = await result_queries.previous_session(connection, session_id=session.session_id)
        before_latest = await result_queries.previous_session(connection, session_id=latest)
        before_older = await result_queries.previous_session(connection, session_id=older)
    assert found is not None and found.id == latest
    assert found.start_date == date(2025, 11, 3) and found.status == "closed"
    assert before_latest is not None and before_latest.id == older
    assert before_older is None


async def test_completed_answers_come_response_by_response_in_group_order(
    db: Database, session: CreatedSession
) -> None:
    sid = session.session_id
    await respond(db, sid, "student", {"B1": 2, "C1": 0})
    await respond(db, sid, "teacher", {"A1": 3, "B1": 4})
    await respond(db, sid, "teacher", {"A1": 1})
    await respond(db, sid, "leader", {"A1": 5})
    await respond(db, sid, "teacher", {"A1": 2}, completed=False)

    async with db.read() as connection:
        rows = [
            (row.response_id, row.profile, row.code, row.value)
            async for row in result_queries.completed_answers(
                connection, session_id=sid, profiles={"student", "teacher"}
            )
        ]
    # Teachers first, each group's responses in the order of their random ids.
    teachers = [row for row in rows if row[1] == "teacher"]
    assert rows == teachers + [row for row in rows if row[1] == "student"]
    assert [row[0] for row in rows] == sorted(row[0] for row in teachers) + [rows[-1][0]] * 2
    by_response: dict[int, dict[str, int]] = {}
    for response_id, _, code, value in rows:
        by_response.setdefault(response_id, {})[code] = value
    assert sorted(by_response.values(), key=str) == sorted(
        [{"A1": 3, "B1": 4}, {"A1": 1}, {"B1": 2, "C1": 0}], key=str
    )


@pytest.mark.parametrize(
    "query",
    [
        result_queries.respondents,
        result_queries.statement_tallies,
        result_queries.area_respondents,
        result_queries.previous_session,
    ],
)
async def test_queries_reach_answers_through_the_session_index(
    db: Database, session: CreatedSession, query: object
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("SQLite's query plans; PostgreSQL plans by table statistics")
    await respond(db, session.session_id, "teacher", {"A1": 3})
    statements: list[str] = []
    async with db.read() as connection:
        assert isinstance(connection, aiosqlite.Connection)
        await connection.set_trace_callback(statements.append)
        await query(connection, session_id=session.session_id)  # type: ignore[operator]
        await connection.set_trace_callback(None)  # type: ignore[arg-type]
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert selects
        plans = [
            [row[3] for row in await fetch_all(connection, f"EXPLAIN QUERY PLAN {sql}")]
            for sql in selects
        ]
    for plan in plans:
        details = " | ".join(plan)
        # Never a full scan of a table: every step searches an index or a primary key.
        subqueries = {step.split()[1] for step in plan if step.startswith("CO-ROUTINE ")}
        assert not any(
            step.startswith("SCAN ")
            and "subquery" not in step
            and step.split()[1] not in subqueries
            for step in plan
        ), details
        if any(step.startswith("SEARCH a ") for step in plan):
            assert "INDEX responses_by_session" in details, details
            assert "SEARCH a USING PRIMARY KEY (response_id=?)" in details, details
