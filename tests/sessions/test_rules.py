"""A school's rules for its sessions: three a school year, no overlap at one level, cancelled
sessions not counted; refused with the sessions in the way, and held under concurrency."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.sessions.period import Period
from bot.sessions.rules import SessionConflict, check_against, school_year
from bot.sessions.service import (
    CannotCancel,
    CreatedSession,
    cancel_session_in,
    create_session,
)
from bot.storage import Database
from bot.storage import sessions as session_queries
from bot.storage.database import fetch_all
from bot.storage.records import Session
from bot.surveys.bank import Bank
from bot.surveys.vocabulary import Level

ZONE = "Europe/Riga"
# Early in the school year 2026/27, so that every date below is still to come.
NOW = datetime(2026, 8, 20, 9, tzinfo=UTC)


def stored(number: int, start: date, *, level: Level = "vet", days: int = 14) -> Session:
    """A session as storage returns it, of `days` days from `start`."""
    period = Period(start, start + timedelta(days=days - 1), ZONE)
    return Session(
        id=100 + number, school_id=1, school_name="Cēsu skola", level=level,
        start_date=period.start, end_date=period.end, timezone=ZONE, opens_at=period.opens_at,
        closes_at=period.closes_at, status="active", created_by=5, closed_at=None, number=number,
    )  # fmt: skip


def period(start: date, days: int = 14) -> Period:
    return Period(start, start + timedelta(days=days - 1), ZONE)


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2026, 8, 31), 2025), (date(2026, 9, 1), 2026), (date(2027, 1, 4), 2026)],
)
def test_a_school_year_runs_from_september_to_august(day: date, year: int) -> None:
    assert school_year(day) == year


def test_a_fourth_session_in_a_school_year_is_refused_naming_the_three() -> None:
    year = [
        stored(1, date(2026, 9, 14)),
        stored(2, date(2026, 11, 2), level="primary"),
        stored(3, date(2027, 8, 2)),
    ]
    with pytest.raises(SessionConflict) as refused:
        check_against(year, level="primary", period=period(date(2027, 3, 1)), zone=ZONE)
    assert refused.value.problem == "year_full"
    assert refused.value.school_year == 2026
    assert [s.number for s in refused.value.sessions] == [1, 2, 3]
    assert "2026/27" in str(refused.value) and "#3 (2027-08-02 to 2027-08-15" in str(refused.value)
    # The next school year starts on 1 September, in the bot's time zone.
    check_against(year, level="primary", period=period(date(2027, 9, 1)), zone=ZONE)


def test_the_bot_s_time_zone_says_in_which_school_year_a_session_starts() -> None:
    year = [stored(1, date(2026, 9, 14)), stored(2, date(2026, 11, 2)), stored(3, date(2027, 2, 1))]
    # Midnight of 1 September in Tokyo is still 31 August in Riga: the full year 2026/27...
    tokyo = Period(date(2027, 9, 1), date(2027, 9, 14), "Asia/Tokyo")
    with pytest.raises(SessionConflict) as refused:
        check_against(year, level="primary", period=tokyo, zone="Europe/Riga")
    assert refused.value.school_year == 2026
    # ...and the next one where the bot keeps Tokyo time.
    check_against(year, level="primary", period=tokyo, zone="Asia/Tokyo")


def test_cancelled_sessions_do_not_count() -> None:
    cancelled = replace(stored(3, date(2027, 2, 1)), status="cancelled")
    year = [stored(1, date(2026, 9, 14)), stored(2, date(2026, 11, 2)), cancelled]
    check_against(year, level="vet", period=period(date(2027, 2, 1)), zone=ZONE)


@pytest.mark.parametrize(
    ("start", "level", "refused"),
    [
        (date(2026, 9, 20), "vet", True),  # within
        (date(2026, 9, 27), "vet", True),  # starts on the other's last day
        (date(2026, 9, 1), "vet", True),  # ends on the other's first day
        (date(2026, 9, 28), "vet", False),  # the day after
        (date(2026, 8, 31), "vet", False),  # ends the day before
        (date(2026, 10, 1), "primary", False),  # another level
    ],
)
def test_two_sessions_of_one_level_may_not_overlap(
    start: date, level: Level, refused: bool
) -> None:
    other = stored(1, date(2026, 9, 14))  # 14 to 27 September
    candidate = period(start, days=14)
    if not refused:
        check_against([other], level=level, period=candidate, zone=ZONE)
        return
    with pytest.raises(SessionConflict) as conflict:
        check_against([other], level=level, period=candidate, zone=ZONE)
    assert conflict.value.problem == "overlap"
    assert conflict.value.sessions == (other,)
    assert "session #1 (2026-09-14 to 2026-09-27, vet)" in str(conflict.value)


def test_a_session_closed_early_frees_the_rest_of_its_dates() -> None:
    early = stored(1, date(2026, 9, 14))
    closed = replace(early, status="closed", closed_at=datetime(2026, 9, 20, 10, tzinfo=UTC))
    check_against([closed], level="vet", period=period(date(2026, 9, 21)), zone=ZONE)
    with pytest.raises(SessionConflict):
        check_against([early], level="vet", period=period(date(2026, 9, 21)), zone=ZONE)


# Through the database


async def create(db: Database, bank: Bank, start: date, level: Level = "vet") -> CreatedSession:
    return await create_session(
        db,
        bank=bank,
        now=NOW,
        school_name="Cēsu skola",
        coordinator_id=500,
        level=level,
        start=start,
        end=start + timedelta(days=13),
        timezone=ZONE,
        year_zone=ZONE,
    )


async def test_a_refused_session_writes_nothing_and_a_cancelled_one_frees_its_place(
    db: Database, bank: Bank
) -> None:
    first = await create(db, bank, date(2026, 9, 14))
    with pytest.raises(SessionConflict, match="overlap session #1"):
        await create(db, bank, date(2026, 9, 20), level="vet")
    await create(db, bank, date(2026, 10, 12), level="primary")
    third = await create(db, bank, date(2027, 2, 1))
    with pytest.raises(SessionConflict, match="3 sessions in the school year 2026/27"):
        await create(db, bank, date(2027, 4, 5))
    async with db.read() as connection:
        rows = await fetch_all(connection, "SELECT id FROM sessions ORDER BY id")
    assert [row[0] for row in rows] == [1, 2, 3]

    async with db.transaction() as connection:
        session = await session_queries.session_by_id(connection, session_id=third.session_id)
        assert session is not None
        await cancel_session_in(connection, session=session, now=NOW)
    fourth = await create(db, bank, date(2027, 2, 1))  # the cancelled one's very dates
    # Numbers are the school's, and never given twice: the cancelled one keeps its 3.
    assert (first.number, third.number, fourth.number) == (1, 3, 4)


async def test_two_creations_at_once_from_two_processes_cannot_both_pass(
    database_target: str | Path, bank: Bank
) -> None:
    """Two connections to one database, as the bot and the command line (or two workers)
    hold: both ask for the same dates at the same moment; SQLite's write lock or the school's
    row lock orders them, and the second sees the first."""
    path = database_target
    first, second = await Database.open(path), await Database.open(path)
    try:
        outcomes = await asyncio.gather(
            create(first, bank, date(2026, 9, 14)),
            create(second, bank, date(2026, 9, 20)),
            return_exceptions=True,
        )
    finally:
        await first.close()
        await second.close()
    created = [o for o in outcomes if isinstance(o, CreatedSession)]
    refused = [o for o in outcomes if isinstance(o, SessionConflict)]
    assert len(created) == 1 and len(refused) == 1, outcomes
    assert refused[0].problem == "overlap"
    assert refused[0].sessions[0].id == created[0].session_id
    db = await Database.open(path)
    try:
        async with db.read() as connection:
            [(count,)] = await fetch_all(connection, "SELECT count(*) FROM sessions")
        assert count == 1
    finally:
        await db.close()


async def test_only_a_session_that_has_not_opened_can_be_cancelled(
    db: Database, bank: Bank
) -> None:
    created = await create(db, bank, date(2026, 9, 14))
    async with db.transaction() as connection:
        session = await session_queries.session_by_id(connection, session_id=created.session_id)
    assert session is not None
    opened = created.period.opens_at + timedelta(seconds=1)
    with pytest.raises(CannotCancel, match="has opened already") as refused:
        async with db.transaction() as connection:
            await cancel_session_in(connection, session=session, now=opened)
    assert refused.value.state == "open"
    async with db.transaction() as connection:
        cancelled = await cancel_session_in(connection, session=session, now=NOW)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at == NOW
    with pytest.raises(CannotCancel, match="is cancelled already"):
        async with db.transaction() as connection:
            await cancel_session_in(connection, session=cancelled, now=NOW)
    async with db.read() as connection:
        assert await session_queries.active_sessions(connection) == []
