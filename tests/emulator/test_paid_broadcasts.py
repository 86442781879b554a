"""The emulator's broadcast limits: 30 new messages a second for free, up to 1,000 with
allow_paid_broadcast, and the paid ones (those above the free rate) counted."""

from __future__ import annotations

import pytest

from emulator.errors import ApiError
from emulator.limits import FREE_PER_SECOND, PAID_PER_SECOND, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def send(limiter: RateLimiter, chat: int, *, paid: bool = False) -> bool:
    limiter.check(chat, paid=paid)
    return limiter.record(chat, paid=paid)


def test_past_the_free_rate_only_paid_messages_go_and_each_of_them_costs() -> None:
    clock = Clock()
    limiter = RateLimiter(global_per_second=FREE_PER_SECOND, clock=clock)
    assert [send(limiter, chat) for chat in range(FREE_PER_SECOND)] == [False] * FREE_PER_SECOND
    with pytest.raises(ApiError) as refused:
        send(limiter, 999)
    assert refused.value.status == 429
    # Paid messages go on, each one above the free 30 of this second paid.
    charged = [send(limiter, 1000 + n, paid=True) for n in range(PAID_PER_SECOND - FREE_PER_SECOND)]
    assert charged == [True] * (PAID_PER_SECOND - FREE_PER_SECOND)
    with pytest.raises(ApiError) as refused:
        send(limiter, 5000, paid=True)  # 1,000 in this second: even paid ones wait
    assert refused.value.status == 429
    clock.now += 1.0
    # A new second: its first 30 are free again, flag or not.
    assert [send(limiter, 6000 + n, paid=True) for n in range(FREE_PER_SECOND)] == [
        False
    ] * FREE_PER_SECOND
    assert send(limiter, 7000, paid=True) is True


def test_a_steady_paid_pace_pays_for_all_but_the_free_rate() -> None:
    """512 a second (instants exact in binary) for ten seconds: 30 of each second are free,
    the other 4,820 paid."""
    clock = Clock()
    limiter = RateLimiter(global_per_second=FREE_PER_SECOND, clock=clock)
    paid = 0
    for n in range(5120):
        clock.now = 128.0 + n / 512
        paid += send(limiter, n, paid=True)
    assert paid == 5120 - 10 * FREE_PER_SECOND


def test_with_the_limits_off_paid_messages_are_still_counted() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    assert not limiter.enabled
    sent = [send(limiter, n, paid=True) for n in range(40)]
    assert sent.count(True) == 40 - FREE_PER_SECOND
