from bot.clock import FixedClock
from bot.sessions.service import CreatedSession
from bot.storage import Database
from bot.storage import schools as school_queries
from bot.storage import sessions as session_queries
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
