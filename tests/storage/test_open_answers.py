"""Answers to the open question: written apart, mixed with others of the group like responses."""

from collections import Counter

from bot.sessions.service import CreatedSession
from bot.storage import Database
from bot.storage.database import fetch_all
from bot.storage.mixing import MIXED
from bot.storage.open_answers import add_open_answer, open_answers
from bot.surveys.vocabulary import Profile


async def ids(db: Database, profile: str) -> dict[int, str]:
    async with db.read() as connection:
        rows = await fetch_all(
            connection, "SELECT id, text FROM open_answers WHERE profile = ?", (profile,)
        )
    return {row["id"]: row["text"] for row in rows}


async def add(db: Database, session_id: int, profile: Profile, text: str) -> None:
    async with db.transaction() as connection:
        await add_open_answer(connection, session_id=session_id, profile=profile, text=text)


async def test_each_answer_moves_a_small_group_whole_and_a_larger_one_in_part(
    db: Database, session: CreatedSession
) -> None:
    seen: set[int] = set()
    for number in range(1, MIXED + 2):
        await add(db, session.session_id, "teacher", f"Atbilde {number}")
        now = await ids(db, "teacher")
        assert not set(now) & seen  # every answer has a new id after each answer
        seen |= set(now)
        assert sorted(now.values()) == sorted(f"Atbilde {n}" for n in range(1, number + 1))
    for number in range(20):
        await add(db, session.session_id, "student", f"S{number}")
    before = await ids(db, "student")
    await add(db, session.session_id, "student", "S20")
    after = await ids(db, "student")
    assert 2 <= len(set(after) - set(before)) <= MIXED + 1
    assert Counter(after.values()) == Counter(before.values()) + Counter(["S20"])
    async with db.read() as connection:
        given = await open_answers(connection, session_id=session.session_id)
    assert sorted(given) == ["student", "teacher"] and len(given["student"]) == 21
