"""Two processes doing the same thing at the same moment, on each engine: two `Database`
objects on one file or one server (a second pool is what a second worker has). SQLite
serialises writers; PostgreSQL's READ COMMITTED does not, so each of these must be one
statement whose condition holds under it."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.coordination.access import Refused
from bot.coordination.service import Coordination
from bot.participation.outcomes import OtherGroup, Progress
from bot.participation.service import Participation
from bot.sessions.service import CreatedSession, create_session
from bot.storage import Database
from bot.storage import deliveries as delivery_queries
from bot.storage.database import fetch_all, fetch_one
from bot.storage.mixing import MIXED
from bot.storage.responses import add_response
from bot.surveys.bank import Bank
from bot.surveys.vocabulary import Level
from tests.conftest import END, START

ROUNDS = 12  # each race is run this many times, on fresh people


@pytest.fixture
async def other(database_target: str | Path, db: Database) -> AsyncIterator[Database]:
    """The second process's view of the same database."""
    second = await Database.open(database_target)
    yield second
    await second.close()


async def count(db: Database, sql: str, *parameters: object) -> int:
    async with db.read() as connection:
        row = await fetch_one(connection, sql, parameters)
    assert row is not None
    return int(row[0])


async def test_one_person_joining_twice_at_once_is_one_participant(
    db: Database, other: Database, session: CreatedSession, clock: FixedClock, bank: Bank
) -> None:
    first, second = (Participation(db=d, clock=clock, bank=bank) for d in (db, other))
    for person in range(ROUNDS):
        outcomes = await asyncio.gather(
            *(
                p.join(
                    token=session.invites["teacher"],
                    telegram_id=person,
                    chat_id=person,
                    language="en",
                )
                for p in (first, second)
            )
        )
        assert all(isinstance(o, Progress) for o in outcomes), outcomes
    assert await count(db, "SELECT count(*) FROM participants") == ROUNDS
    assert await count(db, "SELECT count(*) FROM progress") == ROUNDS


async def test_one_person_joining_two_groups_at_once_is_in_one(
    db: Database, other: Database, session: CreatedSession, clock: FixedClock, bank: Bank
) -> None:
    first, second = (Participation(db=d, clock=clock, bank=bank) for d in (db, other))
    for person in range(ROUNDS):
        outcomes = await asyncio.gather(
            first.join(
                token=session.invites["teacher"], telegram_id=person, chat_id=person, language="en"
            ),
            second.join(
                token=session.invites["leader"], telegram_id=person, chat_id=person, language="en"
            ),
        )
        kinds = sorted(type(o).__name__ for o in outcomes)
        assert kinds == ["OtherGroup", "Progress"], outcomes
        joined = next(o for o in outcomes if isinstance(o, Progress))
        refused = next(o for o in outcomes if isinstance(o, OtherGroup))
        assert refused.profile == joined.profile
    assert await count(db, "SELECT count(*) FROM participants") == ROUNDS


async def test_two_reminder_rounds_at_once_keep_the_cap(
    db: Database, other: Database, session: CreatedSession, clock: FixedClock, bank: Bank
) -> None:
    participation = Participation(db=db, clock=clock, bank=bank)
    for person in range(ROUNDS):
        await participation.join(
            token=session.invites["student"], telegram_id=person, chat_id=person, language="en"
        )
    async with db.transaction() as connection:
        await connection.execute("UPDATE participants SET reminders_sent = 2")

    async def round_of(database: Database, kind: str) -> int:
        async with database.transaction() as connection:
            claims = await delivery_queries.claim_reminders(
                connection,
                session_id=session.session_id,
                kind=kind,
                max_per_person=3,
                now=clock.now(),
            )
        return len(claims)

    sent = await asyncio.gather(round_of(db, "reminder:1"), round_of(other, "reminder:now-1"))
    assert sum(sent) == ROUNDS
    async with db.read() as connection:
        rows = await fetch_all(connection, "SELECT reminders_sent FROM participants")
        claimed = await fetch_all(
            connection,
            "SELECT recipient, count(*) FROM deliveries WHERE kind LIKE 'reminder%'"
            " GROUP BY recipient",
        )
    assert {row[0] for row in rows} == {3}
    assert len(claimed) == ROUNDS and {row[1] for row in claimed} == {1}


