"""Writing to the anonymous side so that neither an id nor a place in the file tells when.

Rows there (responses, open answers) have random ids. Their place in the file could still hint
at the order of writing (SQLite appends a new cell after the others on a page), so each new row
also moves a few other rows of the same group to fresh random ids, in a shuffled order: the
newest rows of a group are then the latest one and `MIXED` others, and in a group no larger
than `MIXED + 1` every row is rewritten each time.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable
from typing import Final, Literal

from bot.storage.database import dialect_of, fetch_all
from bot.storage.engine import Connection, Dialect
from bot.surveys.vocabulary import Profile

MIXED: Final[int] = 5
# SQLite integer keys are signed 64-bit; keep random ids positive and well spread.
_ID_BITS: Final[int] = 62
# The tables whose rows are mixed: each has `id`, `session_id` and `profile`, and an index
# that starts with (session_id, profile).
Table = Literal["responses", "open_answers"]

shuffle = random.SystemRandom().shuffle
# Random ids as one parameter, each a row `j.value`.
_EACH_PICK: dict[Dialect, tuple[str, Callable[[list[int]], object]]] = {
    "sqlite": ("json_each(:picks) AS j", json.dumps),
    "postgresql": ("unnest(:picks::bigint[]) AS j (value)", list),
}


def random_id() -> int:
    return secrets.randbits(_ID_BITS) + 1


async def others(
    connection: Connection, table: Table, *, session_id: int, profile: Profile
) -> list[int]:
    """MIXED distinct rows of the group picked at random through the index (a few fewer when
    two picks meet), or all of them in a group no larger than MIXED.

    On PostgreSQL the group is first held until the transaction ends: two completions of one
    group at once (READ COMMITTED, several workers) would otherwise pick the same rows to
    move, and deadlock or find a row gone. SQLite's write transactions take turns anyway."""
    if dialect_of(connection) == "postgresql":
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
            (f"selfie-mixing:{table}:{session_id}:{profile}",),
        )
    rows = await fetch_all(
        connection,
        f"SELECT id FROM {table} WHERE session_id = ? AND profile = ? LIMIT ?",
        (session_id, profile, MIXED + 1),
    )
    if len(rows) <= MIXED:
        return [row["id"] for row in rows]
    each, listed = _EACH_PICK[dialect_of(connection)]
    rows = await fetch_all(
        connection,
        f"""
        SELECT DISTINCT coalesce(
            (SELECT id FROM {table} WHERE session_id = :s AND profile = :p AND id >= j.value
             ORDER BY id LIMIT 1),
            (SELECT min(id) FROM {table} WHERE session_id = :s AND profile = :p)) AS id
        FROM {each}
        """,
        {"s": session_id, "p": profile, "picks": listed([random_id() for _ in range(MIXED)])},
    )
    return [row["id"] for row in rows if row["id"] is not None]
