"""The last line of defence: a failing handler gets one short answer and nothing else runs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.handlers.errors import on_error
from bot.i18n import texts
from emulator import BotApiEmulator
from emulator.harness import builder_for, running_polling


async def offer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message with one button, "Go"."""
    assert update.effective_chat is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    await context.bot.send_message(update.effective_chat.id, "Press", reply_markup=keyboard)


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator("123456:ERRORS", username="errors_test_bot") as emulator:
        yield emulator


async def test_a_crash_is_answered_once_and_later_groups_do_not_run(
    emu: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    later: list[str] = []

    async def crash(update: Update, context: Any) -> None:
        raise RuntimeError("a bug")

    async def fallback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        later.append("ran")
        if update.callback_query is not None:
            await update.callback_query.answer("a second answer")

    application = builder_for(emu).build()
    application.add_handler(CallbackQueryHandler(crash), group=-1)
    application.add_handler(CallbackQueryHandler(fallback))
    application.add_handler(MessageHandler(filters.TEXT, offer))
    application.add_error_handler(on_error)
    user = emu.user(7, language_code="en")
    with caplog.at_level(logging.ERROR, logger="bot"):
        async with running_polling(application):
            await user.send("hello")
            await user.wait_for_message()
            await user.click("Go")
            answer = await user.wait_for_answer()
            await emu.wait_until_idle()
    assert answer.text == texts()("en", "alert.error") and answer.show_alert
    assert len(user.answers) == 1
    assert later == []
    assert any("unhandled error" in record.message for record in caplog.records)


async def test_a_failed_command_gets_the_apology_and_a_failed_text_message_none(
    emu: BotApiEmulator,
) -> None:
    later: list[str] = []

    async def crash(update: Update, context: Any) -> None:
        raise RuntimeError("a bug")

    async def fallback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        later.append("ran")

    application = builder_for(emu).build()
    application.add_handler(MessageHandler(filters.TEXT, crash), group=-1)
    application.add_handler(MessageHandler(filters.TEXT, fallback))
    application.add_error_handler(on_error)
    user = emu.user(8, language_code="lv")
    async with running_polling(application):
        await user.send("/status")
        reply = await user.wait_for_message()
        await user.send("just some words")
        await emu.wait_until_idle()
    assert reply.text == texts()("lv", "alert.error")
    assert [m.text for m in user.messages] == [reply.text]  # the text message: no apology
    assert later == []


async def test_a_press_that_can_no_longer_be_answered_is_logged_without_an_apology(
    emu: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    async def answer_twice(update: Update, context: Any) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("done")
        await update.callback_query.answer("again")  # Telegram: the query is too old

    application = builder_for(emu).build()
    application.add_handler(CallbackQueryHandler(answer_twice))
    application.add_handler(MessageHandler(filters.TEXT, offer))
    application.add_error_handler(on_error)
    user = emu.user(8, language_code="en")
    with caplog.at_level(logging.INFO, logger="bot"):
        async with running_polling(application):
            await user.send("hello")
            await user.wait_for_message()
            await user.click("Go")
            await emu.wait_until_idle()
    assert [a.text for a in user.answers] == ["done"]
    assert [m.content for m in user.messages if m.from_bot] == ["Press"]
    logged = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert [(r.levelno, r.exc_info) for r in logged] == [(logging.INFO, None)]
    assert "could no longer be answered" in logged[0].getMessage()
