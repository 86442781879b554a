"""The SQL behind a session's results: aggregates over completed responses.

Every response here is complete (the anonymous side holds nothing else). Every query starts from the
session's responses through `responses_by_session` and reaches their answers through the
answers' primary key (response_id, code), so the work grows with the session's own answers,
not with the whole table. Aggregation happens here, in SQL: Python receives a few hundred
tallies however many people answered. The one exception is `completed_answers`, which feeds the
row-by-row CSV export and streams its rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from typing import cast

from bot.storage.database import dialect_of, fetch_all, fetch_one, stream
from bot.storage.engine import Connection, Dialect
from bot.storage.records import Session
from bot.storage.sessions import groups_of, session_by_id
from bot.surveys.scoring import Counts, StatementTally
from bot.surveys.vocabulary import PROFILES, Profile

_EXPORT_BATCH = 2000


async def respondents(connection: Connection, *, session_id: int) -> dict[Profile, int]:
    """Completed responses per group of the session, zero when nobody completed."""
    rows = await fetch_all(
        connection,
        "SELECT profile, count(*) AS completed FROM responses"
        " WHERE session_id = ? GROUP BY profile",
        (session_id,),
    )
    found = {row["profile"]: row["completed"] for row in rows}
    groups = await groups_of(connection, session_id=session_id)
    return {profile: int(found.get(profile, 0)) for profile in groups}


async def statement_tallies(connection: Connection, *, session_id: int) -> list[StatementTally]:
    """For each (statement, group): how many completed responses gave each value 0..5."""
    rows = await fetch_all(
        connection,
        """
        SELECT a.code, r.profile,
               count(CASE WHEN a.value = 0 THEN 1 END) AS v0,
               count(CASE WHEN a.value = 1 THEN 1 END) AS v1,
               count(CASE WHEN a.value = 2 THEN 1 END) AS v2,
               count(CASE WHEN a.value = 3 THEN 1 END) AS v3,
               count(CASE WHEN a.value = 4 THEN 1 END) AS v4,
               count(CASE WHEN a.value = 5 THEN 1 END) AS v5
        FROM responses r JOIN answers a ON a.response_id = r.id
        WHERE r.session_id = ?
        GROUP BY a.code, r.profile
        """,
        (session_id,),
    )
    return [
        StatementTally(
            code=row["code"],
            profile=cast(Profile, row["profile"]),
            counts=cast(Counts, tuple(int(row[f"v{value}"]) for value in range(6))),
        )
        for row in rows
    ]


# "An answer `a` to a bank statement" (A1…H9, not an own statement S1…S10).
BANK_ANSWER: dict[Dialect, str] = {
    "sqlite": "a.code GLOB '[A-H]*'",
    "postgresql": "a.code ~ '^[A-H]'",
}
# The areas one response answered, comma-separated.
_AREAS_OF_RESPONSE: dict[Dialect, str] = {
    "sqlite": "group_concat(DISTINCT substr(a.code, 1, 1))",
    "postgresql": "string_agg(DISTINCT substr(a.code, 1, 1), ',')",
}


async def area_respondents(
    connection: Connection, *, session_id: int
) -> dict[tuple[str, Profile], int]:
    """For each (area, group) of the bank statements: respondents with at least one 1–5 answer.

    The inner query follows the index order (group, response), so it needs no sort over the
    answers: it reduces each response to the set of areas it answered, and the outer query
    counts responses per distinct set, a handful of rows that Python spreads over the areas.
    """
    dialect = dialect_of(connection)
    areas, bank_code = _AREAS_OF_RESPONSE[dialect], BANK_ANSWER[dialect]
    rows = await fetch_all(
        connection,
        f"""
        SELECT profile, areas, count(*) AS responses FROM (
            SELECT r.profile AS profile, {areas} AS areas
            FROM responses r JOIN answers a ON a.response_id = r.id
            WHERE r.session_id = ?
              AND a.value > 0 AND {bank_code}
            GROUP BY r.profile, r.id
        ) AS per_response
        GROUP BY profile, areas
        """,
        (session_id,),
    )
    counts: dict[tuple[str, Profile], int] = {}
    for row in rows:
        profile = cast(Profile, row["profile"])
        for area in row["areas"].split(","):
            key = (area, profile)
            counts[key] = counts.get(key, 0) + int(row["responses"])
    return counts


async def previous_session(connection: Connection, *, session_id: int) -> Session | None:
    """The school's latest closed session at the same level that ended before this one started."""
    row = await fetch_one(
        connection,
        """
        SELECT earlier.id FROM sessions AS this
        JOIN sessions AS earlier ON earlier.school_id = this.school_id
        WHERE this.id = ? AND earlier.level = this.level AND earlier.status = 'closed'
          AND earlier.end_date < this.start_date
        ORDER BY earlier.end_date DESC, earlier.id DESC
        LIMIT 1
        """,
        (session_id,),
    )
    if row is None:
        return None
    return await session_by_id(connection, session_id=row["id"])


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One answer of a completed response. `response_id` is only for grouping rows by
    response inside the export; it must never be written out."""

    response_id: int
    profile: Profile
    code: str
    value: int


async def completed_answers(
    connection: Connection, *, session_id: int, profiles: Collection[Profile]
) -> AsyncIterator[AnswerRow]:
    """Every answer of the completed responses of `profiles`, response by response.

    Groups come in PROFILES order and, within a group, responses in the order of their random
    id (the index order, so no sort is needed), which says nothing about who answered or when.
    """
    for profile in PROFILES:
        if profile not in profiles:
            continue
        batches = stream(
            connection,
            """
            SELECT r.id, a.code, a.value
            FROM responses r JOIN answers a ON a.response_id = r.id
            WHERE r.session_id = ? AND r.profile = ?
            ORDER BY r.id
            """,
            (session_id, profile),
            batch=_EXPORT_BATCH,
        )
        async for rows in batches:
            for response_id, code, value in rows:
                yield AnswerRow(response_id=response_id, profile=profile, code=code, value=value)
