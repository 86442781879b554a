"""The anonymous side: a completion writes the whole response and mixes its group."""

from collections import Counter

from bot.sessions.service import CreatedSession
from bot.storage import Database
from bot.storage.database import fetch_all
from bot.storage.mixing import MIXED
from bot.storage.responses import add_response
from bot.surveys.vocabulary import Profile


async def group(
    db: Database, session_id: int, profile: Profile
) -> dict[int, frozenset[tuple[str, int]]]:
    async with db.read() as connection:
        rows = await fetch_all(
            connection,
            "SELECT r.id, a.code, a.value FROM responses r JOIN answers a ON a.response_id = r.id"
            " WHERE r.session_id = ? AND r.profile = ?",
            (session_id, profile),
        )
    found: dict[int, set[tuple[str, int]]] = {}
    for response_id, code, value in rows:
        found.setdefault(response_id, set()).add((code, value))
    return {response_id: frozenset(pairs) for response_id, pairs in found.items()}


async def complete(db: Database, session_id: int, profile: Profile, value: int) -> None:
    async with db.transaction() as connection:
        await add_response(
            connection, session_id=session_id, profile=profile, answers={"A1": value, "B2": 0}
        )


async def test_a_small_group_gets_new_ids_for_every_response_at_each_completion(
    db: Database, session: CreatedSession
) -> None:
    seen: set[int] = set()
    for number in range(1, MIXED + 2):
        await complete(db, session.session_id, "leader", number % 6)
        now = await group(db, session.session_id, "leader")
        assert len(now) == number
        assert not set(now) & seen  # no response keeps an id from before this completion
        seen |= set(now)
        expected = Counter(frozenset({("A1", n % 6), ("B2", 0)}) for n in range(1, number + 1))
        assert Counter(now.values()) == expected  # the answers themselves are untouched


async def test_a_larger_group_mixes_a_few_others_and_keeps_every_answer(
    db: Database, session: CreatedSession
) -> None:
    for number in range(20):
        await complete(db, session.session_id, "student", number % 6)
    before = await group(db, session.session_id, "student")
    await complete(db, session.session_id, "student", 5)
    after = await group(db, session.session_id, "student")
    moved = set(after) - set(before)
    assert 2 <= len(moved) <= MIXED + 1  # the new one and up to MIXED others, at random
    assert Counter(after.values()) == Counter(before.values()) + Counter(
        [frozenset({("A1", 5), ("B2", 0)})]
    )
    teachers = await group(db, session.session_id, "teacher")
    assert not teachers  # other groups are never touched
