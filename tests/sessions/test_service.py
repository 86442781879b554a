from datetime import date

import pytest

from bot.clock import FixedClock
from bot.sessions.service import SessionRequest, SessionSetupError, check_request, create_session
from bot.storage import Database
from bot.storage.database import fetch_all
from bot.surveys.bank import Bank
from bot.surveys.questionnaire import OwnStatement
from bot.surveys.vocabulary import Level, Profile

START, END = date(2026, 11, 23), date(2026, 12, 6)


async def create(db: Database, bank: Bank, clock: FixedClock, **changes: object) -> int:
    request: dict[str, object] = {
        "school_name": "Rīgas 1. vidusskola",
        "coordinator_id": 500,
        "level": "vet",
        "start": START,
        "end": END,
        "timezone": "Europe/Riga",
    }
    created = await create_session(db, bank=bank, now=clock.now(), **(request | changes))  # type: ignore[arg-type]
    return created.session_id


async def test_the_school_name_is_kept_on_one_line(
    db: Database, bank: Bank, clock: FixedClock
) -> None:
    await create(db, bank, clock, school_name="  Rīgas\n1.\t vidusskola ")
    async with db.read() as connection:
        [(name,)] = await fetch_all(connection, "SELECT name FROM schools")
    assert name == "Rīgas 1. vidusskola"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"school_name": "Rīgas\x00 skola"}, "the school name contains U+0000"),
        ({"school_name": "Skola \u202eX"}, "the school name contains U+202E"),
        ({"school_name": "Skola\x85"}, "the school name contains U+0085"),
        ({"coordinator_id": 99999999999999999999999}, "coordinator: 9999"),
        ({"coordinator_id": 2**52}, "is not a Telegram user id"),
        ({"coordinator_id": 0}, "is not a Telegram user id"),
        ({"coordinator_id": -7}, "is not a Telegram user id"),
    ],
)
async def test_a_refused_request_writes_nothing(
    db: Database, bank: Bank, clock: FixedClock, changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(SessionSetupError, match=problem.replace("+", r"\+")):
        await create(db, bank, clock, **changes)
    async with db.read() as connection:
        for table in ("schools", "sessions", "coordinators", "invites"):
            assert await fetch_all(connection, f"SELECT * FROM {table}") == [], table


def test_own_statements_are_checked_however_they_were_made(bank: Bank, clock: FixedClock) -> None:
    """Own statements that did not come through the dialogue or the one-line format."""
    for own, problem in (
        (OwnStatement("S1", "C", frozenset({"teacher"}), "Text\x7f"), "own statement S1"),
        (
            OwnStatement("S2", "C", frozenset({"teacher"}), "Text", help="Help\u2066"),
            "the help of own statement S2",
        ),
    ):
        with pytest.raises(SessionSetupError, match=problem):
            check_request(
                bank=bank,
                now=clock.now(),
                school_name="Skola",
                level="vet",
                start=START,
                end=END,
                timezone="Europe/Riga",
                own=[own],
            )


async def test_a_work_based_learning_session_has_a_link_for_trainers(
    db: Database, bank: Bank, clock: FixedClock
) -> None:
    vet = await create(db, bank, clock, school_name="A")
    wbl = await create(db, bank, clock, school_name="B", level="wbl")
    async with db.read() as connection:
        rows = await fetch_all(
            connection, "SELECT session_id, profile FROM invites ORDER BY session_id, profile"
        )
    assert [tuple(row) for row in rows] == [
        (vet, "leader"), (vet, "student"), (vet, "teacher"),
        (wbl, "leader"), (wbl, "student"), (wbl, "teacher"), (wbl, "trainer"),
    ]  # fmt: skip


def test_own_statements_keep_the_groups_of_the_level(bank: Bank, clock: FixedClock) -> None:
    everyone: frozenset[Profile] = frozenset({"leader", "teacher", "student", "trainer"})
    mine = [OwnStatement("S1", "C", everyone, "Text"), OwnStatement("S2", "C", everyone, "Two")]

    def request(level: Level, own: list[OwnStatement]) -> SessionRequest:
        return check_request(
            bank=bank,
            now=clock.now(),
            school_name="Skola",
            level=level,
            start=START,
            end=END,
            timezone="Europe/Riga",
            own=own,
        )

    assert [s.profiles for s in request("wbl", mine).own] == [everyone, everyone]
    assert [s.profiles for s in request("vet", mine).own] == [everyone - {"trainer"}] * 2
    trainers_only = OwnStatement("S1", "C", frozenset({"trainer"}), "Text")
    assert request("wbl", [trainers_only]).own == (trainers_only,)
    with pytest.raises(SessionSetupError, match="S1: none of its groups answers at level vet"):
        request("vet", [trainers_only])
