"""Reminder rounds and the close, through a real Bot against the emulator and real SQLite."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot

from bot.clock import FixedClock
from bot.coordination.badge import BadgeRule
from bot.handlers.notices import NoticeRenderer
from bot.participation.outcomes import JoinOutcome, OpeningAwaited, Progress, StepOutcome
from bot.participation.service import Participation
from bot.scheduler.broadcast import Broadcaster
from bot.scheduler.plan import ReminderPolicy, reminder_times
from bot.scheduler.work import Scheduler
from bot.sessions.service import CreatedSession, cancel_session_in, create_session
from bot.storage import Database
from bot.storage import schools as school_queries
from bot.storage import sessions as session_queries
from bot.storage.database import fetch_all
from bot.surveys.bank import Bank
from bot.surveys.vocabulary import Profile
from emulator import BotApiEmulator

from ..completions import complete
from .conftest import USERNAME

COORDINATORS = (500, 501)


@pytest.fixture
def participation(db: Database, clock: FixedClock, bank: Bank) -> Participation:
    return Participation(db=db, clock=clock, bank=bank)


def make_scheduler(
    db: Database,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
    participation: Participation,
    badge: BadgeRule | None = None,
) -> Scheduler:
    return Scheduler(
        db=db,
        clock=clock,
        policy=ReminderPolicy(),
        badge=badge,
        broadcaster=Broadcaster(bot=bot, db=db, clock=clock, rate=1000),
        render=NoticeRenderer(
            db=db,
            bank=bank,
            participation=participation,
            bot_username=USERNAME,
            student_minimum=7,  # the configured one, whatever it is, is what teachers read
        ),
    )


@pytest.fixture
async def scheduler(
    db: Database,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
    participation: Participation,
    session: CreatedSession,
    emu: BotApiEmulator,
) -> AsyncIterator[Scheduler]:
    async with db.transaction() as connection:
        await school_queries.add_coordinator(
            connection, school_id=session.school_id, telegram_id=COORDINATORS[1], now=clock.now()
        )
    for coordinator in COORDINATORS:
        await emu.user(coordinator).send("/start")
    scheduler = make_scheduler(db, clock, bank, bot, participation)
    yield scheduler
    await scheduler.stop()  # no broadcast may outlive the database it settles into


async def join(
    emu: BotApiEmulator,
    participation: Participation,
    session: CreatedSession,
    user: int,
    profile: Profile = "student",
    answers: int = 1,
    started: bool = True,
) -> None:
    if started:  # Telegram answers "chat not found" to a chat that never wrote to the bot
        await emu.user(user).send("/start")
    outcome: JoinOutcome | StepOutcome = await participation.join(
        token=session.invites[profile],
        telegram_id=user,
        chat_id=user,
        language="en",
    )
    for _ in range(answers):
        assert isinstance(outcome, Progress)
        outcome = await participation.answer(
            telegram_id=user, session_id=outcome.session.id, code=outcome.item.code, value=3
        )


def texts_to(emu: BotApiEmulator, user: int) -> list[str]:
    return [m.content for m in emu.user(user).messages]


def round_times(session: CreatedSession) -> list[datetime]:
    period = session.period
    return reminder_times(period.opens_at, period.closes_at, period.timezone, ReminderPolicy())


async def test_a_round_reaches_exactly_the_unfinished_and_unmuted(
    emu: BotApiEmulator,
    scheduler: Scheduler,
    participation: Participation,
    session: CreatedSession,
    clock: FixedClock,
    bank: Bank,
) -> None:
    await join(emu, participation, session, 11)  # unfinished
    await join(emu, participation, session, 12)
    await participation.set_muted(telegram_id=12, session_id=session.session_id, muted=True)
    total = len(bank.core("upper-secondary", "student"))
    await join(emu, participation, session, 13, answers=total)  # completed
    await join(emu, participation, session, 14, profile="teacher", answers=0)

    clock.set(round_times(session)[0])
    await scheduler.tick()
    await scheduler.tick()  # a second tick in the same round sends nothing more
    await scheduler.drain()

    assert any("not finished" in t for t in texts_to(emu, 11))
    assert not any("not finished" in t for t in texts_to(emu, 12))
    assert not any("not finished" in t for t in texts_to(emu, 13))
    teacher = texts_to(emu, 14)
    assert sum("not finished" in t for t in teacher) == 1
    assert sum("share the student link" in t for t in teacher) == 1
    assert f"https://t.me/{USERNAME}?start=" + session.invites["student"] in teacher[-1]
    assert "the recommended minimum: 7." in teacher[-1]
    for coordinator in COORDINATORS:  # coordinators get Latvian unless they chose otherwise
        digests = [t for t in texts_to(emu, coordinator) if "atgādinājumi tikko izsūtīti" in t]
        assert len(digests) == 1
        assert "Skolēni: aizpildījuši 1, pievienojušies 3" in digests[0]
    # The opening notice went out once too.
    assert sum("ir atvērts" in t for t in texts_to(emu, COORDINATORS[0])) == 1


async def test_no_reminder_at_night_after_the_close_or_beyond_the_maximum(
    emu: BotApiEmulator,
    scheduler: Scheduler,
    participation: Participation,
    session: CreatedSession,
    clock: FixedClock,
    db: Database,
) -> None:
    await join(emu, participation, session, 21)
    first = round_times(session)[0]
    clock.set(first.replace(hour=22))  # 00:xx in Riga
    await scheduler.tick()
    assert await scheduler.remind(session.session_id) == 0  # not even when asked, at night
    await scheduler.drain()
    assert not any("not finished" in t for t in texts_to(emu, 21))
    clock.set(first)
    for _ in range(5):
        await scheduler.remind(session.session_id)
        clock.advance(timedelta(seconds=1))
    await scheduler.drain()
    assert sum("not finished" in t for t in texts_to(emu, 21)) == 3  # the maximum
    clock.set(session.period.closes_at)
    await scheduler.tick()
    clock.advance(timedelta(minutes=1))
    assert await scheduler.remind(session.session_id) == 0
    await scheduler.drain()
    assert sum("not finished" in t for t in texts_to(emu, 21)) == 3
    async with db.read() as connection:
        rows = await fetch_all(connection, "SELECT reminders_sent FROM participants")
    assert [row[0] for row in rows] == [3]


async def test_a_blocked_participant_is_marked_unreachable_and_skipped(
    emu: BotApiEmulator,
    scheduler: Scheduler,
    participation: Participation,
    session: CreatedSession,
    clock: FixedClock,
    db: Database,
) -> None:
    await join(emu, participation, session, 31)
    await join(emu, participation, session, 32)
    await join(emu, participation, session, 33, started=False)
    emu.user(32).block()
    clock.set(round_times(session)[0])
    await scheduler.tick()
    await scheduler.drain()
    async with db.read() as connection:
        rows = await fetch_all(
            connection, "SELECT chat_id, unreachable FROM participants ORDER BY chat_id"
        )
        failures = await fetch_all(
            connection,
            "SELECT recipient, failure FROM deliveries WHERE kind LIKE 'reminder:%'"
            " ORDER BY recipient",
        )
    assert [tuple(row) for row in rows] == [(31, 0), (32, 1), (33, 1)]
    assert [tuple(row) for row in failures] == [(31, None), (32, "blocked"), (33, "no chat")]
    emu.reset_log()
    clock.set(round_times(session)[1])
    await scheduler.tick()
    await scheduler.drain()
    assert [
        call["chat_id"] for call in emu.calls("sendMessage") if int(call["chat_id"]) == 32
    ] == []


async def test_the_close_sends_one_chart_per_coordinator_even_if_one_blocked(
    emu: BotApiEmulator,
    scheduler: Scheduler,
    participation: Participation,
    session: CreatedSession,
    clock: FixedClock,
    db: Database,
    bank: Bank,
    bot: Bot,
) -> None:
    await complete(db, session.session_id, {"teacher": 5})  # results to show
    emu.user(COORDINATORS[0]).block()
    clock.set(session.period.closes_at)
    await scheduler.tick()
    await scheduler.tick()
    await scheduler.drain()
    # A restarted process finds nothing left to send.
    again = make_scheduler(db, clock, bank, bot, participation)
    await again.resume_unsent()
    await again.tick()
    await again.drain()
    photos = [m for m in emu.user(COORDINATORS[1]).messages if m.photo]
    assert len(photos) == 1
    assert (photos[0].photo or b"").startswith(b"\x89PNG\r\n\x1a\n")
    async with db.read() as connection:
        status = await fetch_all(connection, "SELECT status FROM sessions")
    assert status[0][0] == "closed"
    outcome = await participation.join(
        token=session.invites["teacher"], telegram_id=99, chat_id=99, language="en"
    )
    assert type(outcome).__name__ == "SessionClosed"


async def test_an_unsettled_report_is_sent_once_after_a_crash(
    emu: BotApiEmulator,
    scheduler: Scheduler,
    participation: Participation,
    session: CreatedSession,
    clock: FixedClock,
    db: Database,
    bank: Bank,
    bot: Bot,
) -> None:
    await complete(db, session.session_id, {"teacher": 5})  # results to show
    clock.set(session.period.closes_at)
    # The process closes the session and dies before sending anything.
    await scheduler.stop()
    scheduler._spawn = lambda claims, **_: None  # type: ignore[method-assign]
    assert await scheduler.close(session.session_id)
    restarted = make_scheduler(db, clock, bank, bot, participation)
    await restarted.resume_unsent()
    await restarted.tick()
    await restarted.drain()
    for coordinator in COORDINATORS:
        assert len([m for m in emu.user(coordinator).messages if m.photo]) == 1


async def test_the_close_ends_unfinished_questionnaires_and_retention_removes_the_people(
    emu: BotApiEmulator,
    scheduler: Scheduler,
    participation: Participation,
    session: CreatedSession,
    clock: FixedClock,
    db: Database,
) -> None:
    """At the close the unfinished answers go; what was kept for reminders stays until the
    retention period after the close has passed, and not a day less."""
    for person in (7001, 7002):
        step = await participation.join(
            token=session.invites["teacher"], telegram_id=person, chat_id=person, language="en"
        )
        assert isinstance(step, Progress)
        await participation.answer(
            telegram_id=person, session_id=step.session.id, code=step.item.code, value=4
        )
    await participation.set_language(telegram_id=7001, language="lv")

    async def count(sql: str) -> int:
        async with db.read() as connection:
            return int((await fetch_all(connection, sql))[0][0])

    clock.set(session.period.closes_at)
    await scheduler.tick()
    await scheduler.drain()
    assert await count("SELECT count(*) FROM progress") == 0
    assert await count("SELECT count(*) FROM participants") == 2
    assert await count("SELECT count(*) FROM deliveries") > 0

    clock.set(session.period.closes_at + scheduler.retention - timedelta(minutes=1))
    await scheduler.tick()
    assert await count("SELECT count(*) FROM participants") == 2
    clock.set(session.period.closes_at + scheduler.retention + timedelta(minutes=1))
    await scheduler.tick()
    assert await count("SELECT count(*) FROM participants") == 0
    assert await count("SELECT count(*) FROM deliveries") == 0
    assert await count("SELECT count(*) FROM user_languages") == 0
    assert await count("SELECT count(*) FROM coordinators") == len(COORDINATORS)


async def later_session(db: Database, bank: Bank, clock: FixedClock, school: str) -> CreatedSession:
    """A session of another school that opens in a week; its coordinator is 600."""
    start = session_start(clock) + timedelta(days=7)
    return await create_session(
        db,
        bank=bank,
        now=clock.now(),
        school_name=school,
        coordinator_id=600,
        level="vet",
        start=start,
        end=start + timedelta(days=13),
        timezone="Europe/Riga",
    )


def session_start(clock: FixedClock) -> date:
    return clock.now().astimezone(ZoneInfo("Europe/Riga")).date()


async def test_who_asked_before_the_start_is_told_once_at_the_opening_unless_cancelled(
    emu: BotApiEmulator,
    scheduler: Scheduler,
    participation: Participation,
    clock: FixedClock,
    db: Database,
    bank: Bank,
) -> None:
    later = await later_session(db, bank, clock, "Cēsu skola")
    cancelled = await later_session(db, bank, clock, "Talsu skola")
    for person, created in ((41, later), (42, later), (43, cancelled)):
        await emu.user(person).send("/start")
        token = created.invites["student" if person == 41 else "teacher"]
        for _ in range(2):  # asking twice is asking once
            awaited = await participation.await_opening(
                token=token, telegram_id=person, chat_id=person, language="en"
            )
            assert isinstance(awaited, OpeningAwaited)
    async with db.transaction() as connection:
        session = await session_queries.session_by_id(connection, session_id=cancelled.session_id)
        assert session is not None
        await cancel_session_in(connection, session=session, now=clock.now())

    await scheduler.tick()  # before the opening: nothing
    await scheduler.drain()
    assert not [t for p in (41, 42, 43) for t in texts_to(emu, p) if "has opened" in t]

    clock.set(later.period.opens_at)
    for _ in range(3):
        await scheduler.tick()
        await scheduler.drain()
    student, teacher = emu.user(41).messages[-1], emu.user(42).messages[-1]
    assert texts_to(emu, 41).count(student.content) == 1
    assert "The self-reflection has opened: you can answer now." in student.content
    assert "Cēsu skola" in student.content
    (button,) = student.buttons
    assert button.url == f"https://t.me/{USERNAME}?start={later.invites['student']}"
    assert teacher.buttons[0].url == f"https://t.me/{USERNAME}?start={later.invites['teacher']}"
    assert not [t for t in texts_to(emu, 43) if "has opened" in t]
    # The link in the message joins the session now open.
    joined = await participation.join(
        token=later.invites["student"], telegram_id=41, chat_id=41, language="en"
    )
    assert isinstance(joined, Progress)
    # Nothing of the cancelled session, to anyone: not its coordinator's opening notice either.
    clock.set(cancelled.period.opens_at + timedelta(hours=10))
    await scheduler.tick()
    await scheduler.drain()
    async with db.read() as connection:
        rows = await fetch_all(
            connection,
            "SELECT count(*) FROM deliveries WHERE session_id = ?",
            (cancelled.session_id,),
        )
    assert rows[0][0] == 0


async def test_what_missed_a_coordinator_who_had_not_started_the_bot_waits_for_their_start(
    emu: BotApiEmulator,
    scheduler: Scheduler,
    participation: Participation,
    clock: FixedClock,
    db: Database,
    bank: Bank,
    caplog: pytest.LogCaptureFixture,
) -> None:
    later = await later_session(db, bank, clock, "Cēsu skola")  # coordinator 600, never started
    clock.set(later.period.opens_at)
    with caplog.at_level(logging.WARNING, logger="bot.scheduler.broadcast"):
        await scheduler.tick()
        await scheduler.drain()
    assert f"opening of session {later.session_id} not delivered" in caplog.text
    assert "never started the bot" in caplog.text
    assert "600" not in caplog.text  # whom, the log does not say

    await emu.user(600).send("/start")
    first, second = await asyncio.gather(  # two updates at once: one sends it
        scheduler.deliver_unreached(600), scheduler.deliver_unreached(600)
    )
    assert [c.kind for c in first + second] == ["opening"]
    assert await scheduler.deliver_unreached(600) == []
    assert sum("ir atvērts" in t for t in texts_to(emu, 600)) == 1
    async with db.read() as connection:
        rows = await fetch_all(
            connection,
            "SELECT kind, sent_at IS NOT NULL, failure FROM deliveries WHERE recipient = 600",
        )
    assert [tuple(row) for row in rows] == [("opening", 1, None)]


MINIMUMS: dict[Profile, int] = {"leader": 2, "teacher": 10, "student": 30}


async def test_a_close_at_the_recommended_minimums_sends_each_coordinator_the_badge_once(
    emu: BotApiEmulator,
    scheduler: Scheduler,
    participation: Participation,
    session: CreatedSession,
    clock: FixedClock,
    db: Database,
    bank: Bank,
    bot: Bot,
) -> None:
    await complete(db, session.session_id, MINIMUMS)
    await participation.set_language(telegram_id=COORDINATORS[1], language="en")
    rule = BadgeRule(minimums=MINIMUMS)
    clock.set(session.period.closes_at)
    # The process closes the session and dies before sending anything.
    dying = make_scheduler(db, clock, bank, bot, participation, rule)
    dying._spawn = lambda claims, **_: None  # type: ignore[method-assign]
    assert await dying.close(session.session_id)
    for _ in range(2):  # restarted, and restarted once more: nothing is left to send
        restarted = make_scheduler(db, clock, bank, bot, participation, rule)
        await restarted.resume_unsent()
        await restarted.tick()
        await restarted.drain()
    # Without own statements the school has no language: each coordinator's own.
    for coordinator, what in zip(COORDINATORS, ("zetons", "badge"), strict=True):
        messages = emu.user(coordinator).messages
        assert len([m for m in messages if m.photo]) == 1  # the chart
        (badge,) = [m.document for m in messages if m.document]
        assert badge.data.startswith(b"\x89PNG")
        name = f"selfie-rigas-1-vidusskola-1-2026-11-23-{what}.png"  # the school's number 1
        assert badge.filename == name


async def test_a_close_below_one_recommended_minimum_claims_no_badge(
    emu: BotApiEmulator,
    participation: Participation,
    session: CreatedSession,
    clock: FixedClock,
    db: Database,
    bank: Bank,
    bot: Bot,
) -> None:
    await complete(db, session.session_id, MINIMUMS | {"student": MINIMUMS["student"] - 1})
    await emu.user(COORDINATORS[0]).send("/start")
    closing = make_scheduler(db, clock, bank, bot, participation, BadgeRule(MINIMUMS))
    clock.set(session.period.closes_at)
    assert await closing.close(session.session_id)
    await closing.drain()
    async with db.read() as connection:
        kinds = await fetch_all(connection, "SELECT DISTINCT kind FROM deliveries")
    assert sorted(row["kind"] for row in kinds) == ["report"]
    sent = [m for m in emu.user(COORDINATORS[0]).messages if m.photo or m.document]
    assert [m.photo is not None for m in sent] == [True]
