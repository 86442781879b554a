"""The calendar rules of a self-reflection period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

MIN_DAYS = 7
MAX_DAYS = 21
# Answers are accepted until 23:59 on the last day, in the session's time zone.
CLOSING_TIME = time(23, 59)
# The years a date can be in, typed, from a button or on the command line: far enough either
# way for any self-reflection, and far from the ends of the calendar (year 1, year 9999),
# where the periods', the reminders' and the month view's date arithmetic would overflow.
FIRST_YEAR = 2000
LAST_YEAR = 2099

PeriodProblem = Literal[
    "end_before_start",
    "too_short",
    "too_long",
    "starts_in_past",
    "start_locked",
    "ends_in_past",
    "out_of_calendar",
    # The school's rules for sessions (bot/sessions/rules.py).
    "year_full",
    "overlap",
]
SessionState = Literal["draft", "scheduled", "open", "closed", "cancelled"]


class PeriodError(ValueError):
    def __init__(self, problem: PeriodProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date
    timezone: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def opens_at(self) -> datetime:
        return datetime.combine(self.start, time(0, 0), ZoneInfo(self.timezone)).astimezone(UTC)

    @property
    def closes_at(self) -> datetime:
        return datetime.combine(self.end, CLOSING_TIME, ZoneInfo(self.timezone)).astimezone(UTC)


def in_calendar(day: date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def check_period(start: date, end: date, timezone: str, *, now: datetime) -> Period:
    """A valid period of 7 to 21 days that does not start before today, or PeriodError."""
    period = _check_length(start, end, timezone)
    today = local_today(now, timezone)
    if start < today:
        raise PeriodError("starts_in_past", f"the start date {start} is before today ({today})")
    return period


def check_period_change(current: Period, start: date, end: date, *, now: datetime) -> Period:
    """New dates for an existing session, or PeriodError.

    Before the session opens the rules of a new period apply. Once it is open, the start stays
    (answers were given from then on) and the end may move within 7 to 21 days, but not to a
    day that is already over.
    """
    if now < current.opens_at:
        return check_period(start, end, current.timezone, now=now)
    if start != current.start:
        raise PeriodError(
            "start_locked", f"the session opened on {current.start}; its start cannot change"
        )
    period = _check_length(start, end, current.timezone)
    if period.closes_at <= now:
        raise PeriodError("ends_in_past", f"the end date {end} is already over")
    return period


def _check_length(start: date, end: date, timezone: str) -> Period:
    for day in (start, end):
        if not in_calendar(day):
            raise PeriodError(
                "out_of_calendar", f"{day} is not in the years {FIRST_YEAR} to {LAST_YEAR}"
            )
    if end < start:
        raise PeriodError("end_before_start", f"the end date {end} is before the start {start}")
    period = Period(start, end, timezone)
    if period.days < MIN_DAYS:
        raise PeriodError(
            "too_short", f"the period is {period.days} days; it must be at least {MIN_DAYS}"
        )
    if period.days > MAX_DAYS:
        raise PeriodError(
            "too_long", f"the period is {period.days} days; it must be at most {MAX_DAYS}"
        )
    return period


def latest_end(start: date) -> date:
    return start + timedelta(days=MAX_DAYS - 1)


def session_state(
    *, status: str, opens_at: datetime, closes_at: datetime, now: datetime
) -> SessionState:
    if status == "draft":
        return "draft"
    if status == "cancelled":
        return "cancelled"
    if status == "closed" or now >= closes_at:
        return "closed"
    if now < opens_at:
        return "scheduled"
    return "open"
