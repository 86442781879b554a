"""The answer to any of the bot's commands sent in a group: please write to me privately."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.context import AppContext
from bot.handlers.language import language_of
from bot.i18n import texts


async def private_only(update: Update, context: AppContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or message.chat.type == ChatType.CHANNEL:
        return
    await message.reply_text(texts()(await language_of(context, user), "start.private_only"))
