"""File names: one scheme, readable, unique per session, the session by its school's number."""

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.reporting.formatting import file_name
from bot.storage.records import Session

SESSION = Session(
    id=4, school_id=1, school_name="Cēsu Valsts ģimnāzija", level="upper-secondary",
    start_date=date(2026, 12, 1), end_date=date(2026, 12, 14), timezone="Europe/Riga",
    opens_at=datetime(2026, 11, 30, 22, tzinfo=UTC),
    closes_at=datetime(2026, 12, 14, 21, 59, tzinfo=UTC),
    status="closed", created_by=9, closed_at=None, number=2,
)  # fmt: skip


def test_names_say_school_session_day_and_what() -> None:
    assert file_name(SESSION, "zinojums", "pdf") == (
        "selfie-cesu-valsts-gimnazija-2-2026-12-01-zinojums.pdf"
    )


def test_two_sessions_starting_on_the_same_day_get_different_names() -> None:
    other = replace(SESSION, id=5, number=3)
    assert file_name(SESSION, "kopsavilkums", "csv") != file_name(other, "kopsavilkums", "csv")
