"""A report that cannot be drawn or sent: recorded, logged, retried on its schedule with an
injected clock, told to the coordinator once, and sent once when it works again. Real SQLite,
a real Bot against the emulator."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from telegram import Bot

from bot.clock import FixedClock
from bot.handlers.notices import NoticeRenderer
from bot.participation.service import Participation
from bot.reporting.drawing import Drawing, chart_png
from bot.scheduler.broadcast import Broadcaster
from bot.scheduler.plan import ReminderPolicy
from bot.scheduler.retries import RetryPolicy
from bot.scheduler.work import Scheduler
from bot.sessions.service import CreatedSession
from bot.storage import Database
from bot.storage import schools as school_queries
from bot.storage.database import fetch_all
from bot.storage.records import from_epoch
from bot.surveys.bank import Bank
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import Language
from emulator import BotApiEmulator

from ..completions import complete
from .conftest import USERNAME

COORDINATOR = 500  # the session fixture's
OTHER = 501
# What a drawing error may carry: text typed by people, which must stay out of the logs.
TYPED = "Skola $x^{$ b"
DELAYED = "Ziņojums kavējas"  # notice.report_delayed in locales/lv/notices.toml
ABANDONED = "tā arī neizdevās"  # notice.report_abandoned


class FlakyChart:
    """A chart that cannot be drawn until `healed`; counts every attempt."""

    def __init__(self) -> None:
        self.broken = True
        self.calls = 0

    def __call__(self, results: SessionResults, /, *, bank: Bank, language: Language) -> bytes:
        self.calls += 1
        if self.broken:
            raise ValueError(f"cannot parse {TYPED}")
        return chart_png(results, bank=bank, language=language)


@pytest.fixture
def chart() -> FlakyChart:
    return FlakyChart()


@pytest.fixture
async def started(emu: BotApiEmulator, session: CreatedSession, db: Database) -> CreatedSession:
    """The session with results to show: five teachers completed."""
    await emu.user(COORDINATOR).send("/start")
    await complete(db, session.session_id, {"teacher": 5})
    return session


def make_scheduler(
    db: Database,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
    chart: FlakyChart,
    retries: RetryPolicy | None = None,
) -> Scheduler:
    return Scheduler(
        db=db,
        clock=clock,
        policy=ReminderPolicy(),
        broadcaster=Broadcaster(
            bot=bot, db=db, clock=clock, rate=1000, retries=retries or RetryPolicy()
        ),
        render=NoticeRenderer(
            db=db,
            bank=bank,
            participation=Participation(db=db, clock=clock, bank=bank),
            bot_username=USERNAME,
            drawing=Drawing(chart=chart),
        ),
    )


async def report_row(db: Database, recipient: int = COORDINATOR) -> dict[str, object]:
    async with db.read() as connection:
        rows = await fetch_all(
            connection,
            "SELECT sent_at, failure, attempts, retry_at FROM deliveries"
            " WHERE kind = 'report' AND recipient = ?",
            (recipient,),
        )
    (row,) = rows
    return dict(row)


def retry_at(row: dict[str, object]) -> datetime | None:
    value = row["retry_at"]
    return from_epoch(value) if isinstance(value, int) else None


def count(emu: BotApiEmulator, user: int, fragment: str) -> int:
    return sum(fragment in m.content for m in emu.user(user).messages)


def photos(emu: BotApiEmulator, user: int) -> int:
    return sum(m.photo is not None for m in emu.user(user).messages)


async def run(scheduler: Scheduler) -> None:
    await scheduler.tick()
    await scheduler.drain()


def test_the_backoff_is_1_5_30_minutes_2_hours_then_every_6_hours_to_a_last_attempt() -> None:
    policy = RetryPolicy()
    minute, hour = timedelta(minutes=1), timedelta(hours=1)
    delays = [policy.delay_after(failed) for failed in range(1, policy.max_attempts + 1)]
    assert delays == [minute, 5 * minute, 30 * minute, 2 * hour, *[6 * hour] * 7, None]
    # The delay notice promises "about two days" of attempts.
    total = sum((d for d in delays if d is not None), timedelta())
    assert total == timedelta(hours=44, minutes=36)
    assert RetryPolicy(max_attempts=2).next_attempt(2, datetime.now()) is None
    with pytest.raises(ValueError, match="no attempt"):
        policy.delay_after(0)


async def test_a_report_that_cannot_be_drawn_is_retried_on_schedule_until_it_is_sent(
    emu: BotApiEmulator,
    db: Database,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
    chart: FlakyChart,
    started: CreatedSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler = make_scheduler(db, clock, bank, bot, chart)
    closes = started.period.closes_at
    clock.set(closes)
    await run(scheduler)
    assert chart.calls == 1
    row = await report_row(db)
    assert row["sent_at"] is None
    assert row["failure"] == "could not be made: ValueError"
    assert row["attempts"] == 1
    assert retry_at(row) == closes + timedelta(minutes=1)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    logged = errors[0].getMessage()
    assert f"report of session {started.session_id} could not be made (attempt 1 of 12)" in logged
    assert "ValueError" in logged and "next attempt at" in logged
    assert TYPED not in logged and str(COORDINATOR) not in logged
    assert count(emu, COORDINATOR, DELAYED) == 1
    assert photos(emu, COORDINATOR) == 0

    # Each attempt comes at its time and not before; a restarted process keeps the schedule.
    due = closes
    for delay in (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30)):
        due += delay
        clock.set(due - timedelta(seconds=1))
        await run(scheduler)
        calls = chart.calls
        scheduler = make_scheduler(db, clock, bank, bot, chart)
        await scheduler.resume_unsent()  # a failed report is not "unsent": it waits its turn
        await run(scheduler)
        assert chart.calls == calls
        clock.set(due)
        await run(scheduler)
        await run(scheduler)  # a second tick at the same time takes nothing more
        assert chart.calls == calls + 1
        row = await report_row(db)
        assert row["attempts"] == calls + 1
        assert row["sent_at"] is None
    assert retry_at(row) == due + timedelta(hours=2)
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 4
    assert count(emu, COORDINATOR, DELAYED) == 1  # once for the whole episode

    chart.broken = False
    clock.set(due + timedelta(hours=2))
    await run(scheduler)
    assert photos(emu, COORDINATOR) == 1
    row = await report_row(db)
    assert row["sent_at"] is not None
    assert (row["failure"], row["retry_at"], row["attempts"]) == (None, None, 4)
    # Nothing more, however long the bot runs.
    for _ in range(3):
        clock.advance(timedelta(hours=7))
        await run(scheduler)
    assert chart.calls == 5
    assert photos(emu, COORDINATOR) == 1
    assert count(emu, COORDINATOR, DELAYED) == 1
    assert count(emu, COORDINATOR, ABANDONED) == 0


async def test_after_the_last_attempt_the_coordinator_is_told_and_nothing_more_is_tried(
    emu: BotApiEmulator,
    db: Database,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
    chart: FlakyChart,
    started: CreatedSession,
) -> None:
    scheduler = make_scheduler(db, clock, bank, bot, chart, RetryPolicy(max_attempts=3))
    clock.set(started.period.closes_at)
    await run(scheduler)
    for delay in (timedelta(minutes=1), timedelta(minutes=5)):
        clock.advance(delay)
        await run(scheduler)
    assert chart.calls == 3
    row = await report_row(db)
    assert (row["attempts"], row["retry_at"], row["sent_at"]) == (3, None, None)
    assert count(emu, COORDINATOR, DELAYED) == 1
    assert count(emu, COORDINATOR, ABANDONED) == 1
    clock.advance(timedelta(days=3))
    await run(scheduler)
    assert chart.calls == 3
    assert count(emu, COORDINATOR, ABANDONED) == 1


async def test_telegram_errors_on_the_report_are_retried_and_a_blocked_coordinator_is_not(
    emu: BotApiEmulator,
    db: Database,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
    chart: FlakyChart,
    started: CreatedSession,
) -> None:
    async with db.transaction() as connection:
        await school_queries.add_coordinator(
            connection, school_id=started.school_id, telegram_id=OTHER, now=clock.now()
        )
    await emu.user(OTHER).send("/start")
    emu.user(OTHER).block()
    chart.broken = False
    # Every try of the first attempt answers 500 (the broadcaster tries four times).
    fault = emu.inject_fault("sendPhoto", status=500, count=4, chat_id=COORDINATOR)
    scheduler = make_scheduler(db, clock, bank, bot, chart)
    closes = started.period.closes_at
    clock.set(closes)
    await run(scheduler)
    assert fault.hits == 4
    row = await report_row(db)
    assert row["failure"] == "could not be sent: NetworkError"
    assert retry_at(row) == closes + timedelta(minutes=1)
    blocked = await report_row(db, OTHER)
    assert (blocked["failure"], blocked["retry_at"], blocked["attempts"]) == ("blocked", None, 0)
    assert count(emu, COORDINATOR, DELAYED) == 1
    async with db.read() as connection:
        notices = await fetch_all(connection, "SELECT recipient, kind FROM deliveries")
    assert (OTHER, "report-delayed") not in [tuple(n) for n in notices]

    clock.advance(timedelta(minutes=1))
    await run(scheduler)
    assert photos(emu, COORDINATOR) == 1
    assert (await report_row(db))["sent_at"] is not None
    # The summary before the chart went out with the first attempt and is not repeated.
    assert count(emu, COORDINATOR, "ir noslēdzies") == 1
    assert [c for c in emu.calls("sendPhoto") if int(c["chat_id"]) == OTHER] == []
    clock.advance(timedelta(hours=7))
    await run(scheduler)
    assert photos(emu, COORDINATOR) == 1
    assert [c for c in emu.calls("sendPhoto") if int(c["chat_id"]) == OTHER] == []


async def test_the_delay_notice_is_not_sent_once_the_report_is_there(
    emu: BotApiEmulator,
    db: Database,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
    chart: FlakyChart,
    started: CreatedSession,
) -> None:
    """A delay notice that failed itself is retried too, but not after the report arrived."""
    fault = emu.inject_fault("sendMessage", status=500, count=4, chat_id=COORDINATOR)
    scheduler = make_scheduler(db, clock, bank, bot, chart)
    clock.set(started.period.closes_at)
    await run(scheduler)  # the chart fails, then the delay notice fails four times
    assert fault.hits == 4
    assert count(emu, COORDINATOR, DELAYED) == 0
    chart.broken = False
    clock.advance(timedelta(minutes=1))  # both are due: the report first, then the notice
    await run(scheduler)
    assert photos(emu, COORDINATOR) == 1
    assert count(emu, COORDINATOR, DELAYED) == 0
    async with db.read() as connection:
        rows = await fetch_all(
            connection, "SELECT failure, retry_at FROM deliveries WHERE kind = 'report-delayed'"
        )
    assert [tuple(r) for r in rows] == [("skipped", None)]


async def test_a_retry_taken_by_a_process_that_died_is_taken_again_after_its_lease(
    emu: BotApiEmulator,
    db: Database,
    clock: FixedClock,
    bank: Bank,
    bot: Bot,
    chart: FlakyChart,
    started: CreatedSession,
) -> None:
    await run(make_scheduler(db, clock, bank, bot, chart))  # opening notice only
    clock.set(started.period.closes_at)
    await run(make_scheduler(db, clock, bank, bot, chart))
    chart.broken = False
    clock.advance(timedelta(minutes=1))
    dying = make_scheduler(db, clock, bank, bot, chart)
    dying._spawn = lambda claims, **_: None  # type: ignore[method-assign]
    await dying.tick()  # takes the due retry, then dies before sending
    restarted = make_scheduler(db, clock, bank, bot, chart)
    await restarted.resume_unsent()
    await run(restarted)
    assert photos(emu, COORDINATOR) == 0  # still the dead process's, until its lease ends
    clock.advance(RetryPolicy().lease)
    await run(restarted)
    await run(restarted)
    assert photos(emu, COORDINATOR) == 1
    assert (await report_row(db))["sent_at"] is not None
