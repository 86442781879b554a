"""Claims: each message is claimed once per recipient, however the rounds overlap."""

from __future__ import annotations

from bot.clock import FixedClock
from bot.participation.service import Participation
from bot.sessions.service import CreatedSession
from bot.storage import Database
from bot.storage import deliveries as queries
from bot.storage.database import fetch_all
from bot.surveys.bank import Bank


async def test_claims_come_back_once_per_new_recipient_in_the_given_order(
    db: Database, session: CreatedSession, clock: FixedClock
) -> None:
    async with db.transaction() as connection:
        first = await queries.claim(
            connection,
            session_id=session.session_id,
            kind="digest:1",
            recipients=[30, 10, 20, 10],
            now=clock.now(),
        )
        again = await queries.claim(
            connection,
            session_id=session.session_id,
            kind="digest:1",
            recipients=[20, 40],
            now=clock.now(),
        )
    assert [c.recipient for c in first] == [30, 10, 20]
    assert [c.recipient for c in again] == [40]


async def test_two_reminder_rounds_of_the_same_kind_at_once_claim_nobody_twice(
    db: Database, session: CreatedSession, clock: FixedClock, bank: Bank
) -> None:
    participation = Participation(db=db, clock=clock, bank=bank)
    for telegram_id in (7001, 7002):
        await participation.join(
            token=session.invites["teacher"],
            telegram_id=telegram_id,
            chat_id=telegram_id,
            language="en",
        )

    async def round_now() -> list[int]:
        async with db.transaction() as connection:
            claims = await queries.claim_reminders(
                connection,
                session_id=session.session_id,
                kind="reminder:now-1",
                max_per_person=3,
                now=clock.now(),  # the same second: the same kind
            )
        return [claim.recipient for claim in claims]

    assert sorted(await round_now()) == [7001, 7002]
    assert await round_now() == []
    async with db.read() as connection:
        counted = await fetch_all(connection, "SELECT reminders_sent FROM participants")
    assert [row[0] for row in counted] == [1, 1]
