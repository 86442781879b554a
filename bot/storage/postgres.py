"""PostgreSQL, the engine for more than one process: a pool of asyncpg connections, each
adapted to the shape the storage modules use (`bot.storage.engine.Connection`).

The storage modules write SQL once, with SQLite's `?` and `:name` placeholders; the adapter
numbers them as PostgreSQL's `$1, $2, …` (once per statement text, cached). Transactions run
at READ COMMITTED: the statements that must not race (a reminder cap, a join, a claim) are
single statements whose conditions hold under it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from time import monotonic
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.database import Database, StorageError, migrations
from bot.storage.engine import Connection, Row

log = logging.getLogger(__name__)

# The tables whose removed or rewritten rows could link a person to a response: a purge
# vacuums them, so that no dead row version stays visible to the server (see README, Privacy).
_LINK_TABLES = ("progress", "participants", "responses", "answers", "open_answers", "open_pending")
# Vacuuming costs more than SQLite's checkpoint: after every completion at most this often,
# and the scheduler's next tick does what is left.
_PURGE_INTERVAL_S = 5.0
# One number for the migration lock of every selfie database on the server.
_MIGRATION_LOCK = 0x5E1F1E


@lru_cache(maxsize=1024)
def numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with `?` and `:name` placeholders written as `$n`, and the names in order of
    their numbers (empty for positional ones). Quoted text, identifiers, comments and `::`
    casts are left as they are."""
    out: list[str] = []
    names: list[str] = []
    position = 0
    index = 0
    length = len(sql)
    while index < length:
        char = sql[index]
        if char in "'\"":
            end = sql.find(char, index + 1)
            end = length if end < 0 else end + 1
            out.append(sql[index:end])
            index = end
        elif sql.startswith("--", index):
            end = sql.find("\n", index)
            end = length if end < 0 else end
            out.append(sql[index:end])
            index = end
        elif char == "?":
            position += 1
            out.append(f"${position}")
            index += 1
        elif char == ":" and sql.startswith("::", index):
            out.append("::")
            index += 2
        elif char == ":" and (match := _NAME.match(sql, index + 1)):
            name = match.group(0)
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
            index = match.end()
        else:
            out.append(char)
            index += 1
    if position and names:
        raise ValueError("a statement mixes ? and :name placeholders")
    return "".join(out), tuple(names)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _arguments(
    names: tuple[str, ...], parameters: Iterable[Any] | dict[str, Any] | None
) -> list[Any]:
    if parameters is None:
        return []
    if isinstance(parameters, dict):
        return [parameters[name] for name in names]
    return list(parameters)


def _count(status: str | None) -> int:
    """The row count of a command tag such as 'UPDATE 3' or 'INSERT 0 1'."""
    last = (status or "").rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class PgCursor:
    """What a statement left: its row count and its rows (already fetched)."""

    def __init__(self, rowcount: int, rows: Sequence[Row] = ()) -> None:
        self._rowcount = rowcount
        self._rows = list(rows)

    @property
    def rowcount(self) -> int:
        return self._rowcount

    async def fetchmany(self, size: int) -> list[Row]:
        batch, self._rows = self._rows[:size], self._rows[size:]
        return batch

    async def close(self) -> None:
        self._rows = []


class PgConnection:
    """One pooled asyncpg connection in the storage modules' shape."""

    dialect: Final = "postgresql"

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    async def execute(
        self, sql: str, parameters: Iterable[Any] | dict[str, Any] | None = None, /
    ) -> PgCursor:
        query, names = numbered(sql)
        statement = await self.raw.prepare(query)
        rows = await statement.fetch(*_arguments(names, parameters))
        return PgCursor(_count(statement.get_statusmsg()), rows)

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | dict[str, Any] | None = None, /
    ) -> list[Row]:
        query, names = numbered(sql)
        return list(await self.raw.fetch(query, *_arguments(names, parameters)))

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]], /) -> PgCursor:
        query, names = numbered(sql)
        batch = [_arguments(names, row) for row in parameters]
        if batch:
            await self.raw.executemany(query, batch)
        return PgCursor(len(batch))

    async def stream(
        self, sql: str, parameters: Sequence[Any], batch: int
    ) -> AsyncIterator[list[Row]]:
        query, names = numbered(sql)
        arguments = _arguments(names, parameters)
        async with self.raw.transaction(isolation="repeatable_read", readonly=True):
            cursor = await self.raw.cursor(query, *arguments)
            while rows := await cursor.fetch(batch):
                yield list(rows)


