"""SQLite, the default engine: one connection, its pragmas, forward migrations and serialised
transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Coroutine, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import aiosqlite

from bot.storage.database import Database, StorageError, T, Work, fetch_one, migrations
from bot.storage.engine import Connection
from bot.storage.leadership import AlwaysLeading, FileLeadership, Leadership

_BUSY_TIMEOUT_MS = 10_000
# A purge must not hold this process's only connection while another process reads for long.
_PURGE_BUSY_TIMEOUT_MS = 200
_WAL_SIZE_LIMIT = 1 << 20
# SQLite's own automatic checkpoint would run in whichever thread commits, the event loop's
# too (see `run`): this process checkpoints on aiosqlite's thread instead, after this many of
# its commits (an answer writes three or four pages: about SQLite's default of 1,000 pages).
_CHECKPOINT_EVERY = 256


class SqliteDatabase(Database):
    """One aiosqlite connection shared by the process.

    All statements go through `transaction()` or `read()`, which take an asyncio lock: a single
    connection cannot interleave two transactions, and the lock keeps coroutines from trying.
    """

    dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self.path = path
        self.purge_pending = True  # until the WAL is empty
        self._reader: aiosqlite.Connection | None = None  # for long reads, opened when needed
        self._reader_lock = asyncio.Lock()
        self._commits = 0  # since the last checkpoint

    @property
    def name(self) -> str:
        return str(self.path)

    @classmethod
    async def connect(cls, path: Path, *, migrate: bool = True) -> SqliteDatabase:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        # The connection lives on aiosqlite's thread, but `run` also uses it on the event
        # loop's, always under the lock that keeps the two from overlapping.
        connection = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
        connection.row_factory = aiosqlite.Row
        await connection.execute_fetchall("PRAGMA journal_mode = WAL")
        await connection.execute_fetchall("PRAGMA wal_autocheckpoint = 0")
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute("PRAGMA synchronous = NORMAL")
        await connection.execute_fetchall(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        # Deleted rows and freed pages are overwritten with zeros, and a WAL that a checkpoint
        # has emptied does not keep its old frames on disk (see `purge`).
        await connection.execute_fetchall("PRAGMA secure_delete = ON")
        await connection.execute_fetchall(f"PRAGMA journal_size_limit = {_WAL_SIZE_LIMIT}")
        database = cls(connection, path)
        if migrate:
            try:
                await database.migrate()
            except BaseException:
                await connection.close()
                raise
        return database

    async def close(self) -> None:
        if self.purge_pending:
            await self.purge()
        async with self._reader_lock:
            if self._reader is not None:
                await self._reader.close()
                self._reader = None
        async with self._lock:
            await self._connection.close()

    def leadership(self) -> Leadership:
        if str(self.path) == ":memory:":
            return AlwaysLeading()
        return FileLeadership(self.path.with_name(self.path.name + ".leader"))

    async def version(self) -> int:
        async with self._lock:
            return await self._user_version()

    async def migrate(self, *, target: int | None = None) -> int:
        """Apply every shipped migration newer than the database; return the new version."""
        available = migrations("sqlite")
        latest = available[-1][0] if available else 0
        current = await self.version()
        if current > latest:
            raise StorageError(
                f"{self.path} has schema version {current}, newer than this program's {latest}"
            )
        goal = latest if target is None else target
        before = current
        async with self._lock:
            # A migration may rebuild a table (SQLite cannot alter a CHECK constraint): with
            # foreign keys on, dropping the old table would delete its children. They are
            # checked before each script commits instead (the pragma is a no-op inside a
            # transaction, so it is set around them).
            await self._connection.execute("PRAGMA foreign_keys = OFF")
            try:
                for version, script in available:
                    if current < version <= goal:
                        current = await self._apply(version, script)
            finally:
                await self._connection.execute("PRAGMA foreign_keys = ON")
            if current > before:
                # An older database holds whatever it held before (under secure_delete off, in
                # freed pages too), and a migration frees pages: rewrite the file once, then
                # empty the WAL.
                await self._connection.execute("VACUUM")
                self.purge_pending = True
        if self.purge_pending:
            await self.purge()
        return current

    async def _apply(self, version: int, script: str) -> int:
        """Run one migration unless it has run; the database's version afterwards."""
        # Another process (the bot, the command line) may be migrating the same file right
        # now: take the write lock first, then read the version again under it, so that each
        # script runs once. The version bump commits with the script.
        await self._connection.execute("BEGIN IMMEDIATE")
        try:
            current = await self._user_version()
            if current < version:
                for statement in _statements(script):
                    await self._connection.execute(statement)
                if broken := await fetch_one(self._connection, "PRAGMA foreign_key_check"):
                    raise StorageError(
                        f"migration {version} leaves a row of {broken[0]} without its parent"
                    )
                await self._connection.execute(f"PRAGMA user_version = {version}")
                current = version
        except BaseException:
            await self._connection.rollback()
            raise
        await self._connection.commit()
        return current

    async def purge(self) -> bool:
        """Copy the WAL into the database file and truncate it, so that no earlier image of a
        page (the link between a person and a questionnaire just completed, a row just
        deleted) stays on disk. False when another process's reader kept it from finishing:
        `purge_pending` stays set, and the next call tries again."""
        self.purge_pending = True
        async with self._lock:
            # Each PRAGMA here answers with a row: read it, or the statement stays open (and
            # a VACUUM INTO after it would refuse to run).
            await fetch_one(self._connection, f"PRAGMA busy_timeout = {_PURGE_BUSY_TIMEOUT_MS}")
            try:
                row = await fetch_one(self._connection, "PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                await fetch_one(self._connection, f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        done = row is not None and row[0] == 0
        if done:
            self.purge_pending = False
        return done

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live database in one file: no WAL, no freed pages."""
        async with self._lock:
            await self._connection.execute("VACUUM INTO ?", (str(target),))

    async def _user_version(self) -> int:
        row = await fetch_one(self._connection, "PRAGMA user_version")
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A write transaction: taken immediately, committed on success, rolled back on error."""
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await self._connection.rollback()
                raise
            await self._connection.commit()
            await self._committed()

    async def run(self, work: Work[T]) -> T:
        """`work` in one write transaction, on the event loop's own thread: a unit of work is a
        few statements on pages in memory, about 0.1 ms, less than handing it to aiosqlite's
        thread and being woken again costs (BENCHMARKS.md §1). The loop never waits for a
        lock there: when another process (the command line) holds the write lock, the unit
        goes to aiosqlite's thread, which waits for it as every other transaction does; and
        checkpoints, which write and sync the files, run on that thread too (`_committed`)."""
        async with self._lock:
            raw = self._raw
            try:
                raw.execute("PRAGMA busy_timeout = 0").fetchall()
                try:
                    raw.execute("BEGIN IMMEDIATE")
                finally:
                    raw.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}").fetchall()
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                # aiosqlite has no public call for running a function on its thread;
                # `_execute` is what its own methods use (aiosqlite is pinned below 0.23).
                result: T = await self._connection._execute(self._unit, work)  # type: ignore[no-untyped-call]
            else:
                result = self._finish(raw, work)
            await self._committed()
            return result

    @property
    def _raw(self) -> sqlite3.Connection:
        raw: sqlite3.Connection = self._connection._conn
        return raw

    def _unit(self, work: Work[T]) -> T:
        """On aiosqlite's thread: BEGIN IMMEDIATE (waiting up to the busy timeout), `work`,
        COMMIT."""
        raw = self._raw
        raw.execute("BEGIN IMMEDIATE")
        return self._finish(raw, work)

    @staticmethod
    def _finish(raw: sqlite3.Connection, work: Work[T]) -> T:
        """`work` in the transaction just begun, then COMMIT (or ROLLBACK on an error)."""
        try:
            result: T = _complete(work(_OnThread(raw)))
        except BaseException:
            raw.rollback()
            raise
        raw.commit()
        return result

    async def _committed(self) -> None:
        """Count a commit; every `_CHECKPOINT_EVERY`, copy the WAL into the database file on
        aiosqlite's thread (a passive checkpoint: it waits for no one)."""
        self._commits += 1
        if self._commits >= _CHECKPOINT_EVERY:
            self._commits = 0
            await self._connection.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        """Consistent reads, serialised with the writes of this process."""
        async with self._lock:
            yield self._connection

    @asynccontextmanager
    async def long_read(self) -> AsyncIterator[Connection]:
        """A read-only connection of its own, in one snapshot (a transaction): a report over
        100,000 responses does not hold up anyone's answer meanwhile."""
        if str(self.path) == ":memory:":
            async with self.read() as connection:
                yield connection
            return
        async with self._reader_lock:
            if self._reader is None:
                self._reader = await aiosqlite.connect(
                    f"file:{self.path}?mode=ro", uri=True, isolation_level=None
                )
                self._reader.row_factory = aiosqlite.Row
                await self._reader.execute_fetchall(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            await self._reader.execute("BEGIN")
            try:
                yield self._reader
            finally:
                await self._reader.execute("COMMIT")


class _Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def fetchmany(self, size: int) -> list[sqlite3.Row]:
        return self._cursor.fetchmany(size)

    async def close(self) -> None:
        self._cursor.close()


class _OnThread:
    """The storage modules' connection over the sqlite3 connection itself, for a unit of work
    running on the connection's own thread: each call is done before it returns, so awaiting
    it never suspends, and the work's coroutine runs to its end in one `send`."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None, /) -> _Cursor:
        return _Cursor(self._raw.execute(sql, _given(parameters)))

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None, /
    ) -> list[sqlite3.Row]:
        return self._raw.execute(sql, _given(parameters)).fetchall()

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]], /) -> _Cursor:
        return _Cursor(self._raw.executemany(sql, cast(Any, parameters)))


def _given(parameters: Iterable[Any] | None) -> Any:
    if parameters is None:
        return ()
    return parameters if isinstance(parameters, dict | tuple | list) else tuple(parameters)


def _complete(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends, here and now."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        result: T = finished.value
        return result
    coroutine.close()
    raise RuntimeError("a unit of work awaited something other than its connection")


def _statements(script: str) -> list[str]:
    """A migration script as single statements, so they can run inside one transaction
    (executescript would commit first); semicolons in comments, strings and triggers are
    told apart by SQLite's own tokenizer."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            statements.append(pending)
            pending = ""
    if pending.strip(";").strip():
        statements.append(pending)  # unfinished (a broken script): let SQLite say so
    return statements
