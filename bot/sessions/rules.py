"""A school's rules for its sessions, as in SELFIE: at most three a school year (September to
August), and no two of one education level at the same time. Cancelled sessions do not count.

`check_rules` reads the school's sessions in the caller's write transaction, the one that goes on
to write the session. Such a transaction holds the database's write lock from its start
(BEGIN IMMEDIATE, in every process), so two creations at once are checked one after the other
and the second sees the first: they cannot both pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.sessions.period import Period, PeriodError
from bot.storage import schools as school_queries
from bot.storage import sessions as session_queries
from bot.storage.engine import Connection
from bot.storage.records import Session
from bot.surveys.vocabulary import Level

MAX_SESSIONS_PER_YEAR = 3
# The school year begins in September.
FIRST_MONTH = 9

Conflict = Literal["year_full", "overlap"]


def school_year(day: date) -> int:
    """The calendar year in which the school year of `day` begins: 2026 for 2026/27."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def year_label(first: int) -> str:
    return f"{first}/{(first + 1) % 100:02d}"


def _year_of(opens_at: datetime, zone: str) -> int:
    return school_year(opens_at.astimezone(ZoneInfo(zone)).date())


def _ends_at(session: Session) -> datetime:
    """When answers end: the planned close, or an earlier close now."""
    if session.closed_at is not None:
        return min(session.closed_at, session.closes_at)
    return session.closes_at


class SessionConflict(PeriodError):
    """The dates break a school rule: the school year has its sessions already (`sessions` are
    that year's), or they overlap a session of the same level (`sessions` holds it)."""

    def __init__(self, problem: Conflict, *, school_year: int, sessions: tuple[Session, ...]):
        listed = ", ".join(
            f"#{s.number} ({s.start_date} to {s.end_date}, {s.level})" for s in sessions
        )
        if problem == "year_full":
            message = (
                f"the school has {MAX_SESSIONS_PER_YEAR} sessions in the school year "
                f"{year_label(school_year)} (September to August) already: {listed}; cancel one "
                "that has not opened, or choose dates in another school year"
            )
        else:
            message = f"the dates overlap session {listed} of the same level; choose other dates"
        super().__init__(problem, message)
        self.school_year = school_year
        self.sessions = sessions


def check_against(sessions: Iterable[Session], *, level: Level, period: Period, zone: str) -> None:
    """SessionConflict if a session of `level` over `period` breaks a rule, next to the
    school's other `sessions`; `zone` (the bot's time zone) says where a school year begins."""
    others = [s for s in sessions if s.status != "cancelled"]
    year = _year_of(period.opens_at, zone)
    same_year = tuple(s for s in others if _year_of(s.opens_at, zone) == year)
    if len(same_year) >= MAX_SESSIONS_PER_YEAR:
        raise SessionConflict("year_full", school_year=year, sessions=same_year)
    for other in others:
        if (
            other.level == level
            and period.opens_at < _ends_at(other)
            and other.opens_at < period.closes_at
        ):
            raise SessionConflict("overlap", school_year=year, sessions=(other,))


async def check_rules(
    connection: Connection,
    *,
    school_id: int,
    level: Level,
    period: Period,
    zone: str,
    changing: int | None = None,
) -> None:
    """`check_against` the school's sessions as stored, but for the one whose dates are
    `changing`; call it in the write transaction that then stores the dates."""
    await school_queries.lock_school(connection, school_id=school_id)
    sessions = await session_queries.school_sessions(connection, school_id=school_id)
    check_against((s for s in sessions if s.id != changing), level=level, period=period, zone=zone)
