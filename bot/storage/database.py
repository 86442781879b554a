"""A database, whichever engine holds it: SQLite at a path (the default), or PostgreSQL at a
`postgresql://` URL. Both give serialised or isolated transactions, forward migrations, and
the upkeep that the privacy promise needs (`purge`)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from bot.storage.engine import Connection, Dialect, Row, Streaming
from bot.storage.leadership import Leadership

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")

T = TypeVar("T")
Work = Callable[[Connection], Coroutine[Any, Any, T]]


class StorageError(Exception):
    """The database cannot be used as it is (e.g. it is newer than this program)."""


def is_server_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRESQL_SCHEMES)


def migrations(dialect: Dialect = "sqlite") -> list[tuple[int, str]]:
    """The shipped migrations as (version, SQL), in order, numbered 1, 2, 3 … without gaps.
    PostgreSQL's folder starts from the schema SQLite's migrations had reached when the
    engine was added, under the same version number: one version means one schema."""
    folder = resources.files("bot.storage").joinpath("migrations")
    if dialect == "postgresql":
        folder = folder.joinpath("postgresql")
    found = sorted(
        (int(match.group(1)), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if (match := MIGRATION_NAME.match(entry.name))
    )
    versions = [version for version, _ in found]
    first = 1 if dialect == "sqlite" or not versions else versions[0]
    if versions != list(range(first, first + len(versions))):
        raise StorageError(
            f"{dialect} migrations are not numbered {first}, {first + 1}, …: {versions}"
        )
    return found


class Database(ABC):
    """One database shared by the process. Every statement runs inside `transaction()` (a
    write transaction: committed on success, rolled back on error) or `read()`."""

    dialect: Dialect
    # True from a change that must leave no trace (a completion, a deletion) until a purge
    # has removed what the engine keeps of rows as they were; True at first, for what a
    # process that died may have left.
    purge_pending: bool = True

    @classmethod
    async def open(cls, target: str | Path, *, migrate: bool = True) -> Database:
        """SQLite at a path, PostgreSQL at a `postgresql://user:password@host:port/name` URL."""
        if is_server_url(target):
            from bot.storage.postgres import PostgresDatabase  # asyncpg only when used

            return await PostgresDatabase.connect(str(target), migrate=migrate)
        from bot.storage.sqlite import SqliteDatabase

        return await SqliteDatabase.connect(Path(target), migrate=migrate)

    @property
    @abstractmethod
    def name(self) -> str:
        """What to call it in logs and messages: a path, or a server URL without password."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Connection]: ...

    @abstractmethod
    def read(self) -> AbstractAsyncContextManager[Connection]:
        """Consistent reads."""

    async def run(self, work: Work[T]) -> T:
        """`work` as one write transaction, as `transaction()` gives, committed when it returns.
        `work` may await nothing but the connection it is handed: SQLite runs all of it at
        once, on the event loop's thread, instead of one hand-over a statement to its database
        thread (see `SqliteDatabase.run`).
        The caller must not rely on a cancellation undoing it: once started, it completes."""
        async with self.transaction() as connection:
            return await work(connection)

    def long_read(self) -> AbstractAsyncContextManager[Connection]:
        """Reads that take long (reports, exports): where the engine allows, beside the
        writes rather than between them."""
        return self.read()

    @abstractmethod
    def leadership(self) -> Leadership:
        """A new candidate for the sender's lock of this database (bot/storage/leadership.py)."""

    @abstractmethod
    async def purge(self) -> bool:
        """Remove what the engine keeps on disk of rows as they were before the last changes;
        False when something kept it from finishing (`purge_pending` stays set)."""

    @abstractmethod
    async def migrate(self, *, target: int | None = None) -> int: ...

    @abstractmethod
    async def version(self) -> int: ...

    @abstractmethod
    async def backup(self, target: Path) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...


def dialect_of(connection: Connection) -> Dialect:
    """Which engine a connection talks to (PostgreSQL's adapter says so; SQLite's is bare)."""
    dialect: Dialect = getattr(connection, "dialect", "sqlite")
    return dialect


# Each await on a connection is a round trip (to aiosqlite's thread, or to the server): these
# make one per query.


async def fetch_one(
    connection: Connection, sql: str, parameters: Iterable[Any] | dict[str, Any] = ()
) -> Row | None:
    rows = await connection.execute_fetchall(sql, parameters)
    return next(iter(rows), None)


async def insert_returning_id(
    connection: Connection, sql: str, parameters: Iterable[Any] | dict[str, Any] = ()
) -> int:
    """Run an `INSERT … RETURNING id`; the new row's id."""
    row = await fetch_one(connection, sql, parameters)
    assert row is not None
    return int(row[0])


async def stream(
    connection: Connection, sql: str, parameters: Sequence[Any], *, batch: int
) -> AsyncIterator[Iterable[Row]]:
    """A long result in batches, without holding it whole in memory."""
    if isinstance(connection, Streaming):
        async for rows in connection.stream(sql, parameters, batch):
            yield rows
        return
    cursor = await connection.execute(sql, parameters)
    try:
        while rows := await cursor.fetchmany(batch):
            yield rows
    finally:
        await cursor.close()


async def fetch_all(
    connection: Connection, sql: str, parameters: Iterable[Any] | dict[str, Any] = ()
) -> list[Row]:
    return list(await connection.execute_fetchall(sql, parameters))
