"""A coordinator's pressed button, sent to the task it belongs to."""

from __future__ import annotations

from telegram import Update

from bot.context import AppContext
from bot.handlers.callback_data import DraftAction, SchoolAction, SessionAction, decode_coordination
from bot.handlers.coordinator.session_card import session_action
from bot.handlers.coordinator.setup import draft_action
from bot.handlers.coordinator.team import school_action
from bot.handlers.language import language_of
from bot.i18n import texts


async def on_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    language = await language_of(context, query.from_user)
    action = decode_coordination(query.data)
    match action:
        case None:
            await query.answer(texts()(language, "alert.invalid"), show_alert=True)
        case DraftAction():
            await draft_action(update, context, language, action)
        case SessionAction():
            await session_action(update, context, language, action)
        case SchoolAction():
            await school_action(update, context, language, action)
