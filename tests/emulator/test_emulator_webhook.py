"""Webhook mode: the emulator POSTs updates to PTB's own webhook server."""

from __future__ import annotations

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Conflict
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from emulator import BotApiEmulator
from emulator.harness import AnyApplication, builder_for, free_port, running_webhook

TOKEN = "123456:TEST"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        f"hook {' '.join(context.args or [])}",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]]),
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await update.callback_query.edit_message_text("went")


def webhook_app(emu: BotApiEmulator) -> AnyApplication:
    app = builder_for(emu).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


async def test_updates_arrive_through_the_webhook_with_the_secret(emu: BotApiEmulator) -> None:
    user = emu.user(3001, first_name="Ilze")
    port = free_port()
    async with running_webhook(webhook_app(emu), port=port, secret_token="s3cret") as app:
        assert emu.webhook is not None
        assert emu.webhook.url == f"http://127.0.0.1:{port}/telegram"
        assert emu.webhook.secret_token == "s3cret"

        await user.send("/start w1")
        msg = await user.wait_for_message()
        assert msg.text == "hook w1"
        await user.press(msg, "go")
        await user.wait_for_edit(msg)
        assert msg.text == "went"
        assert user.answers[0].text is None

        info = await app.bot.get_webhook_info()
        assert info.url.endswith("/telegram") and info.pending_update_count == 0
        with pytest.raises(Conflict, match="webhook is active"):
            await app.bot.get_updates()

    assert emu.stats.webhook_posts == 2 and emu.stats.webhook_failures == 0
    assert emu.stats.calls["getUpdates"] == 1


async def test_ptb_rejects_a_wrong_secret() -> None:
    async with BotApiEmulator(TOKEN, webhook_retry_attempts=2, webhook_retry_backoff=0.01) as emu:
        user = emu.user(3002)
        port = free_port()
        async with running_webhook(webhook_app(emu), port=port, secret_token="s3cret"):
            # A stranger posting to the bot's endpoint without the secret is turned away.
            async with httpx.AsyncClient() as client:
                response = await client.post(
                    f"http://127.0.0.1:{port}/telegram",
                    json={"update_id": 1, "message": {}},
                    headers={"X-Telegram-Bot-Api-Secret-Token": "guess"},
                )
            assert response.status_code == 403

            # Re-register the same URL with another secret: PTB refuses every delivery.
            async with httpx.AsyncClient() as client:
                answer = await client.post(
                    f"{emu.base_url}{TOKEN}/setWebhook",
                    data={"url": f"http://127.0.0.1:{port}/telegram", "secret_token": "wrong"},
                )
            assert answer.json() == {"ok": True, "result": True}
            await user.send("/start lost")
            await emu.wait_for(lambda: emu.stats.webhook_dropped == 1)

        assert user.messages == []
        assert emu.stats.webhook_failures == 2
        assert emu.webhook is not None
        assert emu.webhook.last_error_message == "Wrong response from the webhook: 403 Forbidden"
        assert emu.webhook.info(0)["last_error_date"] > 0


async def test_updates_wait_for_a_webhook_that_is_not_up_yet(emu: BotApiEmulator) -> None:
    user = emu.user(3003)
    await user.send("/start early")
    port = free_port()
    async with running_webhook(webhook_app(emu), port=port):
        msg = await user.wait_for_message()
    assert msg.text == "hook early"
