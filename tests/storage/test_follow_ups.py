import sqlite3
from datetime import timedelta

import asyncpg
import pytest

from bot.clock import FixedClock
from bot.sessions.service import CreatedSession, create_session
from bot.storage import Database
from bot.storage import follow_ups as follow_up_queries
from bot.surveys.bank import Bank


async def another(db: Database, bank: Bank, clock: FixedClock, *, days_on: int) -> int:
    start = clock.now().date() + timedelta(days=days_on)
    created = await create_session(
        db,
        bank=bank,
        now=clock.now(),
        school_name="Rīgas 1. vidusskola",
        coordinator_id=500,
        level="upper-secondary",
        start=start,
        end=start + timedelta(days=13),
        timezone="Europe/Riga",
    )
    return created.session_id


async def test_a_session_has_one_follow_up_at_most(
    db: Database, bank: Bank, clock: FixedClock, session: CreatedSession
) -> None:
    first = await another(db, bank, clock, days_on=60)
    second = await another(db, bank, clock, days_on=120)
    async with db.transaction() as connection:
        assert (
            await follow_up_queries.follow_up_of(connection, session_id=session.session_id) is None
        )
        await follow_up_queries.record_follow_up(
            connection, session_id=first, follows=session.session_id
        )
    async with db.read() as connection:
        found = await follow_up_queries.follow_up_of(connection, session_id=session.session_id)
        assert await follow_up_queries.follow_up_of(connection, session_id=first) is None
    assert found is not None and found.id == first
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        async with db.transaction() as connection:
            await follow_up_queries.record_follow_up(
                connection, session_id=second, follows=session.session_id
            )
