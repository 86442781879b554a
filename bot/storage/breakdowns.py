"""The SQL behind the breakdowns by the answers about the respondents: counts and sums over
completed responses that gave the same answers, never a response on its own."""

from __future__ import annotations

from typing import cast

from bot.storage.database import dialect_of, fetch_all
from bot.storage.engine import Connection
from bot.storage.results import BANK_ANSWER
from bot.surveys.breakdowns import AreaSums, BackgroundTally
from bot.surveys.vocabulary import Profile


async def background_tallies(connection: Connection, *, session_id: int) -> list[BackgroundTally]:
    """Per group and stored answers about the respondents: how many responses, and per area of
    the bank how many of them gave 1–5 answers there, how many and their sum."""
    groups = await fetch_all(
        connection,
        "SELECT profile, background, count(*) AS respondents FROM responses"
        " WHERE session_id = ? GROUP BY profile, background",
        (session_id,),
    )
    rows = await fetch_all(
        connection,
        f"""
        SELECT profile, background, area, count(*) AS respondents, sum(answers) AS answers,
               sum(total) AS total
        FROM (
            SELECT r.profile AS profile, r.background AS background,
                   substr(a.code, 1, 1) AS area, count(*) AS answers, sum(a.value) AS total
            FROM responses r JOIN answers a ON a.response_id = r.id
            WHERE r.session_id = ? AND a.value > 0 AND {BANK_ANSWER[dialect_of(connection)]}
            GROUP BY r.id, area
        ) AS per_response
        GROUP BY profile, background, area
        """,
        (session_id,),
    )
    areas: dict[tuple[str, str], dict[str, AreaSums]] = {}
    for row in rows:
        areas.setdefault((row["profile"], row["background"]), {})[row["area"]] = AreaSums(
            respondents=int(row["respondents"]),
            answers=int(row["answers"]),
            total=int(row["total"]),
        )
    return [
        BackgroundTally(
            profile=cast(Profile, row["profile"]),
            background=row["background"],
            respondents=int(row["respondents"]),
            areas=areas.get((row["profile"], row["background"]), {}),
        )
        for row in groups
    ]
