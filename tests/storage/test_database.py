import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest

from bot.storage import Database, StorageError
from bot.storage.database import dialect_of, fetch_all, fetch_one, migrations
from bot.storage.engine import Connection


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


async def test_a_unit_of_work_commits_what_it_wrote_and_hands_back_what_it_read(
    db: Database,
) -> None:
    async def work(connection: Connection) -> tuple[int, list[str]]:
        cursor = await connection.execute(
            "INSERT INTO schools (name, created_at) VALUES ('Pirmā', 0), ('Otrā', 0)"
        )
        await connection.executemany(
            "UPDATE schools SET created_at = ? WHERE name = ?", [(7, "Pirmā"), (8, "Otrā")]
        )
        rows = await fetch_all(connection, "SELECT name FROM schools ORDER BY created_at")
        return cursor.rowcount, [row[0] for row in rows]

    assert await db.run(work) == (2, ["Pirmā", "Otrā"])
    async with db.read() as connection:
        found = await fetch_all(connection, "SELECT name, created_at FROM schools ORDER BY 2")
    assert [tuple(row) for row in found] == [("Pirmā", 7), ("Otrā", 8)]


async def test_a_failed_unit_of_work_leaves_nothing(db: Database) -> None:
    async def work(connection: Connection) -> None:
        await connection.execute("INSERT INTO schools (name, created_at) VALUES ('Half', 0)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await db.run(work)
    async with db.read() as connection:
        assert await fetch_all(connection, "SELECT * FROM schools") == []


async def test_units_of_work_and_transactions_take_turns(db: Database) -> None:
    """Many at once, each reading a counter and writing it back one higher: none is lost."""
    async with db.transaction() as connection:
        await connection.execute("INSERT INTO schools (name, created_at) VALUES ('Skaits', 0)")

    async def work(connection: Connection) -> None:
        held = " FOR UPDATE" if dialect_of(connection) == "postgresql" else ""
        row = await fetch_one(connection, "SELECT created_at FROM schools" + held)
        assert row is not None
        await connection.execute("UPDATE schools SET created_at = ?", (row[0] + 1,))

    async def by_transaction() -> None:
        async with db.transaction() as connection:
            await work(connection)

    await asyncio.gather(*(db.run(work) for _ in range(20)), *(by_transaction() for _ in range(5)))
    async with db.read() as connection:
        row = await fetch_one(connection, "SELECT created_at FROM schools")
    assert row is not None and row[0] == 25


async def test_a_unit_of_work_that_waits_on_something_else_is_refused_on_sqlite(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "selfie.sqlite3")

    async def work(connection: Connection) -> None:
        await connection.execute("INSERT INTO schools (name, created_at) VALUES ('Half', 0)")
        await asyncio.sleep(0)

    try:
        with pytest.raises(RuntimeError, match="awaited something other"):
            await db.run(work)
        async with db.read() as connection:
            assert await fetch_all(connection, "SELECT * FROM schools") == []
    finally:
        await db.close()


async def test_a_unit_of_work_waits_off_the_event_loop_while_another_process_writes(
    tmp_path: Path,
) -> None:
    """The command line holding the write lock: the answer waits for it on aiosqlite's
    thread, and the event loop goes on meanwhile."""
    path = tmp_path / "selfie.sqlite3"
    db = await Database.open(path)
    other = sqlite3.connect(path, isolation_level=None)

    async def work(connection: Connection) -> int:
        await connection.execute("INSERT INTO schools (name, created_at) VALUES ('Vēlāk', 0)")
        rows = await fetch_all(connection, "SELECT name FROM schools")
        return len(rows)

    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO schools (name, created_at) VALUES ('Pirmā', 0)")
        waiting = asyncio.create_task(db.run(work))
        ticks = 0
        for _ in range(20):
            await asyncio.sleep(0.01)
            ticks += 1
        assert not waiting.done() and ticks == 20
        other.execute("COMMIT")
        assert await asyncio.wait_for(waiting, 10) == 2
    finally:
        other.close()
        await db.close()


async def test_the_database_file_takes_the_wal_in_after_a_round_of_commits(
    tmp_path: Path,
) -> None:
    """Checkpoints run every so many commits (not SQLite's own, which would run wherever the
    commit does): the file itself, read without its WAL, holds the rows by then."""
    from bot.storage import sqlite as engine

    path = tmp_path / "selfie.sqlite3"
    db = await Database.open(path)

    async def add(connection: Connection) -> None:
        await connection.execute("INSERT INTO schools (name, created_at) VALUES (?, 0)", (name,))

    def in_file() -> int:
        # immutable: the file alone, as if the WAL were not there
        with closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as alone:
            return int(alone.execute("SELECT count(*) FROM schools").fetchone()[0])

    try:
        for number in range(engine._CHECKPOINT_EVERY - 1):
            name = f"Skola {number}"
            await db.run(add)
        assert in_file() == 0
        name = "Pēdējā"
        await db.run(add)
        assert in_file() == engine._CHECKPOINT_EVERY
    finally:
        await db.close()


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises((sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)):
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


async def test_a_long_read_lets_writes_through_and_keeps_its_snapshot(db: Database) -> None:
    async with db.transaction() as connection:
        await connection.execute("INSERT INTO schools (name, created_at) VALUES ('Pirmā', 0)")
    async with db.long_read() as reading:
        assert len(await fetch_all(reading, "SELECT * FROM schools")) == 1

        async def write() -> None:
            async with db.transaction() as connection:
                await connection.execute(
                    "INSERT INTO schools (name, created_at) VALUES ('Otrā', 0)"
                )

        # With the read holding the only connection this would wait for ever.
        await asyncio.wait_for(write(), timeout=30)
        assert len(await fetch_all(reading, "SELECT * FROM schools")) == 1
    async with db.long_read() as reading:
        assert len(await fetch_all(reading, "SELECT * FROM schools")) == 2


async def test_the_work_based_learning_migration_keeps_every_row_and_allows_trainers(
    tmp_path: Path,
) -> None:
    """A version-6 database with a session and everything hanging from it: the rebuilt tables
    keep every row and id (the children are not cascaded away with the old parents), accept the
    level wbl and the group trainer, and still refuse what no version knows."""
    path = tmp_path / "v6.sqlite3"
    db = await Database.open(path, migrate=False)
    await db.migrate(target=6)
    await db.close()
    response = 0x5A5A_1234_0000_0001
    with closing(sqlite3.connect(path)) as c, c:
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("INSERT INTO schools (id, name, created_at) VALUES (1, 'S', 0)")
        c.execute(
            "INSERT INTO sessions (id, school_id, level, start_date, end_date, timezone,"
            " opens_at, closes_at, created_by, created_at, report_sent_at)"
            " VALUES (3, 1, 'vet', '2026-11-02', '2026-11-13', 'UTC', 1, 2, 9, 0, 7)"
        )
        c.execute("INSERT INTO session_statements (session_id, code) VALUES (3, 'B3')")
        c.execute(
            "INSERT INTO own_statements (session_id, code, area, profiles, text, language)"
            " VALUES (3, 'S1', 'C', 'teacher', 'Mūsu darbnīcas', 'lv')"
        )
        c.execute(
            "INSERT INTO own_statement_texts (session_id, code, language, text)"
            " VALUES (3, 'S1', 'en', 'Our workshops')"
        )
        c.execute("INSERT INTO invites (token, session_id, profile) VALUES ('tok', 3, 'student')")
        c.execute(
            "INSERT INTO responses (id, session_id, profile) VALUES (?, 3, 'student')", (response,)
        )
        c.execute("INSERT INTO answers (response_id, code, value) VALUES (?, 'B3', 4)", (response,))
        c.execute(
            "INSERT INTO participants (id, session_id, telegram_id, chat_id, profile, language,"
            " joined_at, completed) VALUES (8, 3, 7001, 7001, 'student', 'uk', 5, 0)"
        )
        c.execute("INSERT INTO progress (participant_id, position, answers) VALUES (8, 1, 'B3=4')")
        c.execute(
            "INSERT INTO deliveries (session_id, kind, recipient, claimed_at) VALUES (3, 'r', 9, 1)"
        )
        c.execute("INSERT INTO reminder_rounds (session_id, round, started_at) VALUES (3, 1, 1)")
        c.execute(
            "INSERT INTO session_drafts (id, owner, school_id, session_id, step, level,"
            " timezone, created_at, updated_at) VALUES (4, 9, 1, 3, 'review', 'vet', 'UTC', 0, 0)"
        )
    tables = (
        "sessions", "session_statements", "own_statements", "own_statement_texts", "invites",
        "responses", "answers", "participants", "progress", "deliveries", "reminder_rounds",
        "session_drafts",
    )  # fmt: skip
    with closing(sqlite3.connect(path)) as c:
        before = {table: c.execute(f"SELECT * FROM {table}").fetchall() for table in tables}

    db = await Database.open(path, migrate=False)
    assert await db.migrate(target=7) == 7
    async with db.read() as connection:
        after = {table: [tuple(r) for r in await fetch_all(connection, f"SELECT * FROM {table}")]
                 for table in tables}  # fmt: skip
        foreign = await fetch_one(connection, "PRAGMA foreign_keys")
        secure = await fetch_one(connection, "PRAGMA secure_delete")
        broken = await fetch_all(connection, "PRAGMA foreign_key_check")
        indexes = {row[0] for row in await fetch_all(connection, "SELECT name FROM sqlite_schema")}
    await db.close()
    assert after == before
    assert all(before.values())
    assert foreign is not None and foreign[0] == 1
    assert secure is not None and secure[0] == 1
    assert broken == []
    assert {"sessions_by_school", "responses_by_session", "participants_by_user"} <= indexes
    assert not {name for name in indexes if name.endswith("_v7")}

    with closing(sqlite3.connect(path)) as c, c:
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("UPDATE sessions SET level = 'wbl' WHERE id = 3")
        c.execute("UPDATE session_drafts SET level = 'wbl' WHERE id = 4")
        c.execute("INSERT INTO invites (token, session_id, profile) VALUES ('t2', 3, 'trainer')")
        c.execute("INSERT INTO responses (id, session_id, profile) VALUES (5, 3, 'trainer')")
        c.execute(
            "INSERT INTO participants (session_id, telegram_id, chat_id, profile, language,"
            " joined_at) VALUES (3, 7002, 7002, 'trainer', 'lv', 5)"
        )
        for wrong in (
            "UPDATE sessions SET level = 'college' WHERE id = 3",
            "INSERT INTO invites (token, session_id, profile) VALUES ('t3', 3, 'parent')",
            "INSERT INTO responses (id, session_id, profile) VALUES (6, 3, 'parent')",
            "UPDATE participants SET profile = 'parent' WHERE id = 8",
            "UPDATE session_drafts SET level = 'college' WHERE id = 4",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
                c.execute(wrong)
        # The children still follow their parents.
        c.execute("DELETE FROM sessions WHERE id = 3")
        assert c.execute("SELECT count(*) FROM answers").fetchone() == (0,)
        assert c.execute("SELECT count(*) FROM progress").fetchone() == (0,)


async def test_a_migration_that_orphans_rows_is_rolled_back(tmp_path: Path) -> None:
    """Foreign keys are off while a migration runs, so the runner checks them itself."""
    path = tmp_path / "a.sqlite3"
    db = await Database.open(path)
    version = await db.version()
    async with db.transaction() as c:
        await c.execute("INSERT INTO schools (id, name, created_at) VALUES (1, 'S', 0)")
    await db.close()
    script = "DELETE FROM schools; INSERT INTO coordinators VALUES (1, 5, 0, NULL);"
    shipped = migrations()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "bot.storage.sqlite.migrations", lambda _="sqlite": [*shipped, (version + 1, script)]
        )
        db = await Database.open(path, migrate=False)
        with pytest.raises(StorageError, match=f"migration {version + 1} leaves a row of"):
            await db.migrate()
        assert await db.version() == version
        async with db.read() as c:
            assert await fetch_all(c, "SELECT id FROM schools") != []
            foreign = await fetch_one(c, "PRAGMA foreign_keys")
        assert foreign is not None and foreign[0] == 1
        await db.close()


async def test_the_background_migration_keeps_rows_and_leaves_older_sessions_asking_nothing(
    tmp_path: Path,
) -> None:
    """A version-9 database (work-based learning, the live card and the school's rules in
    place) with a completed and an unfinished questionnaire: both keep their rows, with nothing
    about the respondents, and an older session asks neither the block nor an open question."""
    path = tmp_path / "v9.sqlite3"
    db = await Database.open(path, migrate=False)
    assert await db.migrate(target=9) == 9
    await db.close()
    with closing(sqlite3.connect(path)) as c, c:
        c.execute("INSERT INTO schools (id, name, created_at) VALUES (1, 'S', 0)")
        c.execute(
            "INSERT INTO sessions (id, school_id, level, start_date, end_date, timezone,"
            " opens_at, closes_at, created_by, created_at, number)"
            " VALUES (3, 1, 'wbl', '2026-11-02', '2026-11-13', 'UTC', 1, 2, 9, 0, 1)"
        )
        c.execute("INSERT INTO responses (id, session_id, profile) VALUES (77, 3, 'trainer')")
        c.execute(
            "INSERT INTO participants (id, session_id, telegram_id, chat_id, profile, language,"
            " joined_at) VALUES (8, 3, 7001, 7001, 'trainer', 'lv', 5)"
        )
        c.execute(
            "INSERT INTO progress (participant_id, position, answers, card_message_id)"
            " VALUES (8, 1, 'B7=4', 41)"
        )

    db = await Database.open(path)
    assert await db.version() == migrations()[-1][0]
    await db.close()
    with closing(sqlite3.connect(path)) as c:
        assert c.execute("SELECT id, profile, background FROM responses").fetchall() == [
            (77, "trainer", "")
        ]
        assert c.execute(
            "SELECT participant_id, answers, card_message_id, background, background_step"
            " FROM progress"
        ).fetchall() == [(8, "B7=4", 41, "", None)]
        for table in (
            "session_background",
            "session_open_questions",
            "open_answers",
            "open_pending",
        ):
            assert c.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
