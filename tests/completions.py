"""Completed questionnaires written straight into a session, for tests of what follows the
answers (the close, the results): each person answers every statement 4, and is an id that
no emulated user has."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.storage import Database
from bot.storage import participants as participant_queries
from bot.storage import sessions as session_queries
from bot.storage.database import fetch_one
from bot.surveys.bank import Bank, default_bank
from bot.surveys.questionnaire import assemble
from bot.surveys.vocabulary import Profile


async def complete(
    db: Database, session_id: int, groups: Mapping[Profile, int], bank: Bank | None = None
) -> None:
    """As many completed questionnaires per group as `groups` says, as completion writes them."""
    bank = bank or default_bank()
    async with db.transaction() as connection:
        session = await session_queries.session_by_id(connection, session_id=session_id)
        assert session is not None
        codes = await session_queries.session_statement_codes(connection, session_id=session_id)
        own = await session_queries.own_statements(connection, session_id=session_id)
        row = await fetch_one(
            connection, "SELECT count(*) FROM participants WHERE session_id = ?", (session_id,)
        )
        assert row is not None
        number = 9_000_000 + session_id * 10_000 + int(row[0])
        for profile, count in groups.items():
            items = assemble(bank, level=session.level, profile=profile, codes=codes, own=own)
            for _ in range(count):
                number += 1
                participant = await participant_queries.insert_participant(
                    connection,
                    session_id=session_id,
                    telegram_id=number,
                    chat_id=number,
                    profile=profile,
                    language="lv",
                    now=session.opens_at,
                )
                assert participant is not None
                await participant_queries.complete(
                    connection,
                    participant=participant,
                    answers={item.code: 4 for item in items.items},
                )


async def complete_in(database: Path, session_id: int, groups: Mapping[Profile, int]) -> None:
    """The same in a database file that a bot (in this process or another) uses too."""
    db = await Database.open(database)
    try:
        await complete(db, session_id, groups)
    finally:
        await db.close()
