from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.scheduler.plan import ReminderPolicy, due_round, in_daytime, reminder_times
from bot.sessions.period import Period

RIGA = "Europe/Riga"
POLICY = ReminderPolicy()


def test_default_plan_of_a_two_week_session() -> None:
    period = Period(date(2026, 11, 23), date(2026, 12, 6), RIGA)
    times = reminder_times(period.opens_at, period.closes_at, RIGA, POLICY)
    local = [t.astimezone(ZoneInfo(RIGA)) for t in times]
    # The period runs 13 days 23 h 59 min. A third of it ends on 27 Nov at 15:59:40, in civil
    # hours; two thirds end on 2 Dec at 07:59:20, before 09:00, so that round waits till 09:00.
    assert [(t.date(), t.time().replace(microsecond=0)) for t in local] == [
        (date(2026, 11, 27), time(15, 59, 40)),
        (date(2026, 12, 2), time(9, 0)),
        (date(2026, 12, 6), time(9, 30)),
    ]


@given(
    start_offset=st.integers(0, 365),
    days=st.integers(7, 21),
    zone=st.sampled_from([RIGA, "UTC", "America/New_York", "Asia/Tokyo", "Pacific/Auckland"]),
    fractions=st.lists(st.floats(0.01, 0.99), max_size=5),
    start_hour=st.integers(0, 22),
    span=st.integers(1, 12),
)
def test_rounds_stay_inside_the_period_and_civil_hours(
    start_offset: int, days: int, zone: str, fractions: list[float], start_hour: int, span: int
) -> None:
    policy = ReminderPolicy(
        fractions=tuple(fractions),
        day_start=time(start_hour),
        day_end=time(min(start_hour + span, 23), 59),
    )
    start = date(2026, 1, 1) + timedelta(days=start_offset)
    period = Period(start, start + timedelta(days=days - 1), zone)
    times = reminder_times(period.opens_at, period.closes_at, zone, policy)
    assert times == sorted(times)
    for at in times:
        assert period.opens_at <= at < period.closes_at
        assert in_daytime(at, zone, policy)
    for earlier, later in pairwise(times):
        assert later - earlier >= policy.min_gap


def test_only_the_latest_missed_round_runs_and_only_in_civil_hours() -> None:
    period = Period(date(2026, 11, 23), date(2026, 12, 6), RIGA)
    times = reminder_times(period.opens_at, period.closes_at, RIGA, POLICY)
    assert due_round(times, times[0] - timedelta(minutes=1), RIGA, POLICY) is None
    assert due_round(times, times[0], RIGA, POLICY) == 1
    # Down from before round 2 until after it: round 2 runs, round 1 is not repeated.
    assert due_round(times, times[1] + timedelta(hours=1), RIGA, POLICY) == 2
    night = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
    assert due_round(times, night, RIGA, POLICY) is None
