"""Counts of answers by hand, as the scoring reads them from the database: for tests of what
is computed and written from them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.storage.records import Session
from bot.surveys.scoring import Counts, SessionTallies, StatementTally
from bot.surveys.vocabulary import Profile

START = date(2026, 11, 23)


def session_record(session_id: int = 1, start: date = START) -> Session:
    """A closed two-week upper-secondary session."""
    opens = datetime.combine(start, time(0), UTC)
    return Session(
        id=session_id,
        school_id=1,
        school_name="Rīgas 1. vidusskola",
        level="upper-secondary",
        start_date=start,
        end_date=start + timedelta(days=13),
        timezone="Europe/Riga",
        opens_at=opens,
        closes_at=opens + timedelta(days=14),
        status="closed",
        created_by=500,
        closed_at=None,
    )


def tallies(
    counts: dict[tuple[str, Profile], Counts],
    respondents: dict[Profile, int],
    *,
    codes: frozenset[str] | None = None,
    session: Session | None = None,
) -> SessionTallies:
    """Tallies of these counts per (statement, group); the codes default to those counted."""
    return SessionTallies(
        session=session or session_record(),
        codes=codes if codes is not None else frozenset(c for c, _ in counts),
        respondents=respondents,
        area_respondents={},
        statements=[StatementTally(code, p, c) for (code, p), c in counts.items()],
    )
