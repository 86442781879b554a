"""Counters of the emulator's own work, so benchmarks can show it is not the bottleneck."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

PAID_MESSAGES_PER_STAR = 10  # 0.1 Star a message above the free rate


@dataclass
class EmulatorStats:
    """Calls per method and the time spent inside request handlers (waits excluded)."""

    calls: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    errors: int = 0
    rate_limited: int = 0
    paid_broadcasts: int = 0  # new messages sent with allow_paid_broadcast
    paid_messages: int = 0  # of those, sent above the free rate: 0.1 Star each
    faults_applied: int = 0
    updates_queued: int = 0
    updates_sent: int = 0
    webhook_posts: int = 0
    webhook_failures: int = 0
    webhook_dropped: int = 0
    webhook_retries: int = 0  # attempts after an update's first, once it had failed
    webhook_max_in_flight: int = 0  # most webhook requests open at once
    # Per URL a request went to (a worker's, or the webhook's own without workers):
    webhook_deliveries: Counter[str] = field(default_factory=Counter)  # acknowledged
    webhook_worker_failures: Counter[str] = field(default_factory=Counter)
    handler_seconds: float = 0.0
    handler_cpu_seconds: float = 0.0

    @property
    def stars(self) -> float:
        """What the paid messages would have cost: 0.1 Star each."""
        return self.paid_messages / PAID_MESSAGES_PER_STAR

    @contextmanager
    def measure(self) -> Iterator[None]:
        """Account the enclosed synchronous work as handler time."""
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.handler_seconds += time.perf_counter() - wall
            self.handler_cpu_seconds += time.thread_time() - cpu

    def reset(self) -> None:
        fresh = EmulatorStats()
        self.__dict__.update(fresh.__dict__)

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "requests": self.requests,
            "errors": self.errors,
            "rate_limited": self.rate_limited,
            "paid_broadcasts": self.paid_broadcasts,
            "paid_messages": self.paid_messages,
            "stars": self.stars,
            "faults_applied": self.faults_applied,
            "updates_queued": self.updates_queued,
            "updates_sent": self.updates_sent,
            "webhook_posts": self.webhook_posts,
            "webhook_failures": self.webhook_failures,
            "webhook_dropped": self.webhook_dropped,
            "webhook_retries": self.webhook_retries,
            "webhook_max_in_flight": self.webhook_max_in_flight,
            "webhook_deliveries": dict(self.webhook_deliveries),
            "webhook_worker_failures": dict(self.webhook_worker_failures),
            "handler_seconds": round(self.handler_seconds, 6),
            "handler_cpu_seconds": round(self.handler_cpu_seconds, 6),
        }
