"""What the storage modules need of a connection, whichever engine holds the data.

SQLite's connection (aiosqlite) has this shape as it is, so the default engine pays for no
wrapper; PostgreSQL's (asyncpg) is adapted to it in `bot.storage.postgres`. SQL is written
once, with `?` placeholders, in the subset both engines share; where they differ, a module
asks the database's `dialect`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

Dialect = Literal["sqlite", "postgresql"]


class Row(Protocol):
    """A result row, by position or by column name."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int:
        """How many rows the statement changed."""
        ...

    async def fetchmany(self, size: int) -> Iterable[Row]: ...

    async def close(self) -> None: ...


class Connection(Protocol):
    def execute(self, sql: str, parameters: Iterable[Any] | None = None, /) -> Awaitable[Cursor]:
        """Run one statement; the cursor tells how many rows it changed."""
        ...

    def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None, /
    ) -> Awaitable[Iterable[Row]]: ...

    def executemany(
        self, sql: str, parameters: Iterable[Iterable[Any]], /
    ) -> Awaitable[Cursor]: ...


@runtime_checkable
class Streaming(Protocol):
    """A connection that can hand a long result over in batches (PostgreSQL's adapter)."""

    def stream(
        self, sql: str, parameters: Sequence[Any], batch: int
    ) -> AsyncIterator[Iterable[Row]]: ...
