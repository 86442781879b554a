"""A local Telegram Bot API emulator for end-to-end tests, benchmarks and demos.

The real python-telegram-bot Application runs against it unchanged (long polling or webhook);
tests act as users through `BotApiEmulator.user(...)`.
"""

from bot.emulator.emulator import BotApiEmulator
from bot.emulator.errors import ApiError
from bot.emulator.limits import Fault
from bot.emulator.media import StoredFile
from bot.emulator.server import ApiErrorRecord, ApiRequest
from bot.emulator.state import CallbackAnswer, ChatMessage, InlineButton, WebhookConfig
from bot.emulator.stats import EmulatorStats
from bot.emulator.users import EmulatedUser

__all__ = [
    "ApiError",
    "ApiErrorRecord",
    "ApiRequest",
    "BotApiEmulator",
    "CallbackAnswer",
    "ChatMessage",
    "EmulatedUser",
    "EmulatorStats",
    "Fault",
    "InlineButton",
    "StoredFile",
    "WebhookConfig",
]
