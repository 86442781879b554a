"""Flood limits (off unless configured) and injected faults for resilience tests."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from emulator.errors import ApiError, forbidden, server_error, too_many_requests

# Telegram's broadcast limits: about 30 new messages a second for free, and up to 1,000 for
# messages sent with allow_paid_broadcast, each of those above the free rate paid in Stars.
FREE_PER_SECOND = 30
PAID_PER_SECOND = 1000


class RateLimiter:
    """Sliding one-second windows: one for the whole bot and one per chat.

    Every message sent or edited counts in its chat's window; only new messages count in the
    bot's window, Telegram's "about 30 messages a second" for broadcasts. A message sent with
    allow_paid_broadcast may go up to PAID_PER_SECOND in the bot's window; one that arrives
    when the last second already had the free rate of free messages (the configured global
    limit, else FREE_PER_SECOND) is a paid one, 0.1 Star (EmulatorStats.paid_messages).
    """

    WINDOW = 1.0

    def __init__(
        self,
        global_per_second: int | None = None,
        per_chat_per_second: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.global_per_second = global_per_second
        self.per_chat_per_second = per_chat_per_second
        self._clock = clock
        self._global: deque[float] = deque()
        self._free: deque[float] = deque()  # the new messages that were free
        self._chats: dict[int, deque[float]] = {}

    @property
    def enabled(self) -> bool:
        return self.global_per_second is not None or self.per_chat_per_second is not None

    @property
    def free_per_second(self) -> int:
        return self.global_per_second if self.global_per_second is not None else FREE_PER_SECOND

    def configure(self, global_per_second: int | None, per_chat_per_second: int | None) -> None:
        self.global_per_second = global_per_second
        self.per_chat_per_second = per_chat_per_second
        self._global.clear()
        self._free.clear()
        self._chats.clear()

    def check(self, chat_id: int | None, *, new_message: bool = True, paid: bool = False) -> None:
        """Raise 429 if one more call now would exceed a limit; the call is not recorded."""
        if not self.enabled:
            return
        now = self._clock()
        waits = [0.0]
        if new_message:
            limit = PAID_PER_SECOND if paid else self.global_per_second
            waits.append(self._wait(self._global, limit, now))
        if chat_id is not None:
            window = self._chats.setdefault(chat_id, deque())
            waits.append(self._wait(window, self.per_chat_per_second, now))
        longest = max(waits)
        if longest > 0:
            raise too_many_requests(math.ceil(longest))

    def record(self, chat_id: int | None, *, new_message: bool = True, paid: bool = False) -> bool:
        """Count the call; True when it is a paid message: in any second, the first messages up
        to the free rate are free, and a paid one beyond them costs."""
        now = self._clock()
        charged = False
        if new_message:
            # Kept with the limits off too, so that what a paid broadcast costs is known.
            self._trim(self._free, now)
            if len(self._free) < self.free_per_second:
                self._free.append(now)
            else:
                charged = paid
            if self.enabled:
                self._global.append(now)
        if chat_id is not None and self.enabled:
            self._chats.setdefault(chat_id, deque()).append(now)
        return charged

    def _trim(self, window: deque[float], now: float) -> None:
        while window and window[0] <= now - self.WINDOW:
            window.popleft()

    def _wait(self, window: deque[float], limit: int | None, now: float) -> float:
        self._trim(window, now)
        if limit is None or len(window) < limit:
            return 0.0
        return window[-limit] + self.WINDOW - now


@dataclass
class Fault:
    """An injected failure for the next `remaining` matching calls (None: until cleared)."""

    method: str | None
    status: int | None
    remaining: int | None
    delay: float | None = None
    retry_after: int | None = None
    description: str | None = None
    chat_id: int | None = None
    hits: int = 0

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def consume(self) -> None:
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        if self.status == 429:
            return too_many_requests(self.retry_after or 1)
        if self.status == 403:
            return (
                ApiError(403, self.description)
                if self.description
                else forbidden("bot was blocked by the user")
            )
        if self.status >= 500:
            return server_error(self.status, self.description)
        return ApiError(self.status, self.description or f"Error {self.status}")


class FaultInjector:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """The first armed fault matching this call, consumed by one use."""
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.consume()
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()
