"""The last line of defence: log the failure and tell the person something short."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import AppContext
from bot.i18n import shipped, texts
from bot.surveys.vocabulary import Language

log = logging.getLogger(__name__)


async def on_error(update: object, context: AppContext) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        log.info("a user has blocked the bot: %s", error)
        raise ApplicationHandlerStop
    # PTB's BadRequest is a NetworkError, but it means we asked Telegram for something wrong.
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        log.warning("network trouble talking to Telegram: %s", error)
    else:
        log.error("unhandled error in a handler", exc_info=error)
    if isinstance(update, Update) and update.callback_query is not None:
        query = update.callback_query
        # No database here: the failure may be the database's. Telegram's language decides.
        language: Language = shipped().for_telegram(query.from_user.language_code)
        with contextlib.suppress(TelegramError):
            await query.answer(texts()(language, "alert.error"), show_alert=True)
    # The update has had its answer: handlers of later groups must not answer it again.
    raise ApplicationHandlerStop
