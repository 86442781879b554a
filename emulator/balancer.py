"""A stand-in for the load balancer between Telegram and several webhook workers.

Telegram knows one webhook URL. Behind it, an operator may run several bot processes and a
load balancer that hands each request to one of them. The emulator folds that balancer in:
given worker URLs, each delivery goes to one worker, chosen round robin or by fewest requests
in flight, and a worker that cannot be reached is left out for a while, as nginx does with
`max_fails=1 fail_timeout=...`. Without worker URLs every delivery goes to the webhook URL.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args
from urllib.parse import urlsplit

Policy = Literal["round_robin", "least_busy"]
POLICIES: tuple[str, ...] = get_args(Policy)


@dataclass(eq=False)
class Worker:
    """One place deliveries go to, and what the balancer knows of it."""

    url: str
    in_flight: int = 0
    down_until: float = 0.0  # the balancer's clock; before it, the worker is left out

    def up(self, now: float) -> bool:
        return now >= self.down_until


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_worker_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not is_loopback_host(parts.hostname):
        raise ValueError(f"the emulator only delivers to loopback addresses, not {url!r}")
    return url


def check_policy(policy: str) -> Policy:
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; choose from {', '.join(POLICIES)}")
    return policy  # type: ignore[return-value]


class LoadBalancer:
    """Chooses the worker for each delivery."""

    def __init__(
        self,
        urls: Sequence[str] = (),
        *,
        policy: str = "round_robin",
        down_for: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.down_for = down_for
        self.clock = clock
        self.policy: Policy = "round_robin"
        self._workers: list[Worker] = []
        self._cursor = 0
        self._direct: Worker | None = None
        self.configure(urls, policy)

    def configure(self, urls: Sequence[str], policy: str | None = None) -> None:
        """Replace the worker list (empty: deliver to the webhook URL itself). Deliveries in
        flight finish where they are; a worker that stays keeps its state."""
        checked = [check_worker_url(url) for url in urls]
        if len(set(checked)) != len(checked):
            raise ValueError("a worker URL is listed twice")
        if policy is not None:
            self.policy = check_policy(policy)
        known = {worker.url: worker for worker in self._workers}
        self._workers = [known.get(url) or Worker(url) for url in checked]
        self._cursor = 0

    @property
    def workers(self) -> list[Worker]:
        return list(self._workers)

    def pick(self, webhook_url: str) -> Worker:
        if not self._workers:
            if self._direct is None or self._direct.url != webhook_url:
                self._direct = Worker(webhook_url)
            return self._direct
        count = len(self._workers)
        rotation = [self._workers[(self._cursor + i) % count] for i in range(count)]
        now = self.clock()
        candidates = [worker for worker in rotation if worker.up(now)]
        if not candidates:
            # All are down: try the one that has been down longest; the attempt may fail again.
            candidates = [min(rotation, key=lambda worker: worker.down_until)]
        if self.policy == "least_busy":
            chosen = min(candidates, key=lambda worker: worker.in_flight)  # ties: rotation order
        else:
            chosen = candidates[0]
        self._cursor = (self._workers.index(chosen) + 1) % count
        return chosen

    def unreachable(self, worker: Worker) -> None:
        """The connection failed or timed out: leave the worker out for `down_for` seconds."""
        worker.down_until = self.clock() + self.down_for

    def reachable(self, worker: Worker) -> None:
        worker.down_until = 0.0
