"""The follow-up of a closed session: the same level and statements some months on, so that
the school can measure its progress.

The proposed period is as long as the closed one and opens on a weekday. It lies the chosen
number of months after the closed session's start; when that day is already past (results read
long after the close), the months are counted from today instead.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from bot.sessions.period import Period, check_period, local_today
from bot.storage.records import Session

MONTHS: Final[tuple[int, ...]] = (3, 6)
SATURDAY: Final[int] = 5


@dataclass(frozen=True, slots=True)
class Offer:
    """What a follow-up of `session` would be: its period for each choice of MONTHS."""

    session: Session
    periods: Mapping[int, Period]
    optional: int  # the optional statements it repeats
    own: int  # the school's own statements it repeats, with their translations


@dataclass(frozen=True, slots=True)
class AlreadyFollowed:
    """The closed session has its follow-up already."""

    follow_up: Session


def months_later(day: date, months: int) -> date:
    """The same day of the month `months` on; the month's last day where it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def weekday_from(day: date) -> date:
    """The day itself on Monday to Friday, else the Monday after."""
    weekday = day.weekday()
    return day if weekday < SATURDAY else day + timedelta(days=7 - weekday)


def proposed_period(session: Session, months: int, *, now: datetime) -> Period:
    """The follow-up's period `months` on (PeriodError if the calendar cannot hold it)."""
    today = local_today(now, session.timezone)
    anchor = session.start_date
    if months_later(anchor, months) <= today:
        anchor = today
    start = weekday_from(months_later(anchor, months))
    end = start + (session.end_date - session.start_date)
    return check_period(start, end, session.timezone, now=now)
