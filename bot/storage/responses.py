"""The anonymous side: completed responses and their answers, and nothing about who or when.

A response is written here whole, at completion, under a fresh random id that nothing on the
person's side ever held. Its place in the file could still hint at the order of completions
(SQLite appends a new row after the others on a page), so each completion also moves a few
other responses of the same group to fresh random ids, in a shuffled order: the newest rows of
a group are then the latest completion and `MIXED` others, and in a group no larger than
`MIXED + 1` every response is rewritten each time.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable, Mapping

from bot.storage.database import dialect_of, fetch_all
from bot.storage.engine import Connection, Dialect
from bot.surveys.vocabulary import Profile

MIXED = 5
# SQLite integer keys are signed 64-bit; keep random ids positive and well spread.
_ID_BITS = 62
_shuffle = random.SystemRandom().shuffle


def _random_id() -> int:
    return secrets.randbits(_ID_BITS) + 1


async def _new_row(connection: Connection, *, session_id: int, profile: Profile) -> int:
    while True:
        response_id = _random_id()
        cursor = await connection.execute(
            "INSERT INTO responses (id, session_id, profile) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (response_id, session_id, profile),
        )
        if cursor.rowcount == 1:
            return response_id


# Random ids as one parameter, each a row `j.value`.
_EACH_PICK: dict[Dialect, tuple[str, Callable[[list[int]], object]]] = {
    "sqlite": ("json_each(:picks) AS j", json.dumps),
    "postgresql": ("unnest(:picks::bigint[]) AS j (value)", list),
}


async def _others(
    connection: Connection, *, session_id: int, profile: Profile, count: int
) -> list[int]:
    """`count` distinct responses of the group picked at random through the index (a few
    fewer when two picks meet), or all of them in a group no larger than `count`."""
    rows = await fetch_all(
        connection,
        "SELECT id FROM responses WHERE session_id = ? AND profile = ? LIMIT ?",
        (session_id, profile, count + 1),
    )
    if len(rows) <= count:
        return [row["id"] for row in rows]
    each, listed = _EACH_PICK[dialect_of(connection)]
    rows = await fetch_all(
        connection,
        f"""
        SELECT DISTINCT coalesce(
            (SELECT id FROM responses WHERE session_id = :s AND profile = :p AND id >= j.value
             ORDER BY id LIMIT 1),
            (SELECT min(id) FROM responses WHERE session_id = :s AND profile = :p)) AS id
        FROM {each}
        """,
        {"s": session_id, "p": profile, "picks": listed([_random_id() for _ in range(count)])},
    )
    return [row["id"] for row in rows if row["id"] is not None]


async def add_response(
    connection: Connection,
    *,
    session_id: int,
    profile: Profile,
    answers: Mapping[str, int],
) -> None:
    """Write one completed response, and move up to MIXED others of its group to new ids."""
    others = await _others(connection, session_id=session_id, profile=profile, count=MIXED)
    writes: list[int | None] = [None, *others]  # None: the new response
    _shuffle(writes)
    for old in writes:
        new = await _new_row(connection, session_id=session_id, profile=profile)
        if old is None:
            await connection.executemany(
                "INSERT INTO answers (response_id, code, value) VALUES (?, ?, ?)",
                [(new, code, value) for code, value in answers.items()],
            )
        else:
            await connection.execute(
                "UPDATE answers SET response_id = ? WHERE response_id = ?", (new, old)
            )
            await connection.execute("DELETE FROM responses WHERE id = ?", (old,))
