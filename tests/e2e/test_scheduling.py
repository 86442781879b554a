"""Reminders and the close through the real bot, the emulator and SQLite."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.scheduler.plan import reminder_times
from bot.settings import Settings
from emulator import BotApiEmulator

from ..completions import complete_in
from .helpers import (
    BotProcess,
    create_session_with_cli,
    db_rows,
    midday_zone,
    on_both_engines,
    selfie_bot,
)


@on_both_engines
async def test_a_reminder_brings_the_participant_back_and_can_be_muted(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    created = await create_session_with_cli(emu, database)
    clock = FixedClock(datetime.now(UTC))
    async with polling(build_application(settings, clock=clock), poll_timeout=1) as app:
        scheduler = app.bot_data.scheduler
        student = emu.user(8001, language_code="en")
        await student.open_link(created["links"]["student"])
        _, statement = await student.wait_for_messages(2)
        await student.click("3", message=statement)
        await student.wait_for_edit(statement)

        ((opens, closes, zone),) = db_rows(
            database, "SELECT opens_at, closes_at, timezone FROM sessions"
        )
        times = reminder_times(
            datetime.fromtimestamp(cast(int, opens), UTC),
            datetime.fromtimestamp(cast(int, closes), UTC),
            str(zone),
            scheduler.policy,
        )
        clock.set(times[0])
        await scheduler.tick()
        reminder = await student.wait_for_text("not finished")
        assert "statements left" in reminder.content
        await student.click("▶", message=reminder)
        await student.wait_for_edit(reminder)
        assert "Statement 2 of" in reminder.content
        # The reminder is the live card now: the first card keeps its text, not its buttons.
        await student.wait_for_edit(statement)
        assert statement.buttons == []
        assert "Statement 2 of" in statement.content

        await scheduler.remind(created["session_id"])
        second = await student.wait_for_text("not finished")
        await student.click("🔕", message=second)
        await student.wait_for_edit(second)
        assert "no more reminders" in second.content
        assert await scheduler.remind(created["session_id"]) == 0


@on_both_engines
async def test_a_bot_started_after_the_closing_time_closes_at_once(
    emu: BotApiEmulator, database: Path
) -> None:
    created = await create_session_with_cli(emu, database)
    await complete_in(database, created["session_id"], {"teacher": 5})  # results to show
    coordinator = emu.user(900, language_code="lv")
    await coordinator.send("/start")
    db_rows(
        database,
        "UPDATE sessions SET opens_at = ?, closes_at = ? WHERE id = ?",
        int(time.time() - 7200),
        int(time.time() - 60),
        created["session_id"],
    )
    bot = BotProcess(emu, database, extra={"SELFIE_TICK_SECONDS": "0.5"})
    await bot.start()
    await emu.wait_for(lambda: any(m.photo for m in coordinator.messages), timeout=45)
    await bot.stop()
    assert db_rows(database, "SELECT status FROM sessions") == [("closed",)]


@on_both_engines
async def test_operators_remind_and_close_from_the_command_line(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    created = await create_session_with_cli(emu, database, timezone=midday_zone())
    await complete_in(database, created["session_id"], {"teacher": 5})  # results to show
    session = str(created["session_id"])
    coordinator = emu.user(900, language_code="lv")
    await coordinator.send("/start")
    async with polling(build_application(settings), poll_timeout=1):
        student = emu.user(8101, language_code="en")
        await student.open_link(created["links"]["student"])
        await student.wait_for_messages(2)
    code, out, err = await selfie_bot(emu, database, "session", "remind", session, "--json")
    assert code == 0, err
    assert json.loads(out)["messages"] >= 2  # the student's reminder and the digest
    assert any("not finished" in m.content for m in student.messages)

    code, out, err = await selfie_bot(emu, database, "session", "close", session, "--json")
    assert code == 0, err
    assert json.loads(out) == {"session_id": created["session_id"], "closed": True}
    assert len([m for m in coordinator.messages if m.photo]) == 1
    code, _, err = await selfie_bot(emu, database, "session", "close", session)
    assert code == 1
    assert "already closed" in err
    code, _, err = await selfie_bot(emu, database, "session", "remind", session)
    assert code == 0  # nothing to send after the close, and nothing sent
    assert sum("not finished" in m.content for m in student.messages) == 1
