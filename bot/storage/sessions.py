"""Sessions, the statements they use, and their invite tokens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import cast

from bot.storage.database import fetch_all, fetch_one, insert_returning_id
from bot.storage.engine import Connection, Row
from bot.storage.records import GroupCount, Session, SessionStatus, from_epoch, to_epoch
from bot.surveys.questionnaire import OwnStatement, Translation
from bot.surveys.vocabulary import PROFILES, Level, Profile, profiles_at

_SESSION_FIELDS = (
    ("s.id", "id"),
    ("s.school_id", "school_id"),
    ("sc.name", "school_name"),
    ("s.level", "level"),
    ("s.start_date", "start_date"),
    ("s.end_date", "end_date"),
    ("s.timezone", "timezone"),
    ("s.opens_at", "opens_at"),
    ("s.closes_at", "closes_at"),
    ("s.status", "status"),
    ("s.created_by", "created_by"),
    ("s.closed_at", "closed_at"),
    ("s.number", "number"),
    ("s.cancelled_at", "cancelled_at"),
)


def session_columns(prefix: str = "") -> str:
    """A session's columns (from `sessions s JOIN schools sc`), each named `prefix` + field."""
    return ", ".join(f"{column} AS {prefix}{name}" for column, name in _SESSION_FIELDS)


_SESSION_COLUMNS = session_columns()


def session_of(row: Row, prefix: str = "") -> Session:
    """The session in a row selected with `session_columns(prefix)`."""
    cancelled = row[prefix + "cancelled_at"]
    closed = row[prefix + "closed_at"]
    return Session(
        id=row[prefix + "id"],
        school_id=row[prefix + "school_id"],
        school_name=row[prefix + "school_name"],
        level=cast(Level, row[prefix + "level"]),
        start_date=date.fromisoformat(row[prefix + "start_date"]),
        end_date=date.fromisoformat(row[prefix + "end_date"]),
        timezone=row[prefix + "timezone"],
        opens_at=from_epoch(row[prefix + "opens_at"]),
        closes_at=from_epoch(row[prefix + "closes_at"]),
        status="cancelled"
        if cancelled is not None
        else cast(SessionStatus, row[prefix + "status"]),
        created_by=row[prefix + "created_by"],
        closed_at=from_epoch(closed) if closed is not None else None,
        number=row[prefix + "number"],
        cancelled_at=from_epoch(cancelled) if cancelled is not None else None,
    )


async def insert_session(
    connection: Connection,
    *,
    school_id: int,
    level: Level,
    start_date: date,
    end_date: date,
    timezone: str,
    opens_at: datetime,
    closes_at: datetime,
    created_by: int,
    now: datetime,
    status: SessionStatus = "active",
) -> int:
    """A new session, numbered after the school's last one (cancelled ones included)."""
    return await insert_returning_id(
        connection,
        """
        INSERT INTO sessions (school_id, level, start_date, end_date, timezone, opens_at,
                              closes_at, status, created_by, created_at, number)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                (SELECT coalesce(max(number), 0) + 1 FROM sessions WHERE school_id = ?))
        RETURNING id
        """,
        (
            school_id,
            level,
            start_date.isoformat(),
            end_date.isoformat(),
            timezone,
            to_epoch(opens_at),
            to_epoch(closes_at),
            status,
            created_by,
            to_epoch(now),
            school_id,
        ),
    )


async def session_by_id(connection: Connection, *, session_id: int) -> Session | None:
    row = await fetch_one(
        connection,
        f"SELECT {_SESSION_COLUMNS} FROM sessions s JOIN schools sc ON sc.id = s.school_id"
        " WHERE s.id = ?",
        (session_id,),
    )
    return session_of(row) if row else None


async def add_session_statements(
    connection: Connection, *, session_id: int, codes: Iterable[str]
) -> None:
    await connection.executemany(
        "INSERT INTO session_statements (session_id, code) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(session_id, code) for code in codes],
    )


async def session_statement_codes(connection: Connection, *, session_id: int) -> frozenset[str]:
    rows = await fetch_all(
        connection, "SELECT code FROM session_statements WHERE session_id = ?", (session_id,)
    )
    return frozenset(row["code"] for row in rows)


async def own_statements(connection: Connection, *, session_id: int) -> list[OwnStatement]:
    rows = await fetch_all(
        connection,
        "SELECT code, area, profiles, text, help, language FROM own_statements"
        " WHERE session_id = ? ORDER BY CAST(substr(code, 2) AS INTEGER)",
        (session_id,),
    )
    texts = await fetch_all(
        connection,
        "SELECT code, language, text, help FROM own_statement_texts WHERE session_id = ?",
        (session_id,),
    )
    translations: dict[str, list[Translation]] = {}
    for row in texts:
        translations.setdefault(row["code"], []).append(
            Translation(row["language"], row["text"], row["help"])
        )
    statements = []
    for row in rows:
        statement = OwnStatement(
            code=row["code"],
            area=row["area"],
            profiles=frozenset(
                cast(Profile, p) for p in row["profiles"].split(",") if p in PROFILES
            ),
            text=row["text"],
            help=row["help"],
            language=row["language"],
        )
        for translation in translations.get(statement.code, []):
            statement = statement.translated(translation)
        statements.append(statement)
    return statements