async def test_one_school_created_twice_at_once_is_one_school(
    db: Database, other: Database, bank: Bank, clock: FixedClock
) -> None:
    levels: tuple[Level, Level] = ("primary", "vet")
    for attempt in range(ROUNDS):
        await asyncio.gather(
            *(
                create_session(
                    d,
                    bank=bank,
                    now=clock.now(),
                    school_name=f"Jaunā skola {attempt}",
                    coordinator_id=500 + index,
                    level=level,
                    start=START,
                    end=END,
                    timezone="Europe/Riga",
                )
                # Two levels: the same dates at one level are refused (bot/sessions/rules.py).
                for index, (d, level) in enumerate(zip((db, other), levels, strict=True))
            )
        )
    assert await count(db, "SELECT count(*) FROM schools") == ROUNDS
    assert await count(db, "SELECT count(*) FROM sessions") == 2 * ROUNDS
    assert await count(db, "SELECT count(*) FROM coordinators") == 2 * ROUNDS


async def test_one_coordinator_starting_two_drafts_at_once_gets_one(
    db: Database, other: Database, session: CreatedSession, bank: Bank, clock: FixedClock
) -> None:
    school = await count(db, "SELECT school_id FROM sessions WHERE id = ?", session.session_id)
    coordinations = [
        Coordination(
            db=d,
            clock=clock,
            bank=bank,
            participation=Participation(db=d, clock=clock, bank=bank),
            admins=frozenset(),
            timezone="Europe/Riga",
            minimums={},
        )
        for d in (db, other)
    ]
    for attempt in range(ROUNDS):
        user = 500 if attempt == 0 else 600 + attempt
        if attempt:
            async with db.transaction() as connection:
                await connection.execute(
                    "INSERT INTO coordinators (school_id, telegram_id, added_at) VALUES (?, ?, 0)",
                    (school, user),
                )
        results = await asyncio.gather(
            *(c.start_draft(user=user, school_id=school) for c in coordinations),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, Refused)]
        assert len(refused) == 1 and refused[0].reason == "draft_exists", results
    assert await count(db, "SELECT count(*) FROM session_drafts") == ROUNDS


async def test_the_last_answer_given_twice_at_once_completes_once(
    db: Database, other: Database, session: CreatedSession, clock: FixedClock, bank: Bank
) -> None:
    first, second = (Participation(db=d, clock=clock, bank=bank) for d in (db, other))
    for person in range(ROUNDS):
        joined = await first.join(
            token=session.invites["leader"], telegram_id=person, chat_id=person, language="en"
        )
        assert isinstance(joined, Progress)
        step = joined
        while step.position < step.total - 1:
            following = await first.answer(
                telegram_id=person, session_id=session.session_id, code=step.item.code, value=3
            )
            assert isinstance(following, Progress)
            step = following
        await asyncio.gather(
            *(
                p.answer(
                    telegram_id=person, session_id=session.session_id, code=step.item.code, value=4
                )
                for p in (first, second)
            )
        )
    assert await count(db, "SELECT count(*) FROM responses") == ROUNDS
    assert await count(db, "SELECT count(*) FROM participants WHERE completed = 1") == ROUNDS


async def test_two_completions_of_one_group_at_once_keep_every_response(
    db: Database, other: Database, session: CreatedSession
) -> None:
    """Each completion moves a few of its group's responses to new ids; two at once on
    PostgreSQL picked the same ones and deadlocked, or found one gone (seen with two
    webhook workers)."""

    async def complete(database: Database, value: int) -> None:
        async with database.transaction() as connection:
            await add_response(
                connection,
                session_id=session.session_id,
                profile="teacher",
                answers={"A1": value % 6, "B2": value // 6 % 6, "C3": value // 36},
            )

    for value in range(MIXED + 1):  # a group larger than MIXED: picks are random
        await complete(db, value)
    for round_ in range(ROUNDS):
        first = MIXED + 1 + 2 * round_
        await asyncio.gather(complete(db, first), complete(other, first + 1))
    async with db.read() as connection:
        rows = await fetch_all(
            connection,
            "SELECT r.id, a.code, a.value FROM responses r JOIN answers a ON a.response_id = r.id"
            " WHERE r.session_id = ?",
            (session.session_id,),
        )
    responses: dict[int, dict[str, int]] = {}
    for response_id, code, value in rows:
        responses.setdefault(response_id, {})[code] = value
    written = sorted(a["A1"] + 6 * a["B2"] + 36 * a["C3"] for a in responses.values())
    assert written == list(range(MIXED + 1 + 2 * ROUNDS))
