"""`selfie-bot database copy`: SQLite to PostgreSQL and back, nothing lost, and the copy in use."""

from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.participation.outcomes import JoinOutcome, Progress, StepOutcome
from bot.participation.service import Participation
from bot.sessions.service import create_session
from bot.storage import Database, StorageError
from bot.storage import deliveries as delivery_queries
from bot.storage.copy import copy_database
from bot.storage.database import fetch_one
from bot.surveys.bank import Bank
from bot.surveys.questionnaire import OwnStatement, Translation
from tests import postgres
from tests.conftest import END, START


async def _school_in_progress(db: Database, bank: Bank, clock: FixedClock) -> Participation:
    """A session with an own statement in two languages, people mid-way and done, a claim."""
    own = OwnStatement(
        code="S1",
        area="C",
        profiles=frozenset({"teacher", "student"}),
        text="Mūsu skolā ir “ātrs” Wi-Fi; 'pēdiņas' un \\ paliek",
        help="",
        language="lv",
        translations=(Translation(language="en", text="Our Wi-Fi is fast", help=""),),
    )
    created = await create_session(
        db,
        bank=bank,
        now=clock.now(),
        school_name="Kopēšanas vidusskola",
        coordinator_id=500,
        level="upper-secondary",
        start=START,
        end=END,
        timezone="Europe/Riga",
        own=[own],
    )
    participation = Participation(db=db, clock=clock, bank=bank)
    for person in range(1, 8):
        step: StepOutcome | JoinOutcome = await participation.join(
            token=created.invites["teacher"], telegram_id=person, chat_id=person, language="lv"
        )
        answers = 3 if person < 4 else 1_000  # three stop half-way, four complete
        while isinstance(step, Progress) and answers:
            step = await participation.answer(
                telegram_id=person,
                session_id=created.session_id,
                code=step.item.code,
                value=person % 6,
            )
            answers -= 1
    async with db.transaction() as connection:
        await delivery_queries.claim(
            connection,
            session_id=created.session_id,
            kind="opening",
            recipients=[500],
            now=clock.now(),
        )
    return participation


async def test_sqlite_to_postgresql_and_back_keeps_every_row(
    tmp_path: Path, postgresql_server: postgres.TestServer, bank: Bank, clock: FixedClock
) -> None:
    source = await Database.open(tmp_path / "source.sqlite3")
    await _school_in_progress(source, bank, clock)
    with postgresql_server.fresh_database() as url:
        server = await Database.open(url)
        back = await Database.open(tmp_path / "back.sqlite3")
        try:
            there = await copy_database(source, server)
            again = await copy_database(server, back)
            assert {t.table: (t.rows, t.digest) for t in there} == {
                t.table: (t.rows, t.digest) for t in again
            }
            counts = {t.table: t.rows for t in there}
            assert counts["responses"] == 4 and counts["progress"] == 3
            assert counts["own_statement_texts"] == 1 and counts["deliveries"] == 1

            # The copy is in use at once: the half-way people resume, a newcomer joins.
            participation = Participation(db=server, clock=clock, bank=bank)
            resumed = await participation.resume(telegram_id=2)
            assert isinstance(resumed, Progress) and resumed.answered == 3
            async with server.read() as connection:
                token = await fetch_one(
                    connection, "SELECT token FROM invites WHERE profile = 'student'"
                )
            assert token is not None
            joined = await participation.join(
                token=token[0], telegram_id=99, chat_id=99, language="en"
            )
            assert isinstance(joined, Progress)
        finally:
            await back.close()
            await server.close()
    await source.close()


async def test_a_target_with_data_is_refused(tmp_path: Path, bank: Bank, clock: FixedClock) -> None:
    source = await Database.open(tmp_path / "a.sqlite3")
    target = await Database.open(tmp_path / "b.sqlite3")
    try:
        await _school_in_progress(source, bank, clock)
        await _school_in_progress(target, bank, clock)
        with pytest.raises(StorageError, match="not empty"):
            await copy_database(source, target)
    finally:
        await source.close()
        await target.close()