async def insert_own_statement(
    connection: Connection, *, session_id: int, statement: OwnStatement
) -> None:
    await connection.execute(
        "INSERT INTO own_statements (session_id, code, area, profiles, text, help, language)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            session_id,
            statement.code,
            statement.area,
            ",".join(p for p in PROFILES if p in statement.profiles),
            statement.text,
            statement.help,
            statement.language,
        ),
    )
    await connection.executemany(
        "INSERT INTO own_statement_texts (session_id, code, language, text, help)"
        " VALUES (?, ?, ?, ?, ?)",
        [(session_id, statement.code, t.language, t.text, t.help) for t in statement.translations],
    )


async def insert_invite(
    connection: Connection, *, token: str, session_id: int, profile: Profile
) -> None:
    await connection.execute(
        "INSERT INTO invites (token, session_id, profile) VALUES (?, ?, ?)",
        (token, session_id, profile),
    )


async def invite(connection: Connection, *, token: str) -> tuple[int, Profile] | None:
    row = await fetch_one(
        connection, "SELECT session_id, profile FROM invites WHERE token = ?", (token,)
    )
    return (row["session_id"], cast(Profile, row["profile"])) if row else None


async def invites_of(connection: Connection, *, session_id: int) -> dict[Profile, str]:
    rows = await fetch_all(
        connection, "SELECT profile, token FROM invites WHERE session_id = ?", (session_id,)
    )
    found = {cast(Profile, row["profile"]): row["token"] for row in rows}
    return {profile: found[profile] for profile in PROFILES if profile in found}


async def groups_of(connection: Connection, *, session_id: int) -> tuple[Profile, ...]:
    """The groups that answer the session: those of its level (none for no session)."""
    row = await fetch_one(connection, "SELECT level FROM sessions WHERE id = ?", (session_id,))
    return profiles_at(cast(Level, row["level"])) if row else ()


async def group_counts(connection: Connection, *, session_id: int) -> dict[Profile, GroupCount]:
    """Joined and completed per group of the session, zero where nobody joined."""
    rows = await fetch_all(
        connection,
        "SELECT profile, count(*) AS joined, sum(completed) AS completed"
        " FROM participants WHERE session_id = ? GROUP BY profile",
        (session_id,),
    )
    found = {row["profile"]: GroupCount(row["joined"], row["completed"]) for row in rows}
    groups = await groups_of(connection, session_id=session_id)
    return {profile: found.get(profile, GroupCount(0, 0)) for profile in groups}


async def active_sessions(connection: Connection) -> list[Session]:
    """Sessions not closed yet, the soonest to close first."""
    rows = await fetch_all(
        connection,
        f"SELECT {_SESSION_COLUMNS} FROM sessions s JOIN schools sc ON sc.id = s.school_id"
        " WHERE s.status = 'active' AND s.cancelled_at IS NULL ORDER BY s.closes_at, s.id",
    )
    return [session_of(row) for row in rows]


async def school_sessions(connection: Connection, *, school_id: int) -> list[Session]:
    """A school's sessions that were not cancelled, the earliest first."""
    rows = await fetch_all(
        connection,
        f"SELECT {_SESSION_COLUMNS} FROM sessions s JOIN schools sc ON sc.id = s.school_id"
        " WHERE s.school_id = ? AND s.cancelled_at IS NULL ORDER BY s.opens_at, s.id",
        (school_id,),
    )
    return [session_of(row) for row in rows]


async def cancel_session(connection: Connection, *, session_id: int, now: datetime) -> bool:
    """Cancel a session that has not opened; False when it has, or was cancelled or closed.
    Its waiting requests to be told of the opening and the drafts that change it go too."""
    cursor = await connection.execute(
        "UPDATE sessions SET cancelled_at = ? WHERE id = ? AND status = 'active'"
        " AND cancelled_at IS NULL AND opens_at > ?",
        (to_epoch(now), session_id, to_epoch(now)),
    )
    if cursor.rowcount != 1:
        return False
    await connection.execute("DELETE FROM opening_requests WHERE session_id = ?", (session_id,))
    await connection.execute("DELETE FROM session_drafts WHERE session_id = ?", (session_id,))
    return True


async def sessions_coordinated_by(connection: Connection, *, telegram_id: int) -> list[Session]:
    """The sessions of every school this person coordinates, the latest start first."""
    rows = await fetch_all(
        connection,
        f"SELECT {_SESSION_COLUMNS} FROM sessions s JOIN schools sc ON sc.id = s.school_id"
        " JOIN coordinators c ON c.school_id = s.school_id AND c.telegram_id = ?"
        " ORDER BY s.opens_at DESC, s.id DESC",
        (telegram_id,),
    )
    return [session_of(row) for row in rows]


async def replace_statements(
    connection: Connection,
    *,
    session_id: int,
    codes: Iterable[str],
    own: Iterable[OwnStatement],
) -> None:
    """Set the bank statements and own statements of a session that has not started."""
    await connection.execute("DELETE FROM session_statements WHERE session_id = ?", (session_id,))
    await connection.execute("DELETE FROM own_statements WHERE session_id = ?", (session_id,))
    await add_session_statements(connection, session_id=session_id, codes=codes)
    for statement in own:
        await insert_own_statement(connection, session_id=session_id, statement=statement)


async def update_dates(
    connection: Connection,
    *,
    session_id: int,
    start_date: date,
    end_date: date,
    opens_at: datetime,
    closes_at: datetime,
) -> None:
    await connection.execute(
        "UPDATE sessions SET start_date = ?, end_date = ?, opens_at = ?, closes_at = ?"
        " WHERE id = ?",
        (
            start_date.isoformat(),
            end_date.isoformat(),
            to_epoch(opens_at),
            to_epoch(closes_at),
            session_id,
        ),
    )
