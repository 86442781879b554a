"""A Bot API client for one command, and the one way a rejected token is reported.

Telegram answers 401 (or 404 for a malformed token) and python-telegram-bot raises
InvalidToken with the token in its message; that message never reaches the operator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot
from telegram.error import InvalidToken

from bot.settings import Settings, SettingsError

TOKEN_REJECTED = "Telegram rejected SELFIE_BOT_TOKEN: check the token @BotFather gave you"


def token_rejected() -> SettingsError:
    return SettingsError(TOKEN_REJECTED)


@asynccontextmanager
async def connected_bot(settings: Settings) -> AsyncIterator[Bot]:
    """An initialised Bot (getMe done); a rejected token is a SettingsError, at once or later."""
    token = settings.require_token()
    try:
        async with Bot(
            token, base_url=settings.api_url, base_file_url=settings.resolved_file_api_url
        ) as bot:
            yield bot
    except InvalidToken:
        raise token_rejected() from None


async def check_token(settings: Settings) -> None:
    """Ask Telegram who the bot is: SettingsError if it refuses the token."""
    async with connected_bot(settings):
        pass
