"""Injected faults, as the bot experiences them through PTB."""

from __future__ import annotations

import pytest
from telegram import Bot, Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import CommandHandler, ContextTypes

from emulator import ApiError, BotApiEmulator
from emulator.harness import builder_for, running_polling
from emulator.limits import RateLimiter


async def test_bad_gateway_then_success(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(60)
    await user.send("/start")
    fault = emu.inject_fault("sendMessage", status=502)

    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(60, "first try")
    assert (await bot.send_message(60, "second try")).text == "second try"

    assert [m.text for m in user.messages] == ["second try"]
    assert (fault.hits, fault.remaining) == (1, 0)
    assert emu.stats.faults_applied == 1


async def test_fault_count_status_kinds_and_method_matching(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.user(61).send("/start")
    emu.inject_fault("sendmessage", status=500, count=2)
    emu.inject_fault("editMessageText", status=429, retry_after=3)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(61, "x")
    sent = await bot.send_message(61, "through")

    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.edit_message_text("edited", 61, sent.message_id)
    await bot.edit_message_text("edited", 61, sent.message_id)

    emu.inject_fault(status=403, chat_id=61)
    with pytest.raises(Forbidden):
        await bot.send_chat_action(61, "typing")
    assert await bot.send_chat_action(61, "typing") is True
    assert emu.user(61).actions == ["typing"]


async def test_delay_makes_ptb_time_out_but_the_message_is_still_sent(
    emu: BotApiEmulator, bot: Bot
) -> None:
    user = emu.user(62)
    await user.send("/start")
    emu.inject_fault("sendMessage", delay=0.4)

    with pytest.raises(TimedOut):
        await bot.send_message(62, "slow", read_timeout=0.1)
    # Like a slow Telegram: the client gave up, the server still delivered.
    late = await user.wait_for_message(timeout=2)
    assert late.text == "slow"


async def test_polling_survives_get_updates_failures(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("still here")

    app = builder_for(emu).build()
    app.add_handler(CommandHandler("start", start))
    user = emu.user(63)
    async with running_polling(app):
        # PTB waits a second after a failed poll, so one failure keeps the test short.
        emu.inject_fault("getUpdates", status=502)
        await user.send("/start")
        reply = await user.wait_for_message(timeout=5)
    assert reply.text == "still here"
    assert emu.stats.faults_applied == 1
    assert any(e.method == "getUpdates" and e.status == 502 for e in emu.errors)


def test_rate_limiter_sliding_window() -> None:
    now = [100.0]
    limiter = RateLimiter(global_per_second=3, per_chat_per_second=1, clock=lambda: now[0])

    def send(chat_id: int) -> int | None:
        try:
            limiter.check(chat_id)
        except ApiError as exc:
            return int((exc.parameters or {})["retry_after"])
        limiter.record(chat_id)
        return None

    assert send(1) is None
    assert send(1) == 1
    assert send(2) is None and send(3) is None
    now[0] += 0.5
    assert send(4) == 1  # global window still full
    now[0] += 0.51
    assert send(1) is None and send(4) is None
