"""The last line of defence: log the failure and tell the person something short."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.context import AppContext
from bot.handlers.texts import texts
from bot.surveys.vocabulary import Language

log = logging.getLogger(__name__)


async def on_error(update: object, context: AppContext) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        log.info("a user has blocked the bot: %s", error)
        return
    if isinstance(error, NetworkError):
        log.warning("network trouble talking to Telegram: %s", error)
    else:
        log.error("unhandled error in a handler", exc_info=error)
    if isinstance(update, Update) and update.callback_query is not None:
        query = update.callback_query
        language: Language = (
            "lv" if (query.from_user.language_code or "").startswith("lv") else "en"
        )
        with contextlib.suppress(TelegramError):
            await query.answer(texts()(language, "alert.error"), show_alert=True)
