"""Telegram faults against the real bot: 429s, 5xx, timeouts, a stalled getUpdates and 403s.

Each scenario runs the real Application over HTTP against the emulator with the production
settings (the AIORateLimiter on), injects a fault, and then checks three things: the bot
still answers a fresh /start, every answer the participant gave is in the database exactly
once, and the statement the participant now sees is the first one they have not answered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.i18n import texts
from bot.sessions.service import CreatedSession, create_session
from bot.settings import Settings, load_settings
from bot.storage import Database
from bot.surveys.bank import default_bank
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from .helpers import (
    TOKEN,
    db_rows,
    midday_zone,
    on_both_engines,
    progress_of,
    selfie_bot,
    today_in,
)

COORDINATOR = 900
PROGRESS = re.compile(r"Statement (\d+) of (\d+)")
ERROR_ALERT = "Something went wrong"  # alert.error in locale/en.toml
# PTB's default read timeout is 5 s and the bot does not change it (bot/app.py); getUpdates
# waits the long-poll timeout on top. The delays below are just past those limits.
READ_TIMEOUT = 5.0
POLL_TIMEOUT = 1


@pytest.fixture
def production(emu: BotApiEmulator, database: Path) -> Settings:
    """The settings of a real deployment: 429s are retried by PTB's AIORateLimiter."""
    return load_settings(
        None, bot_token=TOKEN, api_url=emu.base_url, database=database, rate_limit=True
    )


@dataclass
class Participant:
    """An emulated participant, the message showing their statement, and what they chose."""

    user: EmulatedUser
    statement: ChatMessage
    given: dict[str, int] = field(default_factory=dict)

    def button_for(self, label: str) -> tuple[str, int]:
        """The (code, value) that the answer button `label` stands for."""
        data = self.statement.button(label).callback_data
        assert data is not None and data.startswith("a:"), data
        _, _, code, value = data.split(":")
        return code, int(value)

    async def press(self, label: str) -> tuple[str, int]:
        """Press an answer button without waiting for the bot; note what was chosen."""
        code, value = self.button_for(label)
        await self.user.click(label, message=self.statement)
        self.given[code] = value
        return code, value

    async def answer(self, label: str, wait: float = 5.0) -> None:
        """Press an answer button and wait until the statement moves on."""
        await self.press(label)
        await self.user.wait_for_edit(self.statement, timeout=wait)


def position(message: ChatMessage) -> int:
    found = PROGRESS.search(message.content)
    assert found is not None, f"not a statement: {message.content!r}"
    return int(found[1])


async def new_session(database: Path, timezone: str = "Europe/Riga") -> CreatedSession:
    db = await Database.open(database)
    try:
        today = today_in(timezone)
        return await create_session(
            db,
            bank=default_bank(),
            now=datetime.now(UTC),
            school_name="Fault school",
            coordinator_id=COORDINATOR,
            level="upper-secondary",
            start=today,
            end=today + timedelta(days=13),
            timezone=timezone,
        )
    finally:
        await db.close()


async def join(emu: BotApiEmulator, user_id: int, payload: str) -> Participant:
    user = emu.user(user_id, language_code="en")
    await user.start(payload)
    welcome, statement = await user.wait_for_messages(2)
    assert "invites you" in welcome.content
    assert position(statement) == 1
    return Participant(user, statement)


def stored_answers(database: Path, telegram_id: int) -> list[tuple[str, int]]:
    """The answers of this person's unfinished questionnaire, by code."""
    found = progress_of(database, telegram_id)
    return sorted(found[1].items()) if found else []


def unreachable(database: Path, telegram_id: int) -> bool:
    ((flag,),) = db_rows(
        database, "SELECT unreachable FROM participants WHERE telegram_id = ?", telegram_id
    )
    return bool(flag)


async def assert_consistent(database: Path, participant: Participant) -> None:
    """The bot answers a fresh /start with the first unanswered statement, and the database
    holds exactly the answers the participant gave: nothing lost, nothing extra."""
    user = participant.user
    await user.send("/start")
    shown = await user.wait_for_message()
    assert position(shown) == len(participant.given) + 1
    code = shown.button("1").callback_data
    assert code is not None and code.split(":")[2] not in participant.given
    assert stored_answers(database, user.id) == sorted(participant.given.items())
    assert not [a for a in user.answers if ERROR_ALERT in (a.text or "")]
    participant.statement = shown


