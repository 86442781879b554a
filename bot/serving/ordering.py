"""An update processor that keeps each chat's updates in order and runs different chats at once.

python-telegram-bot's SimpleUpdateProcessor runs up to N updates at once whatever their chat,
so two presses of one person fetched in one getUpdates batch (or redelivered by a webhook)
could be handled out of order. Here each chat has its own lock, taken in arrival order (an
asyncio.Lock hands itself to waiters first come, first served); only the chat's head update
then counts against the limit of updates handled at once, so one busy chat cannot take every
slot from the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates accepted by the processor at once, running or waiting for their chat: beyond this
# the caller waits before its update is even queued (python-telegram-bot's own semaphore).
MAX_WAITING = 1024


def order_key(update: object) -> int | None:
    """The chat whose updates must stay in order (the user's, where there is no chat)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class _Lane:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # updates holding or waiting for the lock


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """At most `concurrent` updates handled at once; one chat's one after another."""

    def __init__(self, concurrent: int, *, max_waiting: int = MAX_WAITING) -> None:
        if concurrent < 1:
            raise ValueError("concurrent must be at least 1")
        super().__init__(max(concurrent, max_waiting))
        self.concurrent = concurrent
        self._running = asyncio.BoundedSemaphore(concurrent)
        self._lanes: dict[int, _Lane] = {}

    @property
    def chats_waiting(self) -> int:
        """Chats with an update being handled or waiting (for tests and metrics)."""
        return len(self._lanes)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        lane.users += 1
        try:
            async with lane.lock, self._running:
                await coroutine
        finally:
            lane.users -= 1
            if lane.users == 0:
                del self._lanes[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
