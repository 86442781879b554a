"""A PostgreSQL server for the tests: the developer's own (SELFIE_TEST_POSTGRESQL), else a
throwaway one (benchmarks/postgres_server.py), with one migrated database per test process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg
import pytest

from benchmarks.postgres_server import Server, binaries, running

__all__ = ["Server", "TestServer", "binaries", "rows", "running", "server_for_tests"]

# Set by .ci/run: there a missing server is a failure, not a skip.
REQUIRED = "SELFIE_TEST_POSTGRESQL_REQUIRED"
# An existing server to use instead of starting one (a URL naming a database the tests may
# create and drop databases beside).
EXISTING = "SELFIE_TEST_POSTGRESQL"

TEMPLATE = "selfie_template"


@dataclass(frozen=True)
class TestServer(Server):
    """A server with one migrated database for this test process, emptied before each test
    (emptying takes milliseconds; creating a database, most of a second)."""

    @property
    def database(self) -> str:
        return f"selfie_test_{os.getpid()}"

    @contextlib.contextmanager
    def fresh_database(self) -> Iterator[str]:
        _admin(self, _EMPTY_EVERY_TABLE, database=self.database)
        yield self.url(self.database)

    def new_database(self, name: str) -> str:
        """An empty database of its own (for migration tests), dropped with the server."""
        _admin(self, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        return self.url(name)


# Deleting the few rows a test leaves is quicker than TRUNCATE, which makes new files.
_EMPTY_EVERY_TABLE = """
DO $$
DECLARE name text;
BEGIN
  SET LOCAL session_replication_role = replica;  -- no foreign key checks while emptying
  FOR name IN SELECT tablename FROM pg_tables
              WHERE schemaname = 'public' AND tablename <> 'selfie_schema' LOOP
    EXECUTE format('DELETE FROM %I', name);
  END LOOP;
  FOR name IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
    EXECUTE format('ALTER SEQUENCE %I RESTART', name);
  END LOOP;
END $$
"""


def _admin(server: Server, *statements: str, database: str = "postgres") -> None:
    async def run() -> None:
        connection = await asyncpg.connect(server.url(database))
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    # In a thread of its own: the caller may be a test with its event loop running.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, run()).result()


def rows(url: str, sql: str, *parameters: object) -> list[tuple[object, ...]]:
    """What a query (with SQLite's `?` placeholders) reads, from a connection of its own."""
    return each(url, [sql], *parameters)[0]


def each(url: str, queries: list[str], *parameters: object) -> list[list[tuple[object, ...]]]:
    """What every query reads, in turn on one connection of its own."""
    from bot.storage.postgres import numbered

    found: list[list[tuple[object, ...]]] = []

    async def run() -> None:
        connection = await asyncpg.connect(url)
        try:
            for sql in queries:
                query, _ = numbered(sql)
                found.append([tuple(row) for row in await connection.fetch(query, *parameters)])
        finally:
            await connection.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, run()).result()
    return found


def _prepared(server: Server) -> TestServer:
    from bot.storage import Database

    prepared = TestServer(server.host, server.port, server.user, server.password)
    url = prepared.new_database(prepared.database)

    async def migrate() -> None:
        database = await Database.open(url)
        await database.close()

    asyncio.run(migrate())
    return prepared


@contextlib.contextmanager
def server_for_tests() -> Iterator[TestServer]:
    """The developer's server (SELFIE_TEST_POSTGRESQL), else a throwaway one; a skip where
    this machine has no PostgreSQL, or a failure where CI requires it."""
    existing = os.environ.get(EXISTING)
    if existing:
        parts = urlsplit(existing)
        given = Server(
            parts.hostname or "127.0.0.1",
            parts.port or 5432,
            parts.username or "postgres",
            parts.password,
        )
        yield _prepared(given)
        return
    if binaries() is None:
        message = "PostgreSQL runs skipped: no server binaries (initdb, pg_ctl) on this machine"
        if os.environ.get(REQUIRED):
            pytest.fail(message.replace("skipped", "required"))
        pytest.skip(message)
    with running() as server:
        yield _prepared(server)