@on_both_engines
async def test_429_on_the_participant_path_is_retried_after_retry_after(
    emu: BotApiEmulator, production: Settings, database: Path
) -> None:
    """A 429 on sendMessage, answerCallbackQuery or editMessageText is waited out and retried
    by the rate limiter: the participant sees the next statement and the answer is kept once."""
    session = await new_session(database)
    async with polling(build_application(production), poll_timeout=POLL_TIMEOUT):
        user_id = 101
        welcome_fault = emu.inject_fault("sendMessage", status=429, retry_after=1, chat_id=user_id)
        student = await join(emu, user_id, session.invites["student"])
        assert welcome_fault.hits == 1

        query_fault = emu.inject_fault("answerCallbackQuery", status=429, retry_after=1)
        await student.answer("4")
        assert position(student.statement) == 2
        await emu.wait_for(lambda: query_fault.hits == 1)  # the press is answered after the edit

        edit_fault = emu.inject_fault("editMessageText", status=429, retry_after=1, chat_id=user_id)
        await student.answer("2")
        assert edit_fault.hits == 1
        assert position(student.statement) == 3
        await emu.wait_until_idle()

        # The 429s really reached the bot, and each press was answered once, without an alert.
        assert [e.method for e in emu.errors if e.status == 429] == [
            "sendMessage",
            "answerCallbackQuery",
            "editMessageText",
        ]
        assert [(a.text, a.show_alert) for a in student.user.answers] == [(None, False)] * 2
        assert len(student.user.messages) == 2  # the welcome and the statement, not repeated
        await assert_consistent(database, student)


@on_both_engines
async def test_a_5xx_on_the_edit_loses_nothing_and_a_stale_press_leads_back(
    emu: BotApiEmulator, production: Settings, database: Path
) -> None:
    """A 500 or 502 on the edit after an answer keeps the answer (once); pressing the stale
    button again, or writing, brings the participant to the current statement."""
    session = await new_session(database)
    async with polling(build_application(production), poll_timeout=POLL_TIMEOUT):
        student = await join(emu, 201, session.invites["student"])
        first = student.statement.text

        fault = emu.inject_fault("editMessageText", status=500, chat_id=student.user.id)
        await student.press("5")
        await emu.wait_for(lambda: fault.hits == 1)
        await emu.wait_until_idle()
        assert student.statement.text == first  # the edit failed: still statement 1 on screen
        assert len(stored_answers(database, student.user.id)) == 1

        # The same (now stale) keyboard pressed again records nothing and shows statement 2.
        code, _ = student.button_for("3")
        await student.user.click("3", message=student.statement)
        assert "out of date" in ((await student.user.wait_for_answer()).text or "")
        await student.user.wait_for_edit(student.statement)
        assert position(student.statement) == 2
        assert dict(stored_answers(database, student.user.id))[code] == 5

        fault = emu.inject_fault("editMessageText", status=502, chat_id=student.user.id)
        await student.press("2")
        await emu.wait_for(lambda: fault.hits == 1)
        await emu.wait_until_idle()
        assert position(student.statement) == 2
        await student.user.send("where was I?")
        resumed = await student.user.wait_for_message()
        assert position(resumed) == 3
        student.statement = resumed
        await student.answer("1")
        assert position(student.statement) == 4

        assert [e.status for e in emu.errors if e.method == "editMessageText"] == [500, 502]
        # welcome, statement, the statement resumed after "where was I?": nothing doubled
        assert len(student.user.messages) == 3
        await assert_consistent(database, student)


@on_both_engines
async def test_a_5xx_on_answering_the_press_still_shows_the_next_statement(
    emu: BotApiEmulator, production: Settings, database: Path
) -> None:
    """Stopping the button's spinner is cosmetic: when Telegram fails it, the answer is kept
    and the next statement is shown all the same, with no error alert."""
    session = await new_session(database)
    async with polling(build_application(production), poll_timeout=POLL_TIMEOUT):
        teacher = await join(emu, 202, session.invites["teacher"])
        fault = emu.inject_fault("answerCallbackQuery", status=502)
        await teacher.answer("4")
        assert position(teacher.statement) == 2
        await emu.wait_for(lambda: fault.hits == 1)
        await emu.wait_until_idle()
        assert teacher.user.answers == []  # the one answer failed; no error alert followed
        await assert_consistent(database, teacher)


