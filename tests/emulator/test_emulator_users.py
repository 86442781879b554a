"""The test-side helpers: cursors of the wait_* helpers, keyboards, replies, deletions."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import BadRequest

from emulator import BotApiEmulator


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.upper(), callback_data=d) for d in data]])


async def test_wait_for_message_takes_each_new_message_once(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(80)
    await user.send("/start")
    for text in ("one", "two", "three"):
        await bot.send_message(80, text)
    assert (await user.wait_for_message()).text == "one"
    assert [m.text for m in await user.wait_for_messages(2)] == ["two", "three"]
    with pytest.raises(TimeoutError):
        await user.wait_for_message(timeout=0.05)

    # A new action starts from "now": older unread messages are not replies to it.
    await bot.send_message(80, "stale")
    await user.send("again")
    later = asyncio.create_task(user.wait_for_message())
    await bot.send_message(80, "fresh")
    assert (await later).text == "fresh"


async def test_edits_responses_and_text_search(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(81)
    await user.send("/start")
    sent = await bot.send_message(81, "Q1", reply_markup=keyboard("a", "b"))
    msg = await user.wait_for_message()
    await user.press(msg, "a")
    await bot.edit_message_text("Q1 ✓", 81, sent.message_id, reply_markup=keyboard("a", "b"))
    assert (await user.wait_for_response()) is msg
    await bot.edit_message_reply_markup(81, sent.message_id, reply_markup=keyboard("c"))
    assert (await user.wait_for_edit(msg)).edits == 2
    assert [b.callback_data for b in msg.buttons] == ["c"]

    await user.click("C")
    await bot.send_message(81, "Q2 follows")
    assert (await user.wait_for_response()).text == "Q2 follows"
    assert (await user.wait_for_text("Q2")).text == "Q2 follows"


async def test_press_checks_the_current_keyboard_unless_forced(
    emu: BotApiEmulator, bot: Bot
) -> None:
    user = emu.user(82)
    await user.send("/start")
    await bot.send_message(82, "Pick", reply_markup=keyboard("x"))
    msg = await user.wait_for_message()
    with pytest.raises(LookupError, match="no button with callback_data 'forged'"):
        await user.press(msg, "forged")
    query_id = await user.press(msg, "forged", force=True)
    update = emu.pending_updates[-1]["callback_query"]
    assert update["id"] == query_id and update["data"] == "forged"
    assert update["message"]["message_id"] == msg.message_id
    assert update["from"]["id"] == 82 and update["chat_instance"]
    with pytest.raises(LookupError, match="no button starting with 'Nope'"):
        user.button("Nope")


async def test_reply_keyboard_replies_and_deletions(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(83)
    question = await user.send("/start")
    await bot.send_message(
        83,
        "Language?",
        reply_markup=ReplyKeyboardMarkup([["Latviešu", "English"]]),
        reply_parameters=ReplyParameters(question.message_id),
    )
    assert user.keyboard == [["Latviešu", "English"]]
    reply = user.last_message
    assert reply is not None and reply.reply_to is question
    assert reply.reply_markup == []

    await bot.send_message(83, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert user.keyboard == []
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(83, "x", reply_parameters=ReplyParameters(999))

    await bot.delete_message(83, reply.message_id)
    assert [m.text for m in user.messages] == ["Thanks"]
    assert reply.deleted and reply in user.history


async def test_user_cannot_act_while_blocking(emu: BotApiEmulator) -> None:
    user = emu.user(84)
    await user.send("/start")
    user.block()
    with pytest.raises(RuntimeError, match="blocked the bot"):
        await user.send("hello?")
    user.unblock()
    await user.send("hello!")
    kinds = [next(k for k in u if k != "update_id") for u in emu.pending_updates]
    assert kinds == ["message", "my_chat_member", "my_chat_member", "message"]


async def test_wait_until_idle(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.wait_until_idle(quiet=0.05)
    await emu.user(85).send("pending")
    with pytest.raises(TimeoutError, match="the bot to go idle"):
        await emu.wait_until_idle(quiet=0.05, timeout=0.2)


async def test_a_user_who_started_earlier_can_be_written_to_without_an_update(
    emu: BotApiEmulator, bot: Bot
) -> None:
    emu.user(90)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(90, "never started")
    earlier = emu.user(91, started=True)
    await bot.send_message(91, "hello again")
    assert earlier.last_message is not None and earlier.last_message.text == "hello again"
    assert emu.pending_updates == []
    acted = earlier.chat.bot_acted.notified_at
    await bot.send_message(91, "and again")
    assert earlier.chat.bot_acted.notified_at > acted


async def test_a_user_s_language_can_be_chosen_and_changed_through_the_control_api(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """Messages read first create the user; a language sent later is theirs from then on."""
    root = emu.base_url.removesuffix("/bot")
    async with httpx.AsyncClient(timeout=5) as http:
        await http.get(f"{root}/_emulator/users/77/messages?after=0&timeout=0")
        await http.post(
            f"{root}/_emulator/users/77/send", json={"text": "/start", "language_code": "uk"}
        )
        await http.post(
            f"{root}/_emulator/users/77/send", json={"text": "hi", "language_code": "ru"}
        )
    first, second = await bot.get_updates()
    assert first.effective_user is not None and first.effective_user.language_code == "uk"
    assert second.effective_user is not None and second.effective_user.language_code == "ru"
    assert emu.user(77, language_code="lv").profile.language_code == "lv"
