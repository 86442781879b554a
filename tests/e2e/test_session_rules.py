"""The rules a coordinator relies on, through the real bot, the emulator and SQLite: the
school's limits in the chat and on the command line, numbers per school, cancelling before the
opening, being told of the opening, and a coordinator named on the command line greeted as one."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.context import BotApplication
from bot.i18n.formatting import period
from bot.scheduler.work import Scheduler
from bot.settings import load_settings
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from .helpers import TOKEN, db_rows, first_tick_done, on_both_engines, say, selfie_bot, today_in
from .test_coordinator import ADMIN, click, invite_coordinator, link_in

ANNA = 200
ZONE = "Europe/Riga"


@asynccontextmanager
async def running(
    emu: BotApiEmulator, database: Path, clock: FixedClock
) -> AsyncIterator[BotApplication]:
    settings = load_settings(
        None, bot_token=TOKEN, api_url=emu.base_url, database=database, rate_limit=False,
        admins=str(ADMIN), tick_seconds=3600,
    )  # fmt: skip
    async with polling(build_application(settings, clock=clock), poll_timeout=1) as application:
        await first_tick_done(application)
        yield application


def scheduler_of(application: BotApplication) -> Scheduler:
    return application.bot_data.scheduler


async def dates_screen(user: EmulatedUser, level: str) -> ChatMessage:
    screen = await say(user, "/newsession")
    await click(user, screen, level)
    await click(user, screen, "Next: dates")
    return screen


async def activate(user: EmulatedUser, level: str, start: date) -> ChatMessage:
    """A session set up in the chat; returns the message with its links."""
    await dates_screen(user, level)
    review = await say(user, f"{start:%d.%m.%Y} – {start + timedelta(days=13):%d.%m.%Y}")
    await click(user, review, "✅ Activate")
    assert "is set up" in review.content
    links, *_ = await user.wait_for_messages(4)
    return links


@on_both_engines
async def test_the_chat_keeps_the_school_s_rules_and_cancels_before_the_opening(
    emu: BotApiEmulator, database: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    start = today_in(ZONE) + timedelta(days=1)
    dates = period(start, start + timedelta(days=13), "en")
    admin = emu.user(ADMIN, language_code="en")
    anna = emu.user(ANNA, language_code="en")
    async with running(emu, database, clock):
        await say(admin, "/addschool Ogres tehnikums")
        await anna.open_link(await invite_coordinator(admin, "Ogres tehnikums"))
        await anna.wait_for_message()
        await activate(anna, "Vocational", start)

        # The same level at the same time: refused as the dates are typed, naming the session.
        await dates_screen(anna, "Vocational")
        moved = start + timedelta(days=5)
        refused = await say(anna, f"{moved:%d.%m.%Y} – {moved + timedelta(days=9):%d.%m.%Y}")
        assert "overlap a self-reflection of the same level" in refused.content
        assert f"#1 · Vocational (VET) · {dates}" in refused.content
        assert "discarded" in (await say(anna, "/cancel")).content

        # Other levels may run at the same time; three sessions fill the school year.
        await activate(anna, "Primary", start)
        third = await activate(anna, "Upper secondary", start)
        student_link = link_in(third).replace("\n", "")
        # Refused as the last day is picked on the calendar: too long for an alert, a message.
        calendar = await dates_screen(anna, "Lower secondary")
        await click(anna, calendar, f"{start.day}")
        await anna.click(f"{(start + timedelta(days=6)).day}", message=calendar)
        full = await anna.wait_for_message()
        assert "is full" in full.content
        for line in ("#1 · Vocational (VET)", "#2 · Primary", "#3 · Upper secondary"):
            assert f"{line} · {dates}" in full.content
        assert db_rows(database, "SELECT end_date FROM session_drafts") == [(None,)]
        await say(anna, "/cancel")

        # Numbers are the school's; a typed number is one of the coordinator's schools.
        status = await say(anna, "/status 2")
        assert "#2 · Ogres tehnikums" in status.content

        # Cancelling #3 from its card takes a confirmation; its links then lead nowhere.
        listing = await say(anna, "/sessions")
        assert "#3 · Ogres tehnikums · Upper secondary" in listing.content
        await click(anna, listing, "#3 ·")
        card = listing
        await click(anna, card, "🚫 Cancel the self-reflection")
        assert "This cannot be undone" in card.content
        await click(anna, card, "↩ Keep it")
        assert db_rows(database, "SELECT count(*) FROM sessions WHERE cancelled_at IS NULL") == [
            (3,)
        ]
        await click(anna, card, "🚫 Cancel the self-reflection")
        await click(anna, card, "✅ Yes, cancel it")
        assert "#3 is cancelled" in card.content
        assert "cancelled" in (await say(anna, "/sessions")).content
        assert "cancelled: its links do not work" in (await say(anna, "/links 3")).content
        student = emu.user(300, language_code="en")
        await student.open_link(student_link)
        assert "has been cancelled" in (await student.wait_for_message()).content
        assert db_rows(database, "SELECT count(*) FROM participants") == [(0,)]

        # Not counted any more: the fourth level finds room, and the number 4.
        await activate(anna, "Lower secondary", start)
        assert "#4 · Ogres tehnikums" in (await say(anna, "/sessions")).content


@on_both_engines
async def test_who_opens_a_link_too_early_is_told_at_the_opening_once(
    emu: BotApiEmulator, database: Path
) -> None:
    start = today_in(ZONE) + timedelta(days=2)
    code, out, err = await selfie_bot(
        emu, database, "session", "create", "--school", "Cēsu skola", "--coordinator", "900",
        "--level", "vet", "--start", start.isoformat(),
        "--end", (start + timedelta(days=9)).isoformat(), "--timezone", ZONE, "--json",
    )  # fmt: skip
    assert code == 0, err
    link = json.loads(out)["links"]["student"]
    clock = FixedClock(datetime.now(UTC))
    student = emu.user(301, language_code="lv")
    async with running(emu, database, clock) as application:
        await student.open_link(link)
        early = await student.wait_for_message()
        assert "vēl nav sācies" in early.content
        await click(student, early, "🔔 Paziņot, kad sāksies")
        assert "es tev uzrakstīšu" in early.content  # a student is addressed as one
        assert not early.buttons

        # What is kept for it is shown, and /forget removes it: that person is told nothing.
        other = emu.user(302, language_code="lv")
        await other.open_link(link)
        await click(other, await other.wait_for_message(), "🔔")
        kept = await say(other, "/privacy")
        assert "Paziņojums par pašvērtējuma sākumu: Cēsu skola" in kept.content
        await click(other, await say(other, "/forget"), "🗑 Dzēst")
        assert db_rows(database, "SELECT telegram_id FROM opening_requests") == [(301,)]

        scheduler = scheduler_of(application)
        [(opens_at,)] = db_rows(database, "SELECT opens_at FROM sessions")
        clock.set(datetime.fromtimestamp(int(str(opens_at)), UTC))
        for _ in range(2):
            await scheduler.tick()
            await scheduler.drain()
        told = await student.wait_for_message()
        assert "Pašvērtējums ir sācies, un tu vari atbildēt." in told.content
        assert "Cēsu skola" in told.content
        (button,) = told.buttons
        assert button.url is not None and button.url == link
        await student.open_link(button.url)
        welcome, statement = await student.wait_for_messages(2)
        assert "aicina tevi piedalīties" in welcome.content
        assert statement.buttons
        assert sum("ir sācies" in m.content for m in student.messages) == 1
        assert not [m for m in other.messages if "ir sācies" in m.content]


@on_both_engines
async def test_the_command_line_keeps_the_rules_and_greets_the_coordinators_it_names(
    emu: BotApiEmulator, database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    today = today_in(ZONE)

    async def create(
        school: str, coordinator: int, level: str, first: date
    ) -> tuple[int, str, str]:
        return await selfie_bot(
            emu, database, "session", "create", "--school", school,
            "--coordinator", str(coordinator), "--level", level, "--start", first.isoformat(),
            "--end", (first + timedelta(days=9)).isoformat(), "--timezone", ZONE, "--json",
        )  # fmt: skip

    # The limits, with the sessions in the way named.
    later = today + timedelta(days=3)
    for level in ("vet", "primary", "upper-secondary"):
        code, _, err = await create("Cēsu skola", 42, level, later)
        assert code == 0, err
        if level == "vet":
            code, _, err = await create("Cēsu skola", 42, "vet", later + timedelta(days=5))
            assert code == 1 and "overlap session #1" in err
    code, _, err = await create("Cēsu skola", 42, "lower-secondary", later)
    assert code == 1 and "already: #1" in err and "#3 (" in err
    second = str(db_rows(database, "SELECT id FROM sessions WHERE number = 2")[0][0])
    code, out, _ = await selfie_bot(emu, database, "session", "cancel", second, "--json")
    assert code == 0 and json.loads(out) == {
        "session_id": int(second),
        "number": 2,
        "cancelled": True,
    }
    code, _, err = await selfie_bot(emu, database, "session", "cancel", second)
    assert code == 1 and "cancelled already" in err
    code, out, err = await create("Cēsu skola", 42, "lower-secondary", later)
    assert code == 0, err
    assert json.loads(out)["number"] == 4

    # Told at once if they have started the bot; otherwise at their first /start.
    emu.user(778, language_code="lv", started=True)
    code, out, err = await create("Bauskas skola", 778, "vet", today)
    assert code == 0, err
    created = json.loads(out)
    assert (created["number"], created["coordinator"]) == (1, "told")
    assert "Jums ir sagatavots pašvērtējums #1" in emu.user(778).messages[-1].content
    code, out, err = await create("Talsu skola", 777, "vet", today)
    assert code == 0, err
    assert json.loads(out)["coordinator"] == "waiting"
    # The id is the database's (PostgreSQL's counter also moves for a refused creation).
    talsi = str(json.loads(out)["session_id"])
    code, out, _ = await selfie_bot(emu, database, "session", "status", talsi)
    assert code == 0 and f"Session {talsi} (number 1 of Talsu skola" in out
    code, _, err = await selfie_bot(emu, database, "session", "cancel", talsi)
    assert code == 1 and "has opened already" in err

    newcomer = emu.user(777, language_code="lv")
    clock = FixedClock(datetime.now(UTC))
    with caplog.at_level(logging.WARNING, logger="bot.scheduler.broadcast"):
        async with running(emu, database, clock) as application:
            await first_tick_done(application)  # the opening notices
            await scheduler_of(application).drain()
            assert f"opening of session {talsi} not delivered" in caplog.text
            await newcomer.send("/start")
            welcome, opening = await newcomer.wait_for_messages(2)
            assert "Jums ir sagatavots pašvērtējums #1" in welcome.content
            assert "Talsu skola" in welcome.content and "/links 1" in welcome.content
            assert "Pašvērtējums ir atvērts" in opening.content
            greeting = await say(newcomer, "/start")
            assert "Jūs esat SELFIE pašvērtējuma koordinators" in greeting.content
            assert "Skola: Talsu skola" in greeting.content
            assert "uzaicinājuma saiti" not in greeting.content  # not the participant's greeting
    assert db_rows(
        database,
        "SELECT kind, sent_at IS NOT NULL FROM deliveries WHERE recipient = 777 ORDER BY kind",
    ) == [("opening", True), ("welcome", True)]