def redacted(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


async def _keep_session(connection: asyncpg.Connection) -> None:
    """What a connection needs before the pool lends it again, beyond the rollback of an open
    transaction that asyncpg always does: nothing. The storage modules set no session state
    (no SET, LISTEN, session advisory lock or cursor outside a transaction), so asyncpg's own
    reset (UNLISTEN, RESET ALL, …) would be one more round trip to the server per transaction
    for nothing."""


class PostgresDatabase(Database):
    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._url = url
        self._last_purge = -_PURGE_INTERVAL_S
        self.purge_pending = True

    @property
    def name(self) -> str:
        return redacted(self._url)

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True) -> PostgresDatabase:
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=10, command_timeout=60, reset=_keep_session
            )
        except (OSError, asyncpg.PostgresError) as error:
            raise StorageError(f"cannot connect to {redacted(url)}: {error}") from None
        database = cls(pool, url)
        if migrate:
            try:
                await database.migrate()
            except BaseException:
                await pool.close()
                raise
        return database

    async def close(self) -> None:
        if self.purge_pending:
            await self.purge(force=True)
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire() as raw, raw.transaction():
            yield PgConnection(raw)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        # One snapshot for every query of the block, as SQLite's serialised reads give.
        async with (
            self._pool.acquire() as raw,
            raw.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PgConnection(raw)

    async def version(self) -> int:
        async with self._pool.acquire() as raw:
            return await self._version(raw)

    @staticmethod
    async def _version(raw: asyncpg.Connection) -> int:
        exists = await raw.fetchval("SELECT to_regclass('selfie_schema') IS NOT NULL")
        if not exists:
            return 0
        return int(await raw.fetchval("SELECT coalesce(max(version), 0) FROM selfie_schema"))

    async def migrate(self, *, target: int | None = None) -> int:
        """Apply the shipped PostgreSQL migrations newer than the database, each in its own
        transaction under a lock that every process migrating the same server takes."""
        available = migrations("postgresql")
        latest = available[-1][0] if available else 0
        goal = latest if target is None else target
        async with self._pool.acquire() as raw:
            current = await self._version(raw)
            if current > latest:
                raise StorageError(
                    f"{self.name} has schema version {current}, newer than this program's {latest}"
                )
            for version, script in available:
                if not current < version <= goal:
                    continue
                async with raw.transaction():
                    await raw.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
                    current = await self._version(raw)
                    if current < version:
                        await raw.execute(script)
                        await raw.execute(
                            "CREATE TABLE IF NOT EXISTS selfie_schema (version INTEGER NOT NULL)"
                        )
                        await raw.execute("INSERT INTO selfie_schema VALUES ($1)", version)
                        current = version
            return current

    async def purge(self, *, force: bool = False) -> bool:
        """Vacuum the tables whose old row versions could link a person to a response. The
        space is marked free; its bytes stay in the table's files until new rows take it,
        and in the server's WAL until it is recycled (see README, Privacy)."""
        self.purge_pending = True
        if not force and monotonic() - self._last_purge < _PURGE_INTERVAL_S:
            return False
        async with self._pool.acquire() as raw:
            try:
                await raw.execute(f"VACUUM {', '.join(_LINK_TABLES)}")
            except asyncpg.PostgresError as error:
                log.warning("could not vacuum: %s", error)
                return False
        self._last_purge = monotonic()
        self.purge_pending = False
        return True

    async def backup(self, target: Path) -> None:
        raise StorageError(
            "a PostgreSQL database is backed up with the server's own tools (pg_dump); "
            "`selfie-bot backup` writes SQLite files only"
        )
