"""Which session follows which: a follow-up scheduled from a closed session's results."""

from __future__ import annotations

from bot.storage.database import fetch_one
from bot.storage.engine import Connection
from bot.storage.records import Session
from bot.storage.sessions import session_by_id


async def follow_up_of(connection: Connection, *, session_id: int) -> Session | None:
    row = await fetch_one(connection, "SELECT id FROM sessions WHERE follows = ?", (session_id,))
    if row is None:
        return None
    return await session_by_id(connection, session_id=row["id"])


async def record_follow_up(connection: Connection, *, session_id: int, follows: int) -> None:
    """Mark `session_id` as the follow-up of `follows` (the unique index refuses a second)."""
    await connection.execute("UPDATE sessions SET follows = ? WHERE id = ?", (follows, session_id))
