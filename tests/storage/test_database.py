import sqlite3
from contextlib import closing
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


async def test_the_anonymity_migration_keeps_answers_and_leaves_no_link_on_disk(
    tmp_path: Path,
) -> None:
    """A version-3 database with a completed and an unfinished questionnaire, each linked the
    old way: after the migration the unfinished one is on the person's side, the completed one
    anonymous, and neither the old link nor the completion times are anywhere in the file."""
    path = tmp_path / "old.sqlite3"
    db = await Database.open(path, migrate=False)
    await db.migrate(target=3)
    await db.close()
    linked, done, gone = 0x1234_5678_9ABC_DEF0, 0x0FED_CBA9_8765_4321, 0x0BAD_0BAD_0BAD_0BAD
    completed_at = 1_764_000_123
    # Written as the old bot did, with secure_delete off: the completed participant was linked
    # to their response until completion, and the freed bytes of that row stay in the page.
    with closing(sqlite3.connect(path)) as c, c:
        c.execute("PRAGMA secure_delete = OFF")
        c.execute("INSERT INTO schools (id, name, created_at) VALUES (1, 'S', 0)")
        c.execute(
            "INSERT INTO sessions (id, school_id, level, start_date, end_date, timezone,"
            " opens_at, closes_at, created_by, created_at)"
            " VALUES (1, 1, 'primary', '2026-11-02', '2026-11-13', 'UTC', 1, 2, 9, 0)"
        )
        c.execute(
            "INSERT INTO responses (id, session_id, profile, position, completed_on)"
            " VALUES (?, 1, 'teacher', 2, NULL), (?, 1, 'teacher', 2, NULL)",
            (linked, done),
        )
        c.executemany(
            "INSERT INTO answers (response_id, code, value) VALUES (?, ?, ?)",
            [(linked, "A1", 4), (linked, "A2", 0), (done, "A1", 2), (done, "A2", 5)],
        )
        c.execute(
            "INSERT INTO participants (session_id, telegram_id, chat_id, profile, language,"
            " joined_at, response_id) VALUES"
            " (1, 7001, 7001, 'teacher', 'lv', 5, ?), (1, 7002, 7002, 'teacher', 'lv', 5, ?)",
            (linked, done),
        )
        c.execute("UPDATE responses SET completed_on = '2026-11-05' WHERE id = ?", (done,))
        c.execute(
            "UPDATE participants SET completed_at = ?, response_id = NULL WHERE telegram_id = 7002",
            (completed_at,),
        )
        # A response deleted in the old life: its bytes stay in free space.
        c.execute(
            "INSERT INTO responses (id, session_id, profile) VALUES (?, 1, 'leader')", (gone,)
        )
        c.executemany(
            "INSERT INTO answers (response_id, code, value) VALUES (?, ?, 3)",
            [(gone, f"B{n}") for n in range(1, 300)],
        )
        c.execute("DELETE FROM answers WHERE response_id = ?", (gone,))
        c.execute("DELETE FROM responses WHERE id = ?", (gone,))
    with closing(sqlite3.connect(path)) as c:
        before = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert before[0] == 0
    old = path.read_bytes()
    assert b"2026-11-05" in old and completed_at.to_bytes(4, "big") in old
    assert linked.to_bytes(8, "big") in old and gone.to_bytes(8, "big") in old

    db = await Database.open(path)
    async with db.read() as connection:
        progress = await fetch_all(
            connection, "SELECT participant_id, position, answers FROM progress"
        )
        flags = await fetch_all(
            connection, "SELECT telegram_id, completed FROM participants ORDER BY 1"
        )
        answers = await fetch_all(
            connection, "SELECT response_id, code, value FROM answers ORDER BY 2"
        )
    await db.close()
    assert [(p[1], sorted(p[2].split(","))) for p in progress] == [(2, ["A1=4", "A2=0"])]
    assert [tuple(f) for f in flags] == [(7001, 0), (7002, 1)]
    assert [tuple(a) for a in answers] == [(done, "A1", 2), (done, "A2", 5)]
    on_disk = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    on_disk += wal.read_bytes() if wal.exists() else b""
    assert on_disk.count(done.to_bytes(8, "big")) == 3  # two answers, the session's index
    assert linked.to_bytes(8, "big") not in on_disk
    assert gone.to_bytes(8, "big") not in on_disk
    assert completed_at.to_bytes(4, "big") not in on_disk
    assert b"2026-11-05" not in on_disk
