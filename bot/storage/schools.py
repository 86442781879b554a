"""Schools and their coordinators."""

from __future__ import annotations

from datetime import datetime

from bot.storage.database import dialect_of, fetch_all, fetch_one
from bot.storage.engine import Connection
from bot.storage.records import (
    Coordinator,
    CoordinatorInvite,
    School,
    from_epoch,
    to_epoch,
)


async def school_by_name(connection: Connection, *, name: str) -> School | None:
    row = await fetch_one(
        connection, "SELECT id, name FROM schools WHERE lower(name) = lower(?)", (name,)
    )
    return School(id=row["id"], name=row["name"]) if row else None


async def school_by_id(connection: Connection, *, school_id: int) -> School | None:
    row = await fetch_one(connection, "SELECT id, name FROM schools WHERE id = ?", (school_id,))
    return School(id=row["id"], name=row["name"]) if row else None


async def lock_school(connection: Connection, *, school_id: int) -> None:
    """Hold the school's row until the transaction ends, so that two processes checking and
    adding its sessions take turns (SQLite's write transactions take turns anyway)."""
    if dialect_of(connection) == "postgresql":
        await connection.execute("SELECT id FROM schools WHERE id = ? FOR UPDATE", (school_id,))


async def insert_school(connection: Connection, *, name: str, now: datetime) -> School:
    """The new school, or the one of that name (whatever the case) created a moment ago."""
    row = await fetch_one(
        connection,
        "INSERT INTO schools (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id",
        (name, to_epoch(now)),
    )
    if row is None:
        found = await school_by_name(connection, name=name)
        assert found is not None
        return found
    return School(id=row[0], name=name)


async def add_coordinator(
    connection: Connection,
    *,
    school_id: int,
    telegram_id: int,
    now: datetime,
    name: str | None = None,
) -> bool:
    """Register a coordinator; False when they already coordinate the school."""
    cursor = await connection.execute(
        "INSERT INTO coordinators (school_id, telegram_id, added_at, name) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (school_id, telegram_id, to_epoch(now), name),
    )
    return cursor.rowcount == 1


async def coordinators_of(connection: Connection, *, school_id: int) -> list[int]:
    rows = await fetch_all(
        connection,
        "SELECT telegram_id FROM coordinators WHERE school_id = ? ORDER BY added_at, telegram_id",
        (school_id,),
    )
    return [row["telegram_id"] for row in rows]


async def coordinator_entries(connection: Connection, *, school_id: int) -> list[Coordinator]:
    rows = await fetch_all(
        connection,
        "SELECT telegram_id, name FROM coordinators WHERE school_id = ?"
        " ORDER BY added_at, telegram_id",
        (school_id,),
    )
    return [Coordinator(telegram_id=row["telegram_id"], name=row["name"]) for row in rows]


async def is_coordinator(connection: Connection, *, school_id: int, telegram_id: int) -> bool:
    row = await fetch_one(
        connection,
        "SELECT 1 FROM coordinators WHERE school_id = ? AND telegram_id = ?",
        (school_id, telegram_id),
    )
    return row is not None


async def remove_coordinator(connection: Connection, *, school_id: int, telegram_id: int) -> bool:
    cursor = await connection.execute(
        "DELETE FROM coordinators WHERE school_id = ? AND telegram_id = ?",
        (school_id, telegram_id),
    )
    return cursor.rowcount == 1


async def schools_of(connection: Connection, *, telegram_id: int) -> list[School]:
    """The schools this person coordinates, by name."""
    rows = await fetch_all(
        connection,
        "SELECT s.id, s.name FROM schools s JOIN coordinators c ON c.school_id = s.id"
        " WHERE c.telegram_id = ? ORDER BY lower(s.name), s.id",
        (telegram_id,),
    )
    return [School(id=row["id"], name=row["name"]) for row in rows]


async def all_schools(connection: Connection) -> list[tuple[School, int, int]]:
    """Every school with its number of coordinators and of sessions, by name."""
    rows = await fetch_all(
        connection,
        """
        SELECT s.id, s.name,
               (SELECT count(*) FROM coordinators c WHERE c.school_id = s.id) AS coordinators,
               (SELECT count(*) FROM sessions x WHERE x.school_id = s.id) AS sessions
        FROM schools s ORDER BY lower(s.name), s.id
        """,
    )
    return [
        (School(id=row["id"], name=row["name"]), row["coordinators"], row["sessions"])
        for row in rows
    ]


async def insert_coordinator_invite(
    connection: Connection,
    *,
    token: str,
    school_id: int,
    created_by: int | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    await connection.execute(
        "INSERT INTO coordinator_invites (token, school_id, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (token, school_id, created_by, to_epoch(now), to_epoch(expires_at)),
    )


async def coordinator_invite(connection: Connection, *, token: str) -> CoordinatorInvite | None:
    row = await fetch_one(
        connection,
        "SELECT token, school_id, created_at, expires_at, used_by FROM coordinator_invites"
        " WHERE token = ?",
        (token,),
    )
    if row is None:
        return None
    return CoordinatorInvite(
        token=row["token"],
        school_id=row["school_id"],
        created_at=from_epoch(row["created_at"]),
        expires_at=from_epoch(row["expires_at"]),
        used_by=row["used_by"],
    )


async def use_coordinator_invite(
    connection: Connection, *, token: str, telegram_id: int, now: datetime
) -> bool:
    """Mark the invite used; False when it was used already (the claim is the guard)."""
    cursor = await connection.execute(
        "UPDATE coordinator_invites SET used_by = ?, used_at = ?"
        " WHERE token = ? AND used_by IS NULL",
        (telegram_id, to_epoch(now), token),
    )
    return cursor.rowcount == 1
