"""A real PTB Application long-polling the emulator, seen from the user's side."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from emulator import BotApiEmulator, CallbackAnswer
from emulator.harness import AnyApplication, builder_for, running_polling


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_user is not None
    payload = " ".join(context.args or [])
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Agree", callback_data=f"ans:{payload}:5"),
                InlineKeyboardButton("Disagree", callback_data=f"ans:{payload}:1"),
            ],
            [InlineKeyboardButton("About SELFIE", url="https://example.org/selfie")],
        ]
    )
    await update.effective_message.reply_text(
        f"Welcome, <b>{update.effective_user.first_name}</b>! Session {payload}",
        parse_mode="HTML",
        reply_markup=keyboard,
    )


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer("Saved")
    await query.edit_message_text(f"You answered {query.data.rsplit(':', 1)[1]}")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "")


@pytest.fixture
def app(emu: BotApiEmulator) -> AnyApplication:
    application = builder_for(emu).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(answer))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return application


async def test_start_keyboard_press_edit_and_answer(
    emu: BotApiEmulator, app: AnyApplication
) -> None:
    user = emu.user(1001, first_name="Anna", language_code="lv")
    async with running_polling(app):
        sent = await user.send("/start abc")
        msg = await user.wait_for_message()

        assert sent.entities == [{"type": "bot_command", "offset": 0, "length": 6}]
        assert msg.text == "Welcome, Anna! Session abc"
        assert msg.entities == [{"type": "bold", "offset": 9, "length": 4}]
        assert [[b.text for b in row] for row in msg.reply_markup] == [
            ["Agree", "Disagree"],
            ["About SELFIE"],
        ]
        assert msg.reply_markup[1][0].url == "https://example.org/selfie"
        assert msg.reply_to is None and msg.edits == 0

        query_id = await user.press(msg, msg.reply_markup[0][0].callback_data or "")
        await user.wait_for_edit(msg)
        assert await user.wait_for_answer() == CallbackAnswer(query_id, "Saved", False)

    assert msg.text == "You answered 5"
    assert msg.edits == 1
    assert msg.reply_markup == []  # editing text without reply_markup drops the keyboard
    assert user.answers == [(query_id, "Saved", False)]
    assert [m.message_id for m in user.messages] == [msg.message_id]
    assert emu.calls("sendMessage")[0]["chat_id"] == 1001


async def test_press_by_button_text_and_stale_keyboard(
    emu: BotApiEmulator, app: AnyApplication
) -> None:
    user = emu.user(1002, first_name="Jānis")
    async with running_polling(app):
        await user.start("tok-1")
        first = await user.wait_for_message()
        await user.click("Disag")
        edited = await user.wait_for_edit(first)
        assert edited.text == "You answered 1"

        # The keyboard is gone from the edited message: a real client cannot press it any more.
        with pytest.raises(LookupError, match="no button"):
            await user.press(first, "ans:tok-1:5")

        await user.send("plain words")
        reply = await user.wait_for_message()
        assert reply.text == "plain words"
        assert [m.text for m in user.messages] == ["You answered 1", "plain words"]


async def test_message_ids_increase_per_chat_across_both_sides(
    emu: BotApiEmulator,
    app: AnyApplication,
) -> None:
    anna, ben = emu.user(1, first_name="Anna"), emu.user(2, first_name="Ben")
    async with running_polling(app):
        await anna.send("one")
        await ben.send("uno")
        a1, b1 = await anna.wait_for_message(), await ben.wait_for_message()
        await anna.send("two")
        a2 = await anna.wait_for_message()
    assert [m.message_id for m in anna.history] == [1, 2, 3, 4]
    assert (a1.message_id, a2.message_id, b1.message_id) == (2, 4, 2)
    assert a1.date > 1_600_000_000 and isinstance(a1.date, int)


async def test_blocking_the_bot_reaches_ptb_as_my_chat_member(
    emu: BotApiEmulator,
    app: AnyApplication,
) -> None:
    statuses: list[tuple[str, str]] = []

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        assert change is not None
        statuses.append((change.old_chat_member.status, change.new_chat_member.status))

    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    user = emu.user(7)
    async with running_polling(app):
        await user.send("/start")
        await user.wait_for_message()
        user.block()
        await emu.wait_for(lambda: statuses)
        user.unblock()
        await emu.wait_for(lambda: len(statuses) == 2)
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_wait_for_message_timeout_explains_what_happened(
    emu: BotApiEmulator,
) -> None:
    user = emu.user(5)
    await user.send("nobody is polling")
    with pytest.raises(TimeoutError) as caught:
        await user.wait_for_message(timeout=0.2)
    text = str(caught.value)
    assert "1 new bot message(s) for user 5 (got 0)" in text
    assert "The bot has made no calls to the emulator." in text
    assert "1 update(s) still pending" in text


async def test_deep_links_are_checked_like_telegram(emu: BotApiEmulator) -> None:
    user = emu.user(9)
    sent = await user.open_link("https://t.me/selfie_test_bot?start=ABC_12-x")
    assert sent.text == "/start ABC_12-x"
    with pytest.raises(ValueError, match="start payload"):
        await user.start("has space")
    with pytest.raises(ValueError, match="not to @selfie_test_bot"):
        await user.open_link("https://t.me/other_bot?start=x")


async def test_drop_pending_updates_at_start(emu: BotApiEmulator, app: AnyApplication) -> None:
    user = emu.user(8)
    await user.send("/start before the bot runs")
    async with running_polling(app, drop_pending_updates=True):
        await user.send("after")
        reply = await user.wait_for_message()
    assert reply.text == "after"
    assert [m.text for m in user.messages] == ["after"]
