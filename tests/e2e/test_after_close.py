"""What a coordinator receives after the close, through the real bot, the emulator and SQLite:
words instead of an empty chart when no group can be shown, and the school's badge when every
group reached its recommended minimum."""

from __future__ import annotations

import json
import sqlite3
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.context import BotApplication
from bot.settings import load_settings
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from ..completions import complete_in
from .helpers import (
    TOKEN,
    create_session_with_cli,
    db_rows,
    first_tick_done,
    selfie_bot,
    today_in,
)

COORDINATOR = 900  # create_session_with_cli's
SCHOOL = "E2E skola"


@asynccontextmanager
async def running(
    emu: BotApiEmulator, database: Path, **settings: object
) -> AsyncIterator[BotApplication]:
    """The bot with its own tick an hour apart: the tests close the sessions themselves."""
    configured = load_settings(
        None,
        bot_token=TOKEN,
        api_url=emu.base_url,
        database=database,
        rate_limit=False,
        tick_seconds=3600,
        **settings,
    )
    clock = FixedClock(datetime.now(UTC))
    async with polling(build_application(configured, clock=clock), poll_timeout=1) as app:
        await first_tick_done(app)
        await emu.wait_until_idle()  # the opening notices are out
        yield app


async def close(app: BotApplication, session_id: int) -> None:
    scheduler = app.bot_data.scheduler
    assert await scheduler.close(session_id)
    await scheduler.drain()


async def started(emu: BotApiEmulator, user: int, language: str) -> EmulatedUser:
    person = emu.user(user, language_code=language)
    await person.send("/start")
    await person.wait_for_message()  # the greeting
    return person


def files(user: EmulatedUser) -> list[ChatMessage]:
    return [m for m in user.messages if m.photo is not None or m.document is not None]


# -- no group reaches the minimum size -----------------------------------------------------------


async def test_with_no_group_at_the_minimum_size_the_close_and_results_say_so_in_words(
    emu: BotApiEmulator, database: Path
) -> None:
    created = await create_session_with_cli(emu, database, school=SCHOOL)
    session_id = created["session_id"]
    await complete_in(database, session_id, {"teacher": 3, "student": 4})
    async with running(emu, database) as app:
        coordinator = await started(emu, COORDINATOR, "lv")
        # A student who joins and does not finish counts as joined, not as completed.
        student = emu.user(8001, language_code="en")
        await student.open_link(created["links"]["student"])
        await student.wait_for_messages(2)

        await close(app, session_id)
        told = await coordinator.wait_for_text("rezultātus parādīt nevar")
        assert f"Skola: {SCHOOL}" in told.content
        assert "Minimālais respondentu skaits grupā: 5" in told.content
        assert "Skolas vadītāji: aizpildījuši 0, pievienojušies 0" in told.content
        assert "Skolotāji: aizpildījuši 3, pievienojušies 3" in told.content
        assert "Skolēni: aizpildījuši 4, pievienojušies 5" in told.content
        assert "diagramma un ziņojums netiek sūtīti" in told.content

        await coordinator.send(f"/results {session_id}")
        again = await coordinator.wait_for_message(timeout=20)
        assert again.content == told.content
        await emu.wait_until_idle()
    assert files(coordinator) == []
    assert not [m for m in coordinator.messages if "neizdevās" in m.content]


async def test_results_with_no_group_at_the_minimum_say_so_in_the_coordinator_s_language(
    emu: BotApiEmulator, database: Path
) -> None:
    created = await create_session_with_cli(emu, database, school=SCHOOL)
    await complete_in(database, created["session_id"], {"leader": 2})
    async with running(emu, database, min_group_size=3) as app:
        coordinator = await started(emu, COORDINATOR, "en")
        await close(app, created["session_id"])
        await coordinator.wait_for_message()  # the close's own notice
        await coordinator.send(f"/results {created['session_id']}")
        told = await coordinator.wait_for_message(timeout=20)
        assert "there are no results to show" in told.content
        assert "Minimum respondents per group: 3" in told.content
        assert "School leaders: 2 completed, 2 joined" in told.content
        assert "Students: 0 completed, 0 joined" in told.content
        await emu.wait_until_idle()
    assert files(coordinator) == []


# -- the school's badge --------------------------------------------------------------------------

MINIMUMS = {"minimum_leaders": 1, "minimum_teachers": 5, "minimum_students": 2}


async def test_a_close_with_every_group_at_its_minimum_sends_the_badge_in_the_school_s_language(
    emu: BotApiEmulator, database: Path
) -> None:
    start = today_in("Europe/Riga")
    code, out, err = await selfie_bot(
        emu,
        database,
        "session",
        "create",
        "--school",
        "Ogres tehnikums",
        "--coordinator",
        str(COORDINATOR),
        "--level",
        "vet",
        "--start",
        start.isoformat(),
        "--end",
        (start + timedelta(days=13)).isoformat(),
        "--own",
        "C|teacher|Skolā darbojas robotikas pulciņš.",
        "--json",
    )
    assert code == 0, err
    session_id = json.loads(out)["session_id"]
    await complete_in(database, session_id, {"leader": 1, "teacher": 5, "student": 2})
    with sqlite3.connect(database) as connection, connection:  # as /language records it
        connection.execute("INSERT INTO user_languages VALUES (?, 'en')", (COORDINATOR,))
    async with running(emu, database, **MINIMUMS) as app:
        coordinator = await started(emu, COORDINATOR, "en")
        await close(app, session_id)
        await emu.wait_until_idle()
    chart, badge = files(coordinator)
    assert chart.photo is not None  # the report first, then the badge
    assert badge.document is not None
    # Drawn in Latvian, the language the school writes its own statements in; the caption in
    # the coordinator's English.
    assert badge.document.filename == f"selfie-ogres-tehnikums-{session_id}-{start}-zetons.png"
    data = badge.document.data
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1000, 1000)
    assert "A digital badge for taking part" in (badge.caption or "")
    assert "Ogres tehnikums" in (badge.caption or "")
    assert db_rows(
        database, "SELECT recipient, sent_at IS NOT NULL FROM deliveries WHERE kind = 'badge'"
    ) == [(COORDINATOR, 1)]


async def test_a_close_below_a_minimum_sends_the_report_and_no_badge(
    emu: BotApiEmulator, database: Path
) -> None:
    created = await create_session_with_cli(emu, database, school=SCHOOL)
    session_id = created["session_id"]
    await complete_in(
        database, session_id, {"leader": 1, "teacher": 5, "student": 1}
    )  # one student short
    async with running(emu, database, **MINIMUMS) as app:
        coordinator = await started(emu, COORDINATOR, "en")
        await close(app, session_id)
        await emu.wait_until_idle()
    (chart,) = files(coordinator)
    assert chart.photo is not None
    assert db_rows(database, "SELECT count(*) FROM deliveries WHERE kind = 'badge'") == [(0,)]
