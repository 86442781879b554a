"""The coordinator's side of the chat, one module per task, each task's screens beside it.

These handlers run in an earlier handler group than the participant's: when one of them
handles an update it stops it there (ApplicationHandlerStop), otherwise the update goes on to
the participant's handlers unchanged. That is how a coordinator's typed input wins over
"resume my questionnaire" only while their draft waits for text.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import AppContext, BotApplication
from bot.handlers.callback_data import COORDINATION_PATTERN
from bot.handlers.coordinator import help, session_card, setup, team
from bot.handlers.coordinator.buttons import on_button
from bot.handlers.coordinator.shared import private_only

GROUP = -1
Handler = Callable[[Update, AppContext], Coroutine[Any, Any, None]]


def register(application: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    commands: dict[str, Handler] = {
        "newsession": setup.new_session,
        "sessions": session_card.list_sessions,
        "status": session_card.status,
        "preview": session_card.preview,
        "links": session_card.links,
        "results": session_card.results,
        "coordinators": team.coordinators,
        "cancel": setup.cancel,
    }
    for name, callback in commands.items():
        application.add_handler(
            CommandHandler(name, _stopping(callback), filters=private), group=GROUP
        )
    application.add_handler(
        CommandHandler(list(commands), _stopping(private_only), filters=~private), group=GROUP
    )
    application.add_handler(
        CommandHandler("start", team.start_invite, filters=private), group=GROUP
    )
    application.add_handler(CommandHandler("help", help.show_help, filters=private), group=GROUP)
    application.add_handler(
        CallbackQueryHandler(_stopping(on_button), pattern=COORDINATION_PATTERN), group=GROUP
    )
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, setup.on_text), group=GROUP
    )


def _stopping(callback: Handler) -> Handler:
    async def handle(update: Update, context: AppContext) -> None:
        await callback(update, context)
        raise ApplicationHandlerStop

    return handle
