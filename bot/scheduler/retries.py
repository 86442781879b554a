"""When a report (or the badge sent with it) that could not be made or sent is tried again.

A failed attempt is recorded on its delivery (bot/storage/deliveries.py) with the instant of
the next one, so the schedule lives in the database and survives a restart; the scheduler's
tick takes what is due. The first failure of a report also claims a notice that tells the
coordinator it is delayed, and the last one a notice that it will not be tried again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

REPORT = "report"
# The school's badge, claimed with the report when the session earned it.
BADGE = "badge"
# Notices about a report to one coordinator; each is claimed once, like any delivery.
REPORT_DELAYED = "report-delayed"
REPORT_ABANDONED = "report-abandoned"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """The backoff of retried deliveries: 1 min, 5 min, 30 min, 2 h, then every 6 h, until
    `max_attempts` attempts have failed (with the defaults the last one comes 44 h 36 min
    after the first: "about two days", as the delay notice says)."""

    first_delays: tuple[timedelta, ...] = (
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
    )
    then_every: timedelta = timedelta(hours=6)
    max_attempts: int = 12
    # Longer than any one attempt takes (drawing, and Telegram's 429s and 5xx waited out in
    # the broadcaster): a due retry taken by a process that died is taken again after this.
    lease: timedelta = timedelta(minutes=15)
    kinds: frozenset[str] = frozenset({REPORT, REPORT_DELAYED, BADGE})

    def retried(self, kind: str) -> bool:
        return kind in self.kinds

    def delay_after(self, failed: int) -> timedelta | None:
        """How long to wait after the `failed`-th failed attempt (1, 2 …); None: give up."""
        if failed < 1:
            raise ValueError("no attempt has failed yet")
        if failed >= self.max_attempts:
            return None
        if failed <= len(self.first_delays):
            return self.first_delays[failed - 1]
        return self.then_every

    def next_attempt(self, failed: int, now: datetime) -> datetime | None:
        delay = self.delay_after(failed)
        return None if delay is None else now + delay
