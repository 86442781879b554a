"""Which language to answer a person in: the one they chose, else what Telegram says of them."""

from __future__ import annotations

from telegram import User

from bot.context import AppContext
from bot.i18n import shipped
from bot.surveys.vocabulary import Language


async def language_of(context: AppContext, user: User) -> Language:
    """The language chosen with /language (or with the person's last invite), else Telegram's."""
    chosen = await context.services.participation.language_of(telegram_id=user.id)
    if chosen is not None:
        return chosen
    return telegram_language(user)


def telegram_language(user: User) -> Language:
    """The shipped language closest to the one the person's Telegram app is set to."""
    return shipped().for_telegram(user.language_code)
