"""Participants, their in-progress responses and the answers in them."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

import aiosqlite

from bot.storage.database import fetch_all, fetch_one
from bot.storage.records import Participant, from_epoch, to_epoch
from bot.surveys.vocabulary import Language, Profile

_PARTICIPANT_COLUMNS = """
    id, session_id, telegram_id, chat_id, profile, language, joined_at, completed_at,
    response_id, reminders_muted, reminders_sent, unreachable
"""


def _participant(row: aiosqlite.Row) -> Participant:
    return Participant(
        id=row["id"],
        session_id=row["session_id"],
        telegram_id=row["telegram_id"],
        chat_id=row["chat_id"],
        profile=cast(Profile, row["profile"]),
        language=cast(Language, row["language"]),
        joined_at=from_epoch(row["joined_at"]),
        completed_at=from_epoch(row["completed_at"]) if row["completed_at"] is not None else None,
        response_id=row["response_id"],
        reminders_muted=bool(row["reminders_muted"]),
        reminders_sent=row["reminders_sent"],
        unreachable=bool(row["unreachable"]),
    )


async def participant(
    connection: aiosqlite.Connection, *, session_id: int, telegram_id: int
) -> Participant | None:
    row = await fetch_one(
        connection,
        f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE session_id = ? AND telegram_id = ?",
        (session_id, telegram_id),
    )
    return _participant(row) if row else None


async def participations(
    connection: aiosqlite.Connection, *, telegram_id: int
) -> list[Participant]:
    """Every session this person joined, the most recent first."""
    rows = await fetch_all(
        connection,
        f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE telegram_id = ?"
        " ORDER BY joined_at DESC, id DESC",
        (telegram_id,),
    )
    return [_participant(row) for row in rows]


async def insert_participant(
    connection: aiosqlite.Connection,
    *,
    session_id: int,
    telegram_id: int,
    chat_id: int,
    profile: Profile,
    language: Language,
    response_id: int,
    now: datetime,
) -> Participant:
    await connection.execute(
        "INSERT INTO responses (id, session_id, profile) VALUES (?, ?, ?)",
        (response_id, session_id, profile),
    )
    cursor = await connection.execute(
        """
        INSERT INTO participants (session_id, telegram_id, chat_id, profile, language, joined_at,
                                  response_id)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """,
        (session_id, telegram_id, chat_id, profile, language, to_epoch(now), response_id),
    )
    assert cursor.lastrowid is not None
    return Participant(
        id=cursor.lastrowid,
        session_id=session_id,
        telegram_id=telegram_id,
        chat_id=chat_id,
        profile=profile,
        language=language,
        joined_at=from_epoch(to_epoch(now)),
        completed_at=None,
        response_id=response_id,
        reminders_muted=False,
        reminders_sent=0,
        unreachable=False,
    )


async def response_exists(connection: aiosqlite.Connection, *, response_id: int) -> bool:
    row = await fetch_one(connection, "SELECT 1 FROM responses WHERE id = ?", (response_id,))
    return row is not None


async def place(
    connection: aiosqlite.Connection, *, response_id: int
) -> tuple[int, dict[str, int]] | None:
    """An unfinished response's position and its answers so far, in one query."""
    rows = await fetch_all(
        connection,
        "SELECT r.position, a.code, a.value FROM responses r"
        " LEFT JOIN answers a ON a.response_id = r.id WHERE r.id = ?",
        (response_id,),
    )
    if not rows:
        return None
    return rows[0]["position"], {row["code"]: row["value"] for row in rows if row["code"]}


async def set_position(
    connection: aiosqlite.Connection, *, response_id: int, position: int
) -> None:
    await connection.execute(
        "UPDATE responses SET position = ? WHERE id = ?", (position, response_id)
    )


async def record_answer(
    connection: aiosqlite.Connection, *, response_id: int, code: str, value: int
) -> None:
    await connection.execute(
        "INSERT INTO answers (response_id, code, value) VALUES (?, ?, ?)"
        " ON CONFLICT (response_id, code) DO UPDATE SET value = excluded.value",
        (response_id, code, value),
    )


async def answer_value(
    connection: aiosqlite.Connection, *, response_id: int, code: str
) -> int | None:
    row = await fetch_one(
        connection,
        "SELECT value FROM answers WHERE response_id = ? AND code = ?",
        (response_id, code),
    )
    return row["value"] if row else None


async def complete(
    connection: aiosqlite.Connection,
    *,
    participant_id: int,
    response_id: int,
    position: int,
    now: datetime,
    day: date,
) -> None:
    """Finish a response and cut its link to the person, in the caller's transaction."""
    await connection.execute(
        "UPDATE responses SET position = ?, completed_on = ? WHERE id = ?",
        (position, day.isoformat(), response_id),
    )
    await connection.execute(
        "UPDATE participants SET completed_at = ?, response_id = NULL WHERE id = ?",
        (to_epoch(now), participant_id),
    )


async def set_participant_language(
    connection: aiosqlite.Connection, *, telegram_id: int, language: Language
) -> None:
    await connection.execute(
        "UPDATE participants SET language = ? WHERE telegram_id = ?", (language, telegram_id)
    )


async def user_language(connection: aiosqlite.Connection, *, telegram_id: int) -> Language | None:
    row = await fetch_one(
        connection, "SELECT language FROM user_languages WHERE telegram_id = ?", (telegram_id,)
    )
    return cast(Language, row["language"]) if row else None


async def set_user_language(
    connection: aiosqlite.Connection, *, telegram_id: int, language: Language
) -> None:
    await connection.execute(
        "INSERT INTO user_languages (telegram_id, language) VALUES (?, ?)"
        " ON CONFLICT (telegram_id) DO UPDATE SET language = excluded.language",
        (telegram_id, language),
    )


async def set_reminders_muted(
    connection: aiosqlite.Connection, *, session_id: int, telegram_id: int, muted: bool
) -> bool:
    cursor = await connection.execute(
        "UPDATE participants SET reminders_muted = ? WHERE session_id = ? AND telegram_id = ?",
        (int(muted), session_id, telegram_id),
    )
    return cursor.rowcount == 1
