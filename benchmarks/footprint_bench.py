"""Start-up time and resident memory of the running bot: idle, and with 10,000 participants.

    .venv/bin/python -m benchmarks.footprint_bench [--participants 10000] [--json out.json]

`selfie-bot run` starts as operators start it, against the local emulator, on a real SQLite
file: first an empty one, then one holding an open session with --participants people who
joined through the participation service. For each it reports the start-up time (process
start to its first getUpdates; the median of --starts runs) and the resident set (VmRSS) once
idle. With the participants it then goes on: --respondents of them come back and answer a few
statements, the coordinator asks for /status, and the session closes, so the bot draws and
sends the chart (the first drawing loads matplotlib; five teachers completed beforehand, so
that a group is shown). Resident and peak (VmHWM) memory are read
after each step.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import machine, markdown_table, peak_rss_mb, process_rss_mb, write_json
from benchmarks.live import (
    COORDINATOR,
    TOKEN,
    USERNAME,
    BotProcess,
    answer,
    open_session,
    seed_completed,
    seed_participants,
    shown_statement,
    survey_bot,
    until,
)
from bot.storage import Database
from emulator import BotApiEmulator, EmulatedUser

FIRST_ID = 2_000_000
IDLE_SECONDS = 3.0
SHOWN = 5  # completed questionnaires: a group at the default minimum size, so a chart


@dataclass(frozen=True, slots=True)
class Row:
    database: str
    step: str
    startup_s: float | None
    rss_mb: float
    peak_rss_mb: float


async def _started(emu: BotApiEmulator, database: Path, starts: int) -> tuple[BotProcess, float]:
    """Start the bot `starts` times; keep the last one running; return it and the median."""
    times = []
    for attempt in range(starts):
        bot = survey_bot(emu, database, tick_seconds="1")
        times.append(await bot.start())
        if attempt < starts - 1:
            await bot.stop()
    await asyncio.sleep(IDLE_SECONDS)
    return bot, statistics.median(times)


def _row(bot: BotProcess, database: str, step: str, startup: float | None = None) -> Row:
    return Row(
        database=database,
        step=step,
        startup_s=None if startup is None else round(startup, 2),
        rss_mb=round(process_rss_mb(bot.pid), 1),
        peak_rss_mb=round(peak_rss_mb(bot.pid), 1),
    )


async def _come_back(user: EmulatedUser, answers: int) -> None:
    await user.send("hi")
    await until(user, lambda: shown_statement(user) is not None, 60)
    statement = shown_statement(user)
    assert statement is not None
    rng = random.Random(user.id)
    for _ in range(answers):
        await answer(user, statement, rng)


async def bench(participants: int, respondents: int, starts: int) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.sqlite3"
        await (await Database.open(empty)).close()
        full = Path(folder) / "full.sqlite3"
        invites = await open_session(full)
        ids = await seed_participants(full, invites, participants, first_id=FIRST_ID)
        await seed_completed(full, invites, "teacher", SHOWN, first_id=FIRST_ID + participants)
        label = f"{participants:,} participants"
        async with BotApiEmulator(TOKEN, username=USERNAME, record_requests=False) as emu:
            bot, startup = await _started(emu, empty, starts)
            rows.append(_row(bot, "empty", "idle", startup))
            await bot.stop()

            coordinator = emu.user(COORDINATOR, started=True)
            people = [emu.user(uid, started=True) for uid in ids]
            bot, startup = await _started(emu, full, starts)
            try:
                rows.append(_row(bot, label, "idle", startup))
                chosen = random.Random(3).sample(people, min(respondents, len(people)))
                await asyncio.gather(*(_come_back(user, 5) for user in chosen))
                rows.append(_row(bot, label, f"{len(chosen)} came back and answered 5 each"))
                before = len(coordinator.chat.bot_messages())
                await coordinator.send("/status")
                await until(coordinator, lambda: len(coordinator.chat.bot_messages()) > before, 60)
                rows.append(_row(bot, label, "the coordinator's /status"))
                with sqlite3.connect(full) as connection:
                    connection.execute("UPDATE sessions SET closes_at = ?", (int(time.time()),))
                await until(
                    coordinator, lambda: any(m.photo for m in coordinator.chat.bot_messages()), 120
                )
                rows.append(_row(bot, label, "closed: the chart drawn and sent"))
            finally:
                await bot.stop()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.footprint_bench")
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--starts", type=int, default=5, help="start-ups timed per database")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    facts = machine()
    rows = asyncio.run(bench(args.participants, args.respondents, args.starts))
    headers = ["database", "step", "start-up s", "RSS MB", "peak RSS MB"]
    print(markdown_table(headers, [list(asdict(row).values()) for row in rows]))
    if args.json:
        write_json(args.json, {"machine": facts, "rows": [asdict(row) for row in rows]})


if __name__ == "__main__":
    main()
