"""What a session asks its respondents besides the statements (bot/surveys/respondents.py)."""

from __future__ import annotations

from typing import cast

from bot.storage.database import fetch_all, fetch_one
from bot.storage.engine import Connection
from bot.surveys.open_questions import OpenQuestion
from bot.surveys.respondents import RespondentQuestions
from bot.surveys.vocabulary import PROFILES, Language, Profile


async def set_respondent_questions(
    connection: Connection, *, session_id: int, questions: RespondentQuestions
) -> None:
    await connection.execute("DELETE FROM session_background WHERE session_id = ?", (session_id,))
    if questions.background:
        await connection.execute(
            "INSERT INTO session_background (session_id) VALUES (?)", (session_id,)
        )
    await connection.execute(
        "DELETE FROM session_open_questions WHERE session_id = ?", (session_id,)
    )
    await connection.executemany(
        "INSERT INTO session_open_questions (session_id, profile, key, text, language)"
        " VALUES (?, ?, ?, ?, ?)",
        [(session_id, q.profile, q.key, q.text, q.language) for q in questions.open_questions],
    )


async def respondent_questions(connection: Connection, *, session_id: int) -> RespondentQuestions:
    asked = await fetch_one(
        connection, "SELECT 1 FROM session_background WHERE session_id = ?", (session_id,)
    )
    rows = await fetch_all(
        connection,
        "SELECT profile, key, text, language FROM session_open_questions WHERE session_id = ?",
        (session_id,),
    )
    found = {
        row["profile"]: OpenQuestion(
            profile=cast(Profile, row["profile"]),
            key=row["key"],
            text=row["text"],
            language=cast(Language | None, row["language"]),
        )
        for row in rows
    }
    return RespondentQuestions(
        background=asked is not None,
        open_questions=tuple(found[p] for p in PROFILES if p in found),
    )
