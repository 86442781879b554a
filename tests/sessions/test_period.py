from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sessions.period import (
    MAX_DAYS,
    MIN_DAYS,
    PeriodError,
    check_period,
    session_state,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_closes_at_2359_local_on_the_last_day() -> None:
    period = check_period(date(2026, 11, 23), date(2026, 12, 6), "Europe/Riga", now=NOW)
    # Riga is UTC+2 in winter.
    assert period.opens_at == datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
    assert period.closes_at == datetime(2026, 12, 6, 21, 59, tzinfo=UTC)
    assert period.days == 14


def test_summer_time_is_respected() -> None:
    now = datetime(2027, 3, 20, tzinfo=UTC)
    period = check_period(date(2027, 3, 22), date(2027, 4, 5), "Europe/Riga", now=now)
    assert period.opens_at.hour == 22  # UTC+2 before the switch
    assert period.closes_at == datetime(2027, 4, 5, 20, 59, tzinfo=UTC)  # UTC+3 after it


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (date(2026, 12, 1), date(2026, 11, 30), "end_before_start"),
        (date(2026, 12, 1), date(2026, 12, 6), "too_short"),
        (date(2026, 12, 1), date(2026, 12, 22), "too_long"),
        (date(2026, 11, 22), date(2026, 12, 1), "starts_in_past"),
        (date(2099, 12, 25), date(2100, 1, 3), "out_of_calendar"),
        (date(9999, 12, 22), date(9999, 12, 31), "out_of_calendar"),
    ],
)
def test_bad_periods_are_refused(start: date, end: date, problem: str) -> None:
    with pytest.raises(PeriodError) as raised:
        check_period(start, end, "Europe/Riga", now=NOW)
    assert raised.value.problem == problem


@given(
    offset=st.integers(min_value=0, max_value=400),
    length=st.integers(min_value=1, max_value=40),
)
def test_period_length_rule(offset: int, length: int) -> None:
    start = date.fromordinal(date(2026, 11, 23).toordinal() + offset)
    end = date.fromordinal(start.toordinal() + length - 1)
    if MIN_DAYS <= length <= MAX_DAYS:
        period = check_period(start, end, "Europe/Riga", now=NOW)
        assert period.opens_at < period.closes_at
    else:
        with pytest.raises(PeriodError):
            check_period(start, end, "Europe/Riga", now=NOW)


def test_session_state() -> None:
    opens = datetime(2026, 11, 23, tzinfo=UTC)
    closes = datetime(2026, 12, 6, tzinfo=UTC)
    state = {
        "before": session_state(
            status="active", opens_at=opens, closes_at=closes, now=opens.replace(day=22)
        ),
        "open": session_state(status="active", opens_at=opens, closes_at=closes, now=opens),
        "at_close": session_state(status="active", opens_at=opens, closes_at=closes, now=closes),
        "closed_early": session_state(status="closed", opens_at=opens, closes_at=closes, now=opens),
        "draft": session_state(status="draft", opens_at=opens, closes_at=closes, now=opens),
    }
    assert state == {
        "before": "scheduled",
        "open": "open",
        "at_close": "closed",
        "closed_early": "closed",
        "draft": "draft",
    }


def test_no_date_near_the_end_of_the_calendar_is_a_period_anywhere() -> None:
    """9999-12-31 23:59 in New York is past the last instant Python can hold in UTC."""
    for timezone in ("America/New_York", "Pacific/Kiritimati", "Europe/Riga"):
        with pytest.raises(PeriodError, match="not in the years 2000 to 2099"):
            check_period(date(9999, 12, 22), date(9999, 12, 31), timezone, now=NOW)
    period = check_period(date(2099, 12, 22), date(2099, 12, 31), "America/New_York", now=NOW)
    assert period.closes_at.year == 2100
