from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.sessions.service import CreatedSession
from bot.storage import Database
from bot.storage import schools as school_queries
from bot.storage import sessions as session_queries
from bot.storage.database import fetch_all, migrations
from bot.storage.records import GroupCount
from bot.surveys.bank import Bank


async def test_created_session_reads_back(
    db: Database, session: CreatedSession, bank: Bank
) -> None:
    async with db.read() as connection:
        stored = await session_queries.session_by_id(connection, session_id=session.session_id)
        codes = await session_queries.session_statement_codes(
            connection, session_id=session.session_id
        )
        invites = await session_queries.invites_of(connection, session_id=session.session_id)
        coordinators = await school_queries.coordinators_of(connection, school_id=session.school_id)
    assert stored is not None
    assert stored.school_name == "Rīgas 1. vidusskola"
    assert stored.level == "upper-secondary"
    assert (stored.start_date, stored.end_date) == (session.period.start, session.period.end)
    assert stored.closes_at == session.period.closes_at
    assert stored.status == "active"
    assert codes == {s.code for s in bank.statements.values() if s.kind == "core"}
    assert invites == session.invites
    assert list(invites) == ["leader", "teacher", "student"]
    assert coordinators == [500]


async def test_invite_lookup(db: Database, session: CreatedSession) -> None:
    async with db.read() as connection:
        found = await session_queries.invite(connection, token=session.invites["teacher"])
        missing = await session_queries.invite(connection, token="nope")
    assert found == (session.session_id, "teacher")
    assert missing is None


async def test_group_counts_start_at_zero(db: Database, session: CreatedSession) -> None:
    async with db.read() as connection:
        counts = await session_queries.group_counts(connection, session_id=session.session_id)
    assert counts == {p: GroupCount(0, 0) for p in ("leader", "teacher", "student")}


async def test_school_names_are_unique_regardless_of_case(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as connection:
        await school_queries.insert_school(connection, name="Ogres tehnikums", now=clock.now())
    async with db.read() as connection:
        found = await school_queries.school_by_name(connection, name="OGRES TEHNIKUMS")
    assert found is not None and found.name == "Ogres tehnikums"


async def test_own_statements_keep_their_language_and_translations(
    db: Database, session: CreatedSession
) -> None:
    from bot.coordination.own_format import parse_own

    own = parse_own(
        ["C|all|Mūsu bibliotēka izsniedz klēpjdatorus.", "H|student|Mēs mācāmies programmēt."],
        language="lv",
        translations=["S1|en|Our library lends laptops.", "S1|uk|Наша бібліотека видає ноутбуки."],
    )
    async with db.transaction() as connection:
        await session_queries.replace_statements(
            connection, session_id=session.session_id, codes=[], own=own
        )
    async with db.read() as connection:
        found = await session_queries.own_statements(connection, session_id=session.session_id)
    assert found == own
    assert found[0].missing() == ["ru"] and found[1].missing() == ["en", "ru", "uk"]
    async with db.transaction() as connection:  # replaced together with their statements
        await session_queries.replace_statements(
            connection, session_id=session.session_id, codes=[], own=own[1:]
        )
    async with db.read() as connection:
        rows = await connection.execute_fetchall("SELECT count(*) FROM own_statement_texts")
    assert next(iter(rows))[0] == 0


NOW = datetime(2026, 2, 20, 9, tzinfo=UTC)


def _version_of(marker: str) -> int:
    return next(v for v, script in migrations() if marker in script)


@pytest.mark.parametrize(
    "before",
    [
        pytest.param("TABLE opening_requests", id="just-before"),
        # Sessions written before work-based learning rebuilt the table keep their order.
        pytest.param("TABLE sessions_v7", id="before-the-rebuild"),
    ],
)
async def test_the_migration_numbers_existing_sessions_per_school_in_creation_order(
    tmp_path: Path, before: str
) -> None:
    db = await Database.open(tmp_path / "old.sqlite3", migrate=False)
    try:
        await db.migrate(target=_version_of(before) - 1)
        async with db.transaction() as connection:
            for school in (1, 2):
                await connection.execute(
                    "INSERT INTO schools (id, name, created_at) VALUES (?, ?, 0)",
                    (school, f"Skola {school}"),
                )
            # (id, school, created_at): ids and creation order disagree on purpose.
            for session_id, school, created in ((1, 1, 30), (2, 2, 10), (3, 1, 10), (4, 1, 30)):
                await connection.execute(
                    "INSERT INTO sessions (id, school_id, level, start_date, end_date, timezone,"
                    " opens_at, closes_at, created_by, created_at)"
                    " VALUES (?, ?, 'vet', '2026-01-05', '2026-01-18', 'Europe/Riga', 1, 2, 5, ?)",
                    (session_id, school, created),
                )
        await db.migrate()
        async with db.transaction() as connection:
            numbers = await fetch_all(connection, "SELECT id, number FROM sessions ORDER BY id")
            # New sessions go on from the school's last number.
            new = await session_queries.insert_session(
                connection, school_id=2, level="vet", start_date=date(2026, 3, 2),
                end_date=date(2026, 3, 15), timezone="Europe/Riga", opens_at=NOW,
                closes_at=NOW + timedelta(days=14), created_by=5, now=NOW,
            )  # fmt: skip
            added = await session_queries.session_by_id(connection, session_id=new)
    finally:
        await db.close()
    assert [tuple(row) for row in numbers] == [(1, 2), (2, 1), (3, 1), (4, 3)]
    assert added is not None and added.number == 2 and added.status == "active"
