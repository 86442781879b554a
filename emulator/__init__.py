"""A local Telegram Bot API emulator for end-to-end tests, benchmarks and demos.

The real python-telegram-bot Application runs against it unchanged (long polling or webhook);
tests act as users through `BotApiEmulator.user(...)`.
"""

from emulator.emulator import BotApiEmulator
from emulator.errors import ApiError
from emulator.limits import Fault
from emulator.media import StoredFile
from emulator.server import ApiErrorRecord, ApiRequest
from emulator.state import CallbackAnswer, ChatMessage, InlineButton, WebhookConfig
from emulator.stats import EmulatorStats
from emulator.users import EmulatedUser

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
