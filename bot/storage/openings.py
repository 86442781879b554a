"""Requests to be told when a session opens, made by people who opened its link too early."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from bot.storage.database import fetch_all, fetch_one
from bot.storage.engine import Connection
from bot.storage.records import to_epoch
from bot.surveys.vocabulary import Language, Profile


@dataclass(frozen=True, slots=True)
class OpeningRequest:
    session_id: int
    chat_id: int
    profile: Profile
    language: Language


async def add_request(
    connection: Connection,
    *,
    session_id: int,
    telegram_id: int,
    chat_id: int,
    profile: Profile,
    language: Language,
    now: datetime,
) -> bool:
    """Record the request; False when this person asked already (the first request stays)."""
    cursor = await connection.execute(
        "INSERT INTO opening_requests"
        " (session_id, telegram_id, chat_id, profile, language, requested_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (session_id, telegram_id, chat_id, profile, language, to_epoch(now)),
    )
    return cursor.rowcount == 1


async def waiting_chats(connection: Connection, *, session_id: int) -> list[int]:
    rows = await fetch_all(
        connection,
        "SELECT chat_id FROM opening_requests WHERE session_id = ? ORDER BY requested_at, chat_id",
        (session_id,),
    )
    return [row["chat_id"] for row in rows]


async def request_of(
    connection: Connection, *, session_id: int, chat_id: int
) -> OpeningRequest | None:
    row = await fetch_one(
        connection,
        "SELECT session_id, chat_id, profile, language FROM opening_requests"
        " WHERE session_id = ? AND chat_id = ?",
        (session_id, chat_id),
    )
    if row is None:
        return None
    return OpeningRequest(
        session_id=row["session_id"],
        chat_id=row["chat_id"],
        profile=cast(Profile, row["profile"]),
        language=cast(Language, row["language"]),
    )


async def sessions_awaited_by(connection: Connection, *, telegram_id: int) -> list[int]:
    """The sessions this person asked to be told of, for what the bot keeps about them."""
    rows = await fetch_all(
        connection,
        "SELECT session_id FROM opening_requests WHERE telegram_id = ? ORDER BY requested_at",
        (telegram_id,),
    )
    return [row["session_id"] for row in rows]
