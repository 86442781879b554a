from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.sessions.follow_up import MONTHS, months_later, proposed_period, weekday_from
from bot.sessions.period import PeriodError
from bot.storage.records import Session

# Monday 23 November 2026 to Sunday 6 December 2026, closed.
CLOSED = Session(
    id=4,
    school_id=1,
    school_name="Ogres tehnikums",
    level="vet",
    start_date=date(2026, 11, 23),
    end_date=date(2026, 12, 6),
    timezone="Europe/Riga",
    opens_at=datetime(2026, 11, 22, 22, tzinfo=UTC),
    closes_at=datetime(2026, 12, 6, 21, 59, tzinfo=UTC),
    status="closed",
    created_by=500,
    closed_at=datetime(2026, 12, 6, 21, 59, tzinfo=UTC),
)
AT_CLOSE = datetime(2026, 12, 7, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 23), 3, date(2027, 2, 23)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # February is shorter
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # a leap year
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 31), 6, date(2027, 6, 30)),
        (date(2026, 5, 15), 6, date(2026, 11, 15)),
    ],
)
def test_months_later_keeps_the_day_or_takes_the_month_s_last(
    day: date, months: int, expected: date
) -> None:
    assert months_later(day, months) == expected


def test_a_weekend_day_moves_to_the_monday_after() -> None:
    friday, saturday, sunday, monday = (date(2027, 2, 26) + timedelta(days=n) for n in range(4))
    assert weekday_from(friday) == friday
    assert weekday_from(saturday) == monday
    assert weekday_from(sunday) == monday
    assert weekday_from(monday) == monday


def test_the_proposals_are_as_long_as_the_closed_session_and_open_on_a_weekday() -> None:
    periods = {months: proposed_period(CLOSED, months, now=AT_CLOSE) for months in MONTHS}
    assert MONTHS == (3, 6)
    # 23 February 2027 is a Tuesday; 23 May 2027 a Sunday, so the Monday after.
    assert (periods[3].start, periods[3].end) == (date(2027, 2, 23), date(2027, 3, 8))
    assert (periods[6].start, periods[6].end) == (date(2027, 5, 24), date(2027, 6, 6))
    for period in periods.values():
        assert period.days == 14
        assert period.start.weekday() < 5
        assert period.timezone == "Europe/Riga"


def test_results_read_long_after_the_close_count_the_months_from_today() -> None:
    much_later = datetime(2027, 4, 1, 8, tzinfo=UTC)  # a Thursday, past 23 February
    soon = proposed_period(CLOSED, 3, now=much_later)
    assert (soon.start, soon.end) == (date(2027, 7, 1), date(2027, 7, 14))
    later = proposed_period(CLOSED, 6, now=much_later)
    assert later.start == date(2027, 5, 24)  # 23 May is still ahead: from the session's start


def test_a_proposal_the_calendar_cannot_hold_is_refused() -> None:
    last = replace(CLOSED, start_date=date(2099, 9, 1), end_date=date(2099, 9, 14))
    with pytest.raises(PeriodError) as refused:
        proposed_period(last, 6, now=datetime(2099, 9, 20, tzinfo=UTC))
    assert refused.value.problem == "out_of_calendar"