@on_both_engines
async def test_a_failed_command_and_a_failed_press_get_one_apology_in_the_chosen_language(
    emu: BotApiEmulator, settings: Settings
) -> None:
    """A handler that fails is answered with the same short apology whether the person sent
    a command (a reply) or pressed a button (an alert), in the language they chose: here
    Latvian, though their Telegram is set to English."""
    apology = texts()("lv", "alert.error")
    async with polling(build_application(settings), poll_timeout=POLL_TIMEOUT):
        user = emu.user(303, language_code="en")
        await user.send("/language")
        offer = await user.wait_for_message()
        await user.click("Latviešu", message=offer)
        await user.wait_for_edit(offer)

        refused_reply = emu.inject_fault("sendMessage", status=400, description="Bad Request: no")
        await user.send("/help")
        reply = await user.wait_for_message()
        await emu.wait_until_idle()
        assert refused_reply.hits == 1
        assert reply.text == apology
        assert user.last_message == reply  # the apology, once, and nothing after it

        await user.send("/language")
        offer = await user.wait_for_message()
        refused_answer = emu.inject_fault(
            "answerCallbackQuery", status=400, description="Bad Request: no"
        )
        await user.click("Latviešu", message=offer)
        alert = await user.wait_for_answer()
        await emu.wait_until_idle()
    assert refused_answer.hits == 1
    assert alert.text == apology and alert.show_alert
    assert user.last_message == offer  # the press failed before the chat changed


