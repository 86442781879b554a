"""Two schedulers on one database, as two processes have them (two `Database` objects, the
real sender's lock of each engine): only the leader sends, a round claimed by the other is
sent by the leader, and a successor sends what a leader that stopped left."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from telegram import Bot

from bot.clock import FixedClock
from bot.handlers.notices import NoticeRenderer
from bot.participation.service import Participation
from bot.scheduler.broadcast import Broadcaster
from bot.scheduler.plan import ReminderPolicy
from bot.scheduler.work import Scheduler
from bot.sessions.service import CreatedSession
from bot.storage import Database
from bot.storage import deliveries as delivery_queries
from bot.storage.database import is_server_url
from bot.surveys.bank import Bank
from emulator import BotApiEmulator

from .conftest import USERNAME
from .test_work import join

PEOPLE = range(3000, 3030)


def candidate(db: Database, clock: FixedClock, bank: Bank, bot: Bot, rate: float) -> Scheduler:
    participation = Participation(db=db, clock=clock, bank=bank)
    return Scheduler(
        db=db,
        clock=clock,
        policy=ReminderPolicy(),
        leadership=db.leadership(),
        broadcaster=Broadcaster(bot=bot, db=db, clock=clock, rate=rate),
        render=NoticeRenderer(db=db, bank=bank, participation=participation, bot_username=USERNAME),
    )


@pytest.fixture
async def other(database_target: str | Path, db: Database) -> AsyncIterator[Database]:
    second = await Database.open(database_target)
    yield second
    await second.close()


@pytest.fixture
async def joined(
    emu: BotApiEmulator, db: Database, session: CreatedSession, clock: FixedClock, bank: Bank
) -> CreatedSession:
    participation = Participation(db=db, clock=clock, bank=bank)
    for person in PEOPLE:
        await join(emu, participation, session, person)
    return session


def reminders(emu: BotApiEmulator) -> Counter[int]:
    return Counter(
        person
        for person in PEOPLE
        for message in emu.user(person).messages
        if "not finished" in message.content
    )


async def unsent(db: Database) -> int:
    async with db.read() as connection:
        return await delivery_queries.unsent_count(connection)


async def test_a_round_claimed_by_a_process_that_does_not_lead_is_sent_by_the_leader(
    emu: BotApiEmulator,
    db: Database,
    other: Database,
    joined: CreatedSession,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
) -> None:
    leader, follower = (
        candidate(db, clock, bank, bot, 1000),
        candidate(other, clock, bank, bot, 1000),
    )
    try:
        assert await leader.campaign()
        assert not await follower.campaign()
        await follower.tick()  # no-op: not the sender
        claimed = await follower.remind(joined.session_id)  # e.g. a coordinator's button
        await follower.drain()
        assert claimed >= len(PEOPLE)
        assert reminders(emu) == Counter()  # the follower sent nothing
        assert await leader.campaign()  # its next campaign takes the claims over
        await leader.drain()
        assert reminders(emu) == Counter(dict.fromkeys(PEOPLE, 1))
        assert await unsent(db) == 0
    finally:
        await follower.stop()
        await leader.stop()


async def test_a_leader_that_stops_midway_leaves_the_rest_to_its_successor(
    emu: BotApiEmulator,
    db: Database,
    other: Database,
    joined: CreatedSession,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
) -> None:
    first = candidate(db, clock, bank, bot, 4)  # slow: it is stopped long before the end
    second = candidate(other, clock, bank, bot, 1000)
    try:
        assert await first.campaign()
        assert not await second.campaign()
        await first.remind(joined.session_id)
        await emu.wait_for(lambda: len(reminders(emu)) >= 3, timeout=30)
        await first.stop()  # a graceful stop: the rest is handed over at once
        sent_by_first = sum(reminders(emu).values())
        assert sent_by_first < len(PEOPLE)
        assert await unsent(db) > 0
        assert await second.campaign()
        await second.drain()
        counts = reminders(emu)
        assert set(counts) == set(PEOPLE)
        # Each once; twice at most the one the first had in flight when it was stopped.
        assert sum(n - 1 for n in counts.values()) <= 1, counts
        assert await unsent(db) == 0
    finally:
        await second.stop()
        await first.stop()


async def test_a_leader_that_lost_the_lock_stops_sending(
    emu: BotApiEmulator,
    db: Database,
    other: Database,
    joined: CreatedSession,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
) -> None:
    first = candidate(db, clock, bank, bot, 4)  # slow: it is stopped long before the end
    second = candidate(other, clock, bank, bot, 1000)
    try:
        assert await first.campaign()
        await first.remind(joined.session_id)
        await emu.wait_for(lambda: len(reminders(emu)) >= 3, timeout=30)
        assert first.leadership is not None
        await first.leadership.release()  # as if its lock was lost
        await first.drain()  # its broadcast stops before the next message
        assert sum(reminders(emu).values()) < len(PEOPLE)
        assert await second.campaign()
        await second.drain()
        counts = reminders(emu)
        assert set(counts) == set(PEOPLE)
        assert sum(n - 1 for n in counts.values()) <= 1, counts
    finally:
        await second.stop()
        await first.stop()


async def test_a_leader_whose_lock_connection_dies_stops_and_is_followed(
    emu: BotApiEmulator,
    database_target: str | Path,
    db: Database,
    other: Database,
    joined: CreatedSession,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
) -> None:
    if not is_server_url(database_target):
        pytest.skip("a lock file cannot be lost while its process lives")
    first = candidate(db, clock, bank, bot, 4)  # slow: it is stopped long before the end
    second = candidate(other, clock, bank, bot, 1000)
    try:
        assert await first.campaign()
        await first.remind(joined.session_id)
        await emu.wait_for(lambda: len(reminders(emu)) >= 3, timeout=30)
        admin = await asyncpg.connect(str(database_target))
        try:  # the server ends the session that holds the lock
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        assert not await first.campaign()  # its next check sees it, and it stops sending
        await first.drain()
        assert sum(reminders(emu).values()) < len(PEOPLE)
        assert await second.campaign()
        await second.drain()
        counts = reminders(emu)
        assert set(counts) == set(PEOPLE)
        assert sum(n - 1 for n in counts.values()) <= 1, counts
    finally:
        await second.stop()
        await first.stop()
