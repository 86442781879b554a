"""The two engines hold one schema: same version, same tables, same columns, same checks."""

from pathlib import Path

import asyncpg
import pytest

from bot.storage import Database
from bot.storage.database import fetch_all, migrations
from bot.storage.postgres import numbered, redacted
from tests import postgres


async def _shape(db: Database) -> dict[str, list[str]]:
    async with db.read() as connection:
        if db.dialect == "sqlite":
            tables = await fetch_all(
                connection,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            query = "SELECT name FROM pragma_table_info(?) ORDER BY name"
        else:
            tables = await fetch_all(
                connection,
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'selfie_schema'",
            )
            query = (
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = ? ORDER BY column_name"
            )
        return {
            table[0]: [row[0] for row in await fetch_all(connection, query, (table[0],))]
            for table in tables
        }


async def test_both_engines_reach_the_same_version_with_the_same_tables_and_columns(
    tmp_path: Path, postgresql_server: postgres.TestServer
) -> None:
    assert migrations("postgresql")[-1][0] == migrations("sqlite")[-1][0]
    sqlite = await Database.open(tmp_path / "shape.sqlite3")
    with postgresql_server.fresh_database() as url:
        server = await Database.open(url)
        try:
            assert await server.version() == await sqlite.version()
            assert await _shape(server) == await _shape(sqlite)
        finally:
            await server.close()
    await sqlite.close()


async def test_the_server_refuses_what_sqlite_refuses(
    postgresql_server: postgres.TestServer,
) -> None:
    with postgresql_server.fresh_database() as url:
        server = await Database.open(url)
        try:
            for statement in (
                "INSERT INTO schools (name, created_at) VALUES ('', 0)",
                "INSERT INTO user_languages (telegram_id, language) VALUES (1, 'LV')",
                "INSERT INTO user_languages (telegram_id, language) VALUES (1, 'latv')",
            ):
                with pytest.raises(asyncpg.CheckViolationError):
                    async with server.transaction() as connection:
                        await connection.execute(statement)
            async with server.transaction() as connection:
                await connection.execute("INSERT INTO schools (name, created_at) VALUES ('Aa', 0)")
            with pytest.raises(asyncpg.UniqueViolationError):
                async with server.transaction() as connection:
                    await connection.execute(
                        "INSERT INTO schools (name, created_at) VALUES ('aA', 0)"
                    )
        finally:
            await server.close()


def test_placeholders_are_numbered_outside_quotes_comments_and_casts() -> None:
    assert numbered("SELECT ? , '?', \"a?\" -- ?\n, ?") == (
        "SELECT $1 , '?', \"a?\" -- ?\n, $2",
        (),
    )
    assert numbered("WHERE a = :s AND b = :p AND c = :s AND d = x::bigint") == (
        "WHERE a = $1 AND b = $2 AND c = $1 AND d = x::bigint",
        ("s", "p"),
    )
    with pytest.raises(ValueError, match="mixes"):
        numbered("WHERE a = ? AND b = :b")


def test_a_server_url_is_named_without_its_password() -> None:
    assert (
        redacted("postgresql://selfie:s3cret@db.example.org:5433/selfie")
        == "postgresql://selfie:***@db.example.org:5433/selfie"
    )
    assert redacted("postgresql://me@127.0.0.1/db") == "postgresql://me@127.0.0.1/db"