@on_both_engines
async def test_timeouts_on_an_edit_a_reply_and_a_reminder_lose_and_double_nothing(
    emu: BotApiEmulator,
    production: Settings,
    database: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A Telegram slower than the bot's read timeout, at once on editMessageText for one
    participant, on the reply to another and on a third one's reminder: every call times out
    in the bot, which does not crash; Telegram still carries them out, the answer is stored
    once, and neither the reply nor the reminder is sent twice."""
    session = await new_session(database, timezone=midday_zone())
    async with polling(build_application(production), poll_timeout=POLL_TIMEOUT) as app:
        scheduler = app.bot_data.scheduler
        editing = await join(emu, 301, session.invites["teacher"])
        sending = await join(emu, 302, session.invites["teacher"])
        reminded = await join(emu, 303, session.invites["student"])
        await editing.answer("3")
        db_rows(  # the round is for the third one only
            database, "UPDATE participants SET reminders_muted = 1 WHERE telegram_id IN (301, 302)"
        )
        delay = READ_TIMEOUT + 0.5
        faults = [
            emu.inject_fault("editMessageText", delay=delay, chat_id=editing.user.id),
            emu.inject_fault("sendMessage", delay=delay, chat_id=sending.user.id),
            emu.inject_fault("sendMessage", delay=delay, chat_id=reminded.user.id),
        ]

        # The three calls hang at the same time; each lands in the end, after the bot gave up.
        await editing.press("4")
        await sending.user.send("hello?")
        assert await scheduler.remind(session.session_id) == 2  # the student, the coordinator
        await editing.user.wait_for_edit(editing.statement, timeout=delay + 5)
        resumed = await sending.user.wait_for_message(timeout=delay + 5)
        await reminded.user.wait_for_text("not finished", timeout=delay + 5)
        await scheduler.drain()
        assert [fault.hits for fault in faults] == [1, 1, 1]
        await emu.wait_until_idle()

        logged = [(r.name, r.getMessage()) for r in caplog.records]
        assert [m for name, m in logged if name == "bot.handlers.errors"] == [
            "network trouble talking to Telegram: Timed out"
        ] * 2
        assert position(editing.statement) == 3
        assert position(resumed) == 1
        sending.statement = resumed
        await sending.answer("5")
        await editing.answer("N/A")
        assert len(sending.user.messages) == 3  # welcome, statement, the one resumed: once
        reminders = [m for m in reminded.user.messages if "not finished" in m.content]
        assert len(reminders) == 1
        assert db_rows(
            database, "SELECT failure FROM deliveries WHERE recipient = ?", reminded.user.id
        ) == [("timed out",)]
        for participant in (editing, sending, reminded):
            await assert_consistent(database, participant)


@on_both_engines
async def test_polling_recovers_from_getupdates_errors_and_a_stall(
    emu: BotApiEmulator,
    production: Settings,
    database: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """getUpdates failing with 500 and 502, and then hanging past its read timeout: polling
    goes on, and the answers pressed meanwhile are handled, once each."""
    caplog.set_level(logging.DEBUG, logger="telegram.ext")
    session = await new_session(database)
    async with polling(build_application(production), poll_timeout=POLL_TIMEOUT):
        student = await join(emu, 401, session.invites["student"])

        server_error = emu.inject_fault("getUpdates", status=500)
        gateway_error = emu.inject_fault("getUpdates", status=502)
        await emu.wait_for(lambda: server_error.hits == 1)
        await student.press("4")  # while the poller backs off
        await student.user.wait_for_edit(student.statement, timeout=10)
        assert gateway_error.hits == 1
        assert position(student.statement) == 2

        hang = POLL_TIMEOUT + READ_TIMEOUT + 0.5
        stall = emu.inject_fault("getUpdates", delay=hang)
        await emu.wait_for(lambda: stall.hits == 1)
        hung_at = time.monotonic()
        await student.press("2")  # while getUpdates hangs
        await student.user.wait_for_edit(student.statement, timeout=15)
        assert position(student.statement) == 3
        # The stalled call timed out in the bot (it did not just come back late).
        assert any("Timed out" in r.getMessage() for r in caplog.records)

        # The abandoned call comes back to life at the end of its delay and starts a poll of
        # its own, which ends the bot's poll under way (409), as Telegram would. Nothing tells
        # when that is over, so wait it out; then polling must still carry on.
        await asyncio.sleep(max(0.0, hung_at + hang + POLL_TIMEOUT - time.monotonic()))
        await student.answer("N/A", wait=10)
        assert position(student.statement) == 4
        await assert_consistent(database, student)


@on_both_engines
async def test_blocked_participants_are_skipped_and_broadcast_faults_are_waited_out(
    emu: BotApiEmulator, production: Settings, database: Path
) -> None:
    """One participant blocks the bot mid-questionnaire, a reminder to another answers 403,
    others get a 429 and a 502: everybody else gets exactly one reminder, the two unreachable
    ones are marked so and not tried again, and no answer is lost."""
    session = await new_session(database, timezone=midday_zone())
    coordinator = emu.user(COORDINATOR, language_code="en")
    await coordinator.send("/start")
    clock = FixedClock(datetime.now(UTC))
    async with polling(
        build_application(production, clock=clock), poll_timeout=POLL_TIMEOUT
    ) as app:
        scheduler = app.bot_data.scheduler
        waiting, blocking, refused, flooded = [
            await join(emu, user_id, session.invites["student"]) for user_id in (501, 502, 503, 504)
        ]
        everyone = (waiting, blocking, refused, flooded)
        for participant in (waiting, refused, flooded):
            await participant.answer("3")

        # Pressed, then the bot is blocked before it can show the next statement.
        await blocking.press("5")
        blocking.user.block()
        await emu.wait_for(lambda: len(stored_answers(database, blocking.user.id)) == 1)
        await emu.wait_until_idle()
        assert any(e.method == "editMessageText" and e.status == 403 for e in emu.errors)

        emu.inject_fault("sendMessage", status=403, chat_id=refused.user.id)
        flood = emu.inject_fault("sendMessage", status=429, retry_after=1, chat_id=flooded.user.id)
        gateway = emu.inject_fault("sendMessage", status=502, chat_id=waiting.user.id)
        code, out, err = await selfie_bot(
            emu, database, "session", "remind", str(session.session_id), "--json"
        )
        assert code == 0, err
        reminded = json.loads(out)
        assert reminded["messages"] == 5  # four participants and the coordinator
        # The running bot leads: the command only claimed the round, the bot sends it.
        assert reminded["sent_by"] == "bot"
        await emu.wait_for(
            lambda: digests(coordinator) == 1 and flood.hits == 1 and gateway.hits == 1,
            timeout=60,
            description="the round, sent by the running bot",
        )
        await scheduler.drain()

        def reminders(participant: Participant) -> int:
            return sum("not finished" in m.content for m in participant.user.messages)

        def attempts(participant: Participant) -> int:
            """Reminders the bot tried to send to this participant, delivered or not."""
            return sum(
                "not finished" in str(params.get("text"))
                for params in emu.calls("sendMessage")
                if params.get("chat_id") == participant.user.id
            )

        assert [reminders(p) for p in everyone] == [1, 0, 0, 1]
        assert [unreachable(database, p.user.id) for p in everyone] == [False, True, True, False]
        assert digests(coordinator) == 1

        # The next round skips both unreachable chats without trying them; a 429 on the way
        # is retried by the bot's rate limiter.
        assert [attempts(p) for p in everyone] == [2, 1, 1, 2]
        flood = emu.inject_fault("sendMessage", status=429, retry_after=1, chat_id=waiting.user.id)
        clock.set(clock.now() + timedelta(minutes=5))
        assert await scheduler.remind(session.session_id) == 3  # two participants, the coordinator
        await scheduler.drain()
        assert flood.hits == 1
        assert [attempts(p) for p in everyone] == [4, 1, 1, 3]
        assert [reminders(p) for p in everyone] == [2, 0, 0, 2]
        assert digests(coordinator) == 2

        for participant in (waiting, refused, flooded):
            await assert_consistent(database, participant)
        # The participant who blocked the bot comes back: the answer given just before is kept.
        blocking.user.unblock()
        await assert_consistent(database, blocking)


def digests(coordinator: EmulatedUser) -> int:
    """Reminder-round digests the coordinator got (notices in Latvian, the default)."""
    return sum("atgādinājumi tikko izsūtīti" in m.content for m in coordinator.messages)
