"""A throwaway PostgreSQL server for the tests, started from the machine's own binaries.

`initdb` refuses to run as root, so as root the cluster belongs to the `postgres` account
(Debian's package creates it) or else `nobody`. The server listens on a loopback port with
trust authentication, keeps its socket in its own folder, and is stopped and deleted at the
end. Durability is switched off: a test database need not survive a power cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

# Set by .ci/run: there a missing server is a failure, not a skip.
REQUIRED = "SELFIE_TEST_POSTGRESQL_REQUIRED"
# An existing server to use instead of starting one (a URL naming a database the tests may
# create and drop databases beside).
EXISTING = "SELFIE_TEST_POSTGRESQL"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str | None = None

    def url(self, database: str) -> str:
        login = f"{self.user}:{self.password}" if self.password else self.user
        return f"postgresql://{login}@{self.host}:{self.port}/{database}"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, if this machine has them."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    return Path(versions[-1]).parent if versions else None


def _version(path: str) -> tuple[int, ...]:
    number = Path(path).parent.parent.name
    return tuple(int(part) for part in number.split(".") if part.isdigit())


def _owner() -> pwd.struct_passwd | None:
    """The account the cluster runs as: ours, unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, and no unprivileged account to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running() -> Iterator[Server]:
    """Start a fresh cluster in a temporary folder; stop and delete it afterwards."""
    bin_dir = binaries()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    owner = _owner()
    user = owner.pw_name if owner else pwd.getpwuid(os.geteuid()).pw_name
    folder = Path(tempfile.mkdtemp(prefix="selfie-pg-"))
    data = folder / "data"
    as_owner: dict[str, object] = {}
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_owner = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    port = _free_port()
    try:
        subprocess.run(
            [
                bin_dir / "initdb",
                "-D",
                data,
                "-U",
                user,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
            **as_owner,  # type: ignore[call-overload]
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", folder / "log", "-w", "start"],
            check=True,
            capture_output=True,
            **as_owner,  # type: ignore[call-overload]
        )
        try:
            yield Server(host="127.0.0.1", port=port, user=user)
        finally:
            subprocess.run(
                [bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                check=False,
                capture_output=True,
                **as_owner,  # type: ignore[call-overload]
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
