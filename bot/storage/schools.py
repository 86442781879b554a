"""Schools and their coordinators."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.storage.database import fetch_all, fetch_one
from bot.storage.records import School, to_epoch


async def school_by_name(connection: aiosqlite.Connection, *, name: str) -> School | None:
    row = await fetch_one(connection, "SELECT id, name FROM schools WHERE name = ?", (name,))
    return School(id=row["id"], name=row["name"]) if row else None


async def school_by_id(connection: aiosqlite.Connection, *, school_id: int) -> School | None:
    row = await fetch_one(connection, "SELECT id, name FROM schools WHERE id = ?", (school_id,))
    return School(id=row["id"], name=row["name"]) if row else None


async def insert_school(connection: aiosqlite.Connection, *, name: str, now: datetime) -> School:
    cursor = await connection.execute(
        "INSERT INTO schools (name, created_at) VALUES (?, ?)", (name, to_epoch(now))
    )
    assert cursor.lastrowid is not None
    return School(id=cursor.lastrowid, name=name)


async def add_coordinator(
    connection: aiosqlite.Connection, *, school_id: int, telegram_id: int, now: datetime
) -> bool:
    """Register a coordinator; False when they already coordinate the school."""
    cursor = await connection.execute(
        "INSERT INTO coordinators (school_id, telegram_id, added_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (school_id, telegram_id, to_epoch(now)),
    )
    return cursor.rowcount == 1


async def coordinators_of(connection: aiosqlite.Connection, *, school_id: int) -> list[int]:
    rows = await fetch_all(
        connection,
        "SELECT telegram_id FROM coordinators WHERE school_id = ? ORDER BY added_at, telegram_id",
        (school_id,),
    )
    return [row["telegram_id"] for row in rows]
