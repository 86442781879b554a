"""Copying a whole database from one engine to the other (`selfie-bot database copy`), with
the bot stopped: every table's rows, then a check that each table holds the same rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from graphlib import TopologicalSorter

from bot.storage.database import Database, StorageError, fetch_all, fetch_one, migrations
from bot.storage.engine import Connection, Dialect

_BATCH = 1000

_TABLES: dict[Dialect, str] = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    " AND tablename <> 'selfie_schema'",
}
_PARENTS: dict[Dialect, str] = {
    "sqlite": 'SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)',
    "postgresql": """
        SELECT DISTINCT parent.relname FROM pg_constraint c
        JOIN pg_class child ON child.oid = c.conrelid
        JOIN pg_class parent ON parent.oid = c.confrelid
        WHERE c.contype = 'f' AND child.relname = ?
    """,
}
_COLUMNS: dict[Dialect, str] = {
    "sqlite": "SELECT name FROM pragma_table_info(?) ORDER BY cid",
    "postgresql": "SELECT column_name FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
}


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int
    digest: str  # of the rows, whatever their order


async def copy_database(source: Database, target: Database) -> list[TableCopy]:
    """Copy every row of `source` into the empty `target` (both at this program's schema
    version) in one transaction of the target's; then compare each table's rows."""
    version = migrations(source.dialect)[-1][0]
    for database in (source, target):
        if await database.version() != version:
            raise StorageError(
                f"{database.name} is at schema version {await database.version()}, not {version}:"
                " start the bot once on it (or run a command) to migrate it first"
            )
    async with source.long_read() as reading:
        tables = await _tables_in_order(reading, source.dialect)
        async with target.transaction() as writing:
            for table in tables:
                if await fetch_one(writing, f'SELECT 1 FROM "{table}" LIMIT 1') is not None:
                    raise StorageError(f"{target.name} is not empty (table {table} has rows)")
            for table in tables:
                columns = await _columns(reading, source.dialect, table)
                rows = await fetch_all(reading, f'SELECT {_list(columns)} FROM "{table}"')
                insert = (
                    f'INSERT INTO "{table}" ({_list(columns)})'
                    f" VALUES ({', '.join('?' for _ in columns)})"
                )
                for start in range(0, len(rows), _BATCH):
                    await writing.executemany(
                        insert, [tuple(row) for row in rows[start : start + _BATCH]]
                    )
            if target.dialect == "postgresql":
                await _advance_identities(writing, tables)
        copied = [await _summary(reading, source.dialect, table) for table in tables]
    async with target.long_read() as checking:
        written = [await _summary(checking, target.dialect, table) for table in tables]
    for before, after in zip(copied, written, strict=True):
        if before != after:
            raise StorageError(
                f"table {before.table} differs after the copy: {before.rows} rows were read,"
                f" {after.rows} are in {target.name}"
            )
    return copied


async def _tables_in_order(connection: Connection, dialect: Dialect) -> list[str]:
    """Every table, each after the tables its foreign keys point to."""
    names = [row[0] for row in await fetch_all(connection, _TABLES[dialect])]
    graph = {
        name: {row[0] for row in await fetch_all(connection, _PARENTS[dialect], (name,))} - {name}
        for name in names
    }
    return list(TopologicalSorter(graph).static_order())


async def _columns(connection: Connection, dialect: Dialect, table: str) -> list[str]:
    return [row[0] for row in await fetch_all(connection, _COLUMNS[dialect], (table,))]


def _list(columns: list[str]) -> str:
    return ", ".join(f'"{column}"' for column in columns)


async def _summary(connection: Connection, dialect: Dialect, table: str) -> TableCopy:
    columns = sorted(await _columns(connection, dialect, table))
    rows = await fetch_all(connection, f'SELECT {_list(columns)} FROM "{table}"')
    lines = sorted(repr(tuple(row)) for row in rows)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return TableCopy(table, len(rows), digest)


async def _advance_identities(connection: Connection, tables: list[str]) -> None:
    """Rows came with their ids: the server's id counters continue after the highest."""
    for table in tables:
        row = await fetch_one(
            connection,
            "SELECT pg_get_serial_sequence(table_name, 'id') FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? AND column_name = 'id'"
            " AND is_identity = 'YES'",
            (table,),
        )
        if row is not None and row[0] is not None:
            await connection.execute(
                f'SELECT setval(?, coalesce((SELECT max(id) FROM "{table}"), 0) + 1, false)',
                (row[0],),
            )
