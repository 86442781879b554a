"""Concurrent writers on one SQLite file: the bot process, its participants and the CLI.

The bot runs as `selfie-bot run` in a process of its own, as in production, while emulated
participants keep answering and operators' commands write to the same file from other
processes. Nobody may see "database is locked", and nothing may be lost.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from bot.storage import Database
from bot.storage.database import migrations
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from .helpers import (
    BotProcess,
    create_session_with_cli,
    db_rows,
    midday_zone,
    progress_of,
    selfie_bot,
    spawn_cli,
    today_in,
)

PROGRESS = re.compile(r"Statement (\d+) of (\d+)")
LABELS = ["1", "2", "3", "4", "5", "N/A"]
ERROR_TEXT = "Something went wrong"  # alert.error in locale/en.toml
COORDINATOR = 900
CLI_ROUNDS = 2
MIN_STEPS = 12  # answers (or Back presses) per participant, however quick the CLI is
PACE = 0.1  # seconds


@dataclass
class Answering:
    """A participant who keeps answering; `given` is what they chose, per statement."""

    user: EmulatedUser
    statement: ChatMessage
    given: dict[str, int] = field(default_factory=dict)
    steps: int = 0

    async def keep_going(self, stop: asyncio.Event) -> None:
        """Answer statement after statement; at the last one go Back and answer again, so
        that the questionnaire never completes (its answers stay linked to the person)."""
        while self.steps < MIN_STEPS or not stop.is_set():
            found = PROGRESS.search(self.statement.content)
            assert found is not None, self.statement.content
            at, total = int(found[1]), int(found[2])
            if at == total:
                await self.user.click("◀", message=self.statement)
            else:
                label = LABELS[(self.user.id + self.steps) % len(LABELS)]
                data = self.statement.button(label).callback_data
                assert data is not None
                _, _, code, value = data.split(":")
                await self.user.click(label, message=self.statement)
                self.given[code] = int(value)
            try:
                await self.user.wait_for_edit(self.statement, timeout=15)
            except TimeoutError:
                alerts = [a.text for a in self.user.answers if a.show_alert]
                raise AssertionError(
                    f"user {self.user.id} was not shown a statement; alerts: {alerts}"
                ) from None
            self.steps += 1
            # A breath between taps, as people take: leaves the CLI processes some CPU on a
            # small machine; the bot still gets a dozen writes a second from the four.
            await asyncio.sleep(PACE)


def cli_round(number: int, session_id: int, bulk_file: Path) -> list[tuple[str, ...]]:
    """One of every writing command (and a reader), to run at the same time."""
    today = today_in("Europe/Riga")
    return [
        ("school", "add", "--name", f"Concurrent school {number}"),
        ("coordinator", "invite", "--school", "E2E skola"),
        (
            "session",
            "create",
            "--school",
            f"Created school {number}",
            "--coordinator",
            str(1000 + number),
            "--level",
            "primary",
            "--start",
            today.isoformat(),
            "--end",
            (today + timedelta(days=7)).isoformat(),
            "--timezone",
            "Europe/Riga",
        ),
        ("session", "bulk-create", str(bulk_file)),
        ("session", "remind", str(session_id)),
        ("session", "status", str(session_id), "--json"),
    ]


def write_bulk_file(path: Path, number: int) -> Path:
    today = today_in("Europe/Riga")
    rows = [
        f"Bulk school {number}-{row},lower-secondary,{today},{today + timedelta(days=7)},"
        f"Europe/Riga,{2000 + 10 * number + row}"
        for row in range(3)
    ]
    path.write_text("school,level,start,end,timezone,coordinator\n" + "\n".join(rows) + "\n")
    return path


async def test_cli_writers_and_answering_participants_never_see_a_locked_database(
    emu: BotApiEmulator, database: Path, tmp_path: Path
) -> None:
    """The bot process serves four participants who keep answering while every CLI writer
    runs, six commands at a time, round after round: no command fails or reports a lock,
    the bot logs no lock and no error, nobody gets the error alert, and the answers table
    holds exactly what each participant chose."""
    created = await create_session_with_cli(emu, database, timezone=midday_zone())
    session_id = created["session_id"]
    coordinator = emu.user(COORDINATOR, language_code="lv")
    await coordinator.send("/start")
    # Production settings, and a scheduler ticking every second: one more writer in the bot.
    bot = BotProcess(emu, database, extra={"SELFIE_RATE_LIMIT": "true", "SELFIE_TICK_SECONDS": "1"})
    await bot.start()

    participants: list[Answering] = []
    for user_id, group in (
        (7101, "teacher"),
        (7102, "teacher"),
        (7103, "student"),
        (7104, "student"),
    ):
        user = emu.user(user_id, language_code="en")
        await user.open_link(created["links"][group])
        _, statement = await user.wait_for_messages(2, timeout=15)
        participants.append(Answering(user, statement))

    stop = asyncio.Event()
    answering = [asyncio.create_task(p.keep_going(stop)) for p in participants]
    results: list[tuple[tuple[str, ...], int, str, str]] = []
    try:
        for number in range(CLI_ROUNDS):
            bulk_file = write_bulk_file(tmp_path / f"bulk-{number}.csv", number)
            commands = cli_round(number, session_id, bulk_file)
            outcomes = await asyncio.gather(*(selfie_bot(emu, database, *c) for c in commands))
            results += [(c, *outcome) for c, outcome in zip(commands, outcomes, strict=True)]
            assert not any(task.done() for task in answering), "a participant stopped early"
    finally:
        stop.set()
        await asyncio.gather(*answering)
    await emu.wait_until_idle(timeout=15)
    stderr = await bot.stop()

    for command, code, _, err in results:
        assert code == 0, (command, err)
        assert "locked" not in err.lower(), (command, err)
    assert "database is locked" not in stderr
    assert " ERROR " not in stderr and "Traceback" not in stderr, stderr

    # The commands did write what they say, next to the participants' answers.
    assert db_rows(
        database, "SELECT count(*) FROM schools WHERE name LIKE 'Concurrent school %'"
    ) == [(CLI_ROUNDS,)]
    assert db_rows(database, "SELECT count(*) FROM sessions") == [(1 + CLI_ROUNDS * 4,)]
    assert db_rows(database, "SELECT count(*) FROM coordinator_invites") == [(CLI_ROUNDS,)]
    statuses = [json.loads(out) for command, _, out, _ in results if command[1] == "status"]
    assert all(sum(g["joined"] for g in s["groups"].values()) == 4 for s in statuses)

    for participant in participants:
        user = participant.user
        assert participant.steps >= MIN_STEPS
        assert not [a for a in user.answers if a.show_alert or ERROR_TEXT in (a.text or "")]
        assert not [m for m in user.messages if ERROR_TEXT in m.content]
        found = progress_of(database, user.id)
        assert found is not None
        assert found[1] == participant.given


def holds_open(pid: int, path: Path) -> bool:
    """Whether process `pid` has the file open (Linux /proc)."""
    try:
        return any(os.readlink(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process is gone, or an fd closed while we looked
        return False


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("version", sorted({0, migrations()[-1][0] - 1}))
async def test_the_bot_and_the_cli_migrate_an_old_database_together(
    emu: BotApiEmulator, database: Path, version: int
) -> None:
    """A database of an earlier schema version (none yet; the previous release's), opened by
    the bot and a command at the same moment, as right after an upgrade: each migration runs
    once, and both go on working.

    A write lock held from outside makes both read the old version before either can
    migrate, which is the interleaving that matters."""
    db = await Database.open(database, migrate=False)
    await db.migrate(target=version)
    await db.close()
    latest = migrations()[-1][0]

    blocker = sqlite3.connect(database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    bot = BotProcess(emu, database)
    polls = emu.call_count("getUpdates")

    def polling_or_dead() -> bool:
        process = bot.process
        return emu.call_count("getUpdates") > polls or (
            process is not None and process.returncode is not None
        )

    bot_started = asyncio.create_task(bot.start(ready=polling_or_dead))
    command = await spawn_cli(emu, database, "school", "add", "--name", "Upgraded school")
    await emu.wait_for(lambda: bot.process is not None, timeout=10)
    assert bot.process is not None
    pids = [bot.process.pid, command.pid]
    await emu.wait_for(lambda: all(holds_open(pid, database) for pid in pids), timeout=20)
    await asyncio.sleep(0.5)  # from opening the file to reading its version: a few statements
    blocker.rollback()
    blocker.close()

    _, err = await asyncio.wait_for(command.communicate(), 60)
    await bot_started
    stderr = await bot.stop()
    assert command.returncode == 0, err.decode()
    assert emu.call_count("getUpdates") > polls, stderr
    assert "Traceback" not in stderr, stderr
    assert db_rows(database, "PRAGMA user_version") == [(latest,)]
    assert db_rows(database, "SELECT name FROM schools") == [("Upgraded school",)]
