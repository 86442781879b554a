import sqlite3
from pathlib import Path

import pytest

from bot.storage import Database, StorageError
from bot.storage.database import fetch_all, fetch_one, migrations


async def test_fresh_database_is_at_the_latest_version_with_wal_and_foreign_keys(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "a.sqlite3")
    try:
        assert await db.version() == migrations()[-1][0]
        async with db.read() as connection:
            journal = await fetch_one(connection, "PRAGMA journal_mode")
            foreign = await fetch_one(connection, "PRAGMA foreign_keys")
        assert journal is not None and journal[0] == "wal"
        assert foreign is not None and foreign[0] == 1
    finally:
        await db.close()


async def test_migrations_apply_forward_from_every_earlier_version(tmp_path: Path) -> None:
    latest = migrations()[-1][0]
    for start in range(latest + 1):
        path = tmp_path / f"from-{start}.sqlite3"
        db = await Database.open(path, migrate=False)
        await db.migrate(target=start)
        assert await db.version() == start
        assert await db.migrate() == latest
        await db.close()
        # Opening again changes nothing.
        db = await Database.open(path)
        assert await db.version() == latest
        await db.close()


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 999")
    with pytest.raises(StorageError, match="newer than this program"):
        await Database.open(path)


async def test_a_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as connection:
            await connection.execute(
                "INSERT INTO schools (name, created_at) VALUES ('Half done', 0)"
            )
            raise RuntimeError("boom")
    async with db.read() as connection:
        assert await fetch_all(connection, "SELECT * FROM schools") == []


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as connection:
            await connection.execute(
                "INSERT INTO coordinators (school_id, telegram_id, added_at) VALUES (42, 1, 0)"
            )
