"""The reminder plan of a session: pure calendar arithmetic, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    # Points in the period (as fractions of its length) at which a round goes out.
    fractions: tuple[float, ...] = (1 / 3, 2 / 3)
    # A last round on the morning of the last day.
    last_day_at: time | None = time(9, 30)
    # Civil hours, in the session's time zone: nothing is sent outside [day_start, day_end).
    day_start: time = time(9, 0)
    day_end: time = time(20, 0)
    # No person receives more reminders than this over a session.
    max_per_person: int = 3
    # Rounds closer together than this are merged into the earlier one.
    min_gap: timedelta = timedelta(hours=12)

    def __post_init__(self) -> None:
        if not self.day_start < self.day_end:
            raise ValueError("the reminder day must start before it ends")
        if any(not 0 < f < 1 for f in self.fractions):
            raise ValueError("reminder fractions must lie strictly between 0 and 1")
        if self.max_per_person < 0:
            raise ValueError("max_per_person cannot be negative")


def in_daytime(instant: datetime, timezone: str, policy: ReminderPolicy) -> bool:
    local = instant.astimezone(ZoneInfo(timezone)).time()
    return policy.day_start <= local < policy.day_end


def _into_daytime(instant: datetime, timezone: str, policy: ReminderPolicy) -> datetime:
    """The instant itself if in civil hours, else the next start of the day."""
    zone = ZoneInfo(timezone)
    local = instant.astimezone(zone)
    if policy.day_start <= local.time() < policy.day_end:
        return instant
    day = local.date() if local.time() < policy.day_start else local.date() + timedelta(days=1)
    return datetime.combine(day, policy.day_start, zone).astimezone(instant.tzinfo)


def reminder_times(
    opens_at: datetime, closes_at: datetime, timezone: str, policy: ReminderPolicy
) -> list[datetime]:
    """When the rounds of a session go out: inside the period and civil hours, in order."""
    length = closes_at - opens_at
    candidates = [opens_at + length * fraction for fraction in policy.fractions]
    if policy.last_day_at is not None:
        zone = ZoneInfo(timezone)
        last_day = closes_at.astimezone(zone).date()
        candidates.append(
            datetime.combine(last_day, policy.last_day_at, zone).astimezone(opens_at.tzinfo)
        )
    times: list[datetime] = []
    for candidate in sorted(_into_daytime(c, timezone, policy) for c in candidates):
        if not opens_at <= candidate < closes_at:
            continue
        if times and candidate - times[-1] < policy.min_gap:
            continue
        times.append(candidate)
    return times


def due_round(
    times: list[datetime], now: datetime, timezone: str, policy: ReminderPolicy
) -> int | None:
    """The 1-based round to run now: the latest one whose time has come, if now is civil.

    Rounds missed while the bot was down are not all sent late: only the latest one is.
    """
    passed = [number for number, at in enumerate(times, start=1) if at <= now]
    if not passed or not in_daytime(now, timezone, policy):
        return None
    return passed[-1]
