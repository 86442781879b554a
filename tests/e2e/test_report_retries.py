"""A session closes while its chart cannot be drawn, through the real bot, the emulator and an
SQLite file: the failure is recorded and logged, the coordinator is told once that the report
is delayed, /results gives every part that can be made, and once drawing works again (after a
restart of the bot) the report arrives exactly once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.reporting.drawing import Draw, Drawing, chart_png, report_pdf
from bot.scheduler.work import Scheduler
from bot.settings import Settings, load_settings
from bot.surveys.bank import Bank
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import Language
from emulator import BotApiEmulator, ChatMessage

from ..completions import complete_in
from .helpers import (
    TOKEN,
    create_session_with_cli,
    db_rows,
    on_both_engines,
)

COORDINATOR = 900  # create_session_with_cli's
SCHOOL = "Retry skola"
DELAYED = "Ziņojums kavējas"  # notice.report_delayed, in Latvian (the coordinator's language)
CHART_FAILED = "Diagrammu pašlaik neizdevās uzzīmēt"  # results.chart_failed
WILL_FOLLOW = "Ziņojums ar diagrammu jums pienāks automātiski"  # results.report_will_follow


class Flaky:
    """A drawing that fails the way a chart of a school named "Skola $x^{$ b" once did
    (matplotlib quoting the name in its error), until it is mended."""

    def __init__(self, draw: Draw = chart_png) -> None:
        self.broken = True
        self.draw = draw

    def __call__(self, results: SessionResults, /, *, bank: Bank, language: Language) -> bytes:
        if self.broken:
            raise ValueError(f"Unknown symbol in {results.session.school_name}")
        return self.draw(results, bank=bank, language=language)


@pytest.fixture
def quiet(emu: BotApiEmulator, database: Path) -> Settings:
    """The scheduler's own tick an hour apart: the test ticks when it moves the clock."""
    return load_settings(
        None,
        bot_token=TOKEN,
        api_url=emu.base_url,
        database=database,
        rate_limit=False,
        tick_seconds=3600,
    )


@asynccontextmanager
async def bot(settings: Settings, clock: FixedClock, drawing: Drawing) -> AsyncIterator[Scheduler]:
    async with polling(
        build_application(settings, clock=clock, drawing=drawing), poll_timeout=1
    ) as app:
        scheduler = app.bot_data.scheduler
        yield scheduler


def report_row(database: Path) -> tuple[object, ...]:
    (row,) = db_rows(
        database,
        "SELECT sent_at, failure, attempts, retry_at FROM deliveries WHERE kind = 'report'",
    )
    return row


def epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def photos(messages: list[ChatMessage]) -> int:
    return sum(m.photo is not None for m in messages)


@on_both_engines
async def test_a_report_that_cannot_be_drawn_is_told_offered_in_parts_and_sent_once_later(
    emu: BotApiEmulator,
    quiet: Settings,
    database: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    created = await create_session_with_cli(emu, database, school=SCHOOL)
    session_id = created["session_id"]
    await complete_in(database, session_id, {"teacher": 5})  # results to show
    coordinator = emu.user(COORDINATOR, language_code="lv")
    await coordinator.send("/start")
    clock = FixedClock(datetime.now(UTC))
    chart = Flaky()

    async with bot(quiet, clock, Drawing(chart=chart)) as scheduler:
        await coordinator.wait_for_message()  # the answer to /start
        closed_at = clock.now()
        assert await scheduler.close(session_id)
        await scheduler.drain()
        delayed = await coordinator.wait_for_text(DELAYED)
        assert f"/results {session_id}" in delayed.content
        assert SCHOOL in delayed.content

        # Recorded, with the next attempt a minute on; logged at ERROR without the text.
        assert report_row(database) == (
            None,
            "could not be made: ValueError",
            1,
            epoch(closed_at + timedelta(minutes=1)),
        )
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert [r.name for r in errors] == ["bot.scheduler.broadcast"]
        assert f"report of session {session_id} could not be made" in errors[0].getMessage()
        assert "ValueError" in errors[0].getMessage()
        assert SCHOOL not in caplog.text

        # /results meanwhile: the summary, the PDF and the summary CSV, and what is missing.
        await coordinator.send(f"/results {session_id}")
        summary, pdf, summary_csv, note = await coordinator.wait_for_messages(4, timeout=30)
        assert summary.photo is None and SCHOOL in summary.content
        assert pdf.document is not None and pdf.document.data.startswith(b"%PDF")
        assert summary_csv.document is not None
        assert (summary_csv.document.filename or "").endswith(".csv")
        assert CHART_FAILED in note.content
        assert WILL_FOLLOW in note.content
        assert f"/results {session_id}" in note.content

        # The first retry fails too: recorded and logged again, the coordinator not told again.
        clock.advance(timedelta(minutes=1))
        await scheduler.tick()
        await scheduler.drain()
        assert report_row(database)[1:] == (
            "could not be made: ValueError",
            2,
            epoch(clock.now() + timedelta(minutes=5)),
        )
        assert len([r for r in caplog.records if r.name == "bot.scheduler.broadcast"]) == 2

    # The bot restarts with drawing mended; the schedule is in the database.
    chart.broken = False
    async with bot(quiet, clock, Drawing(chart=chart)) as scheduler:
        await scheduler.tick()  # not due yet
        await scheduler.drain()
        assert photos(coordinator.messages) == 0
        clock.advance(timedelta(minutes=5))
        await scheduler.tick()
        await scheduler.drain()
        report = await coordinator.wait_for_text("ir noslēdzies")
        await emu.wait_for(lambda: photos(coordinator.messages) == 1)
        assert SCHOOL in report.content
        for _ in range(3):
            clock.advance(timedelta(hours=7))
            await scheduler.tick()
            await scheduler.drain()
        await emu.wait_until_idle()
    assert photos(coordinator.messages) == 1
    assert sum(DELAYED in m.content for m in coordinator.messages) == 1
    sent_at, failure, attempts, retry_at = report_row(database)
    assert sent_at is not None and (failure, attempts, retry_at) == (None, 2, None)


@on_both_engines
async def test_results_with_a_pdf_that_cannot_be_made_still_give_the_chart_and_the_csv_files(
    emu: BotApiEmulator, quiet: Settings, database: Path
) -> None:
    created = await create_session_with_cli(emu, database, school=SCHOOL)
    session_id = created["session_id"]
    await complete_in(database, session_id, {"teacher": 5})  # results to show
    coordinator = emu.user(COORDINATOR, language_code="en")
    await coordinator.send("/start")
    clock = FixedClock(datetime.now(UTC))
    pdf = Flaky(report_pdf)
    async with bot(quiet, clock, Drawing(pdf=pdf)) as scheduler:
        await coordinator.wait_for_message()
        assert await scheduler.close(session_id)
        await scheduler.drain()
        assert photos(coordinator.messages) == 1  # the report went out as usual
        await coordinator.send(f"/results {session_id}")
        chart, summary_csv, note = await coordinator.wait_for_messages(3, timeout=30)
        assert chart.photo is not None and SCHOOL in chart.content
        assert summary_csv.document is not None
        assert "The PDF report could not be made just now." in note.content
        assert "will follow on its own" not in note.content  # nothing is pending
        assert f"Send /results {session_id} again later" in note.content

        pdf.broken = False
        await coordinator.send(f"/results {session_id}")
        _, document, _ = await coordinator.wait_for_messages(3, timeout=30)
        assert document.document is not None and document.document.data.startswith(b"%PDF")
        await emu.wait_until_idle()
        assert not any("could not" in m.content for m in coordinator.messages[-3:])
