"""The last line of defence: log the failure and tell the person something short."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Update, User
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop, filters

from bot.context import AppContext
from bot.handlers.language import language_of, telegram_language
from bot.i18n import texts
from bot.surveys.vocabulary import Language

log = logging.getLogger(__name__)

# Telegram's words for a callback query that can no longer be answered.
TOO_OLD = "query is too old"
# The failure may be the database's: the person's chosen language is not waited for long.
LANGUAGE_WAIT_SECONDS = 1.0


async def on_error(update: object, context: AppContext) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        log.info("a user has blocked the bot: %s", error)
        raise ApplicationHandlerStop
    if isinstance(error, BadRequest) and TOO_OLD in error.message.lower():
        # A press handled again (a worker died before acknowledging it) or very late: its
        # spinner is gone, and nothing can be told through it.
        log.info("a button press could no longer be answered: %s", error)
        raise ApplicationHandlerStop
    # PTB's BadRequest is a NetworkError, but it means we asked Telegram for something wrong.
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        log.warning("network trouble talking to Telegram: %s", error)
    else:
        log.error("unhandled error in a handler", exc_info=error)
    if isinstance(update, Update):
        await _apologise(update, context)
    # The update has had its answer: handlers of later groups must not answer it again.
    raise ApplicationHandlerStop


async def _apologise(update: Update, context: AppContext) -> None:
    """The same short text for a failed button press (an alert) and a failed command (a
    reply); other messages, such as a typed answer, get none."""
    query, message, user = update.callback_query, update.effective_message, update.effective_user
    is_command = message is not None and bool(filters.COMMAND.check_update(update))
    if user is None or (query is None and not is_command):
        return
    text = texts()(await _language(context, user), "alert.error")
    with contextlib.suppress(TelegramError):
        if query is not None:
            await query.answer(text, show_alert=True)
        elif message is not None:
            await message.reply_text(text)


async def _language(context: AppContext, user: User) -> Language:
    try:
        return await asyncio.wait_for(language_of(context, user), LANGUAGE_WAIT_SECONDS)
    except Exception:  # the database, or the services it needs, may be what failed
        return telegram_language(user)
