"""Telegram's error answers, as PTB turns them into exceptions."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from emulator import BotApiEmulator
from emulator.harness import png_bytes

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("1", callback_data="q1:1")]])


def retry_after_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value if isinstance(value, int | float) else value.total_seconds()


async def test_editing_to_identical_content_is_not_modified(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.user(10).send("/start")
    sent = await bot.send_message(10, "Question 1", reply_markup=KEYBOARD)

    with pytest.raises(BadRequest) as caught:
        await bot.edit_message_text("Question 1", 10, sent.message_id, reply_markup=KEYBOARD)
    assert caught.value.message == (
        "Message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
    # Same text but a different keyboard is a real change.
    edited = await bot.edit_message_text("Question 1", 10, sent.message_id)
    assert not isinstance(edited, bool) and edited.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(10, sent.message_id)


async def test_edit_and_delete_of_unknown_messages(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.user(11).send("hi")
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("x", 11, 999)
    with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
        await bot.delete_message(11, 999)
    sent = await bot.send_message(11, "bye")
    assert await bot.delete_message(11, sent.message_id) is True
    assert emu.user(11).messages == []


async def test_blocked_user_answers_forbidden_on_every_send(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(12)
    await user.send("/start")
    user.block()
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(12, "reminder")
    with pytest.raises(Forbidden):
        await bot.send_photo(12, png_bytes(4, 4))
    user.unblock()
    assert (await bot.send_message(12, "welcome back")).text == "welcome back"


async def test_chat_not_found_until_the_user_writes(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(13)
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(13, "you never started me")
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message("@someone", "hello")


async def test_flood_limits_answer_retry_after(emu: BotApiEmulator, bot: Bot) -> None:
    for user_id in (21, 22, 23):
        await emu.user(user_id).send("/start")
    emu.set_rate_limits(per_chat_per_second=1)
    await bot.send_message(21, "first")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(21, "second")
    assert retry_after_seconds(caught.value) == 1
    assert emu.errors[-1].description == "Too Many Requests: retry after 1"
    await bot.send_message(22, "another chat is fine")

    emu.set_rate_limits(global_per_second=2)
    await bot.send_message(21, "a")
    await bot.send_message(22, "b")
    with pytest.raises(RetryAfter):
        await bot.send_message(23, "c")
    assert emu.stats.rate_limited == 2

    emu.set_rate_limits(None, None)
    await bot.send_message(23, "limits off")


async def test_edits_count_per_chat_but_not_against_the_broadcast_limit(
    emu: BotApiEmulator, bot: Bot
) -> None:
    for user_id in (31, 32):
        await emu.user(user_id).send("/start")
    first = await bot.send_message(31, "Question 1", reply_markup=KEYBOARD)
    emu.set_rate_limits(global_per_second=1, per_chat_per_second=2)
    await bot.send_message(32, "the bot's one new message this second")
    await bot.edit_message_text("Question 2", 31, first.message_id)
    await bot.edit_message_text("Question 3", 31, first.message_id)
    with pytest.raises(RetryAfter):
        await bot.edit_message_text("Question 4", 31, first.message_id)  # the chat's limit
    with pytest.raises(RetryAfter):
        await bot.send_message(31, "a second new message")  # the bot's limit


async def test_text_and_caption_limits(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.user(14).send("/start")
    assert len((await bot.send_message(14, "x" * 4096)).text or "") == 4096
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await bot.send_message(14, "x" * 4097)
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await bot.send_message(14, "   ")
    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await bot.send_document(14, b"data", filename="a.txt", caption="c" * 1025)
    # The limit applies to the text after markup is parsed away.
    sent = await bot.send_message(14, "<b>" + "y" * 4096 + "</b>", parse_mode="HTML")
    assert sent.text == "y" * 4096


async def test_callback_data_must_be_1_to_64_bytes(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.user(15).send("/start")
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])
    await bot.send_message(15, "fits", reply_markup=ok)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("no", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
        await bot.send_message(15, "too long", reply_markup=too_long)


async def test_bad_html_is_rejected_like_telegram(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.user(16).send("/start")
    with pytest.raises(BadRequest, match='unsupported start tag "3" at byte offset 2'):
        await bot.send_message(16, "I <3 SELFIE", parse_mode="HTML")
    sent = await bot.send_message(16, "I &lt;3 <i>SELFIE</i>", parse_mode="HTML")
    assert sent.text == "I <3 SELFIE"
    assert sent.entities[0].type == "italic"


async def test_callback_answers_once(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(17)
    await user.send("/start")
    sent = await bot.send_message(17, "Q", reply_markup=KEYBOARD)
    query_id = await user.press(user.messages[-1], "q1:1")
    assert sent.message_id == user.messages[-1].message_id
    assert await bot.answer_callback_query(query_id, "noted", show_alert=True)
    with pytest.raises(BadRequest, match=r"^Query is too old and response timeout expired"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="query id is invalid"):  # PTB lower-cases "ID"
        await bot.answer_callback_query("12345")
    assert user.answers == [(query_id, "noted", True)]


async def test_unknown_token_is_invalid(emu: BotApiEmulator) -> None:
    with pytest.raises(InvalidToken):
        await Bot("999:WRONG", base_url=emu.base_url).get_me()
    with pytest.raises(InvalidToken):
        await Bot("not-a-token", base_url=emu.base_url).get_me()
    assert [e.status for e in emu.errors] == [401, 404]


async def test_callback_queries_expire_when_a_ttl_is_set() -> None:
    now = [1_700_000_000.0]
    emulator = BotApiEmulator("5:TTL", callback_query_ttl=15, clock=lambda: now[0])
    async with emulator as emu, Bot("5:TTL", base_url=emu.base_url) as bot:
        user = emu.user(18)
        await user.send("/start")
        sent = await bot.send_message(18, "Q", reply_markup=KEYBOARD)
        assert sent.date.timestamp() == 1_700_000_000
        query_id = await user.press(user.messages[-1], "q1:1")
        now[0] += 16
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(query_id)
