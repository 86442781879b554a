"""What a hand-over to the database thread costs on the answer path, without Telegram.

    .venv/bin/python -m benchmarks.unit_bench [--waves 5] [--repeats 7] [--json out.json]

`Participation.answer` against a real SQLite file, 10 people answering at once, two ways that
take turns (`--repeats` times each): as the bot does it, the whole answer one unit of work on
aiosqlite's thread (`Database.run`), and as before, one hand-over a statement (the same work
through `transaction()`). CPU per answer is this process's (both threads); the load average
and the CPU other processes took meanwhile are recorded beside each run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import machine, machine_busy_seconds, markdown_table, write_json
from benchmarks.live import open_session
from bot.clock import SystemClock
from bot.participation.outcomes import Progress
from bot.participation.service import Participation
from bot.storage.database import Database, T, Work
from bot.storage.sqlite import SqliteDatabase
from bot.surveys.bank import default_bank

AT_ONCE = 10
WAYS = ("one unit of work, one hand-over", "one hand-over a statement")
BUSY_OTHERS = 0.5


class PerStatement(SqliteDatabase):
    """The same database, each statement of a unit of work one hand-over to aiosqlite."""

    async def run(self, work: Work[T]) -> T:
        return await Database.run(self, work)


@dataclass(frozen=True, slots=True)
class Run:
    way: str
    repeat: int
    answers: int
    cpu_us: float  # per answer
    wall_us: float  # per answer
    load: float
    others_cores: float

    @property
    def busy(self) -> bool:
        return self.others_cores >= BUSY_OTHERS


EACH = 39  # a teacher's questionnaire has 40 statements: none completes, nothing is purged


async def _wave(participation: Participation, token: str, first_id: int) -> tuple[float, float]:
    """10 new people join (not measured), then answer 39 statements each, interleaved; the
    CPU seconds and the wall seconds the answers took."""
    people = range(first_id, first_id + AT_ONCE)
    steps: dict[int, object] = {}
    for person in people:
        steps[person] = await participation.join(
            token=token, telegram_id=person, chat_id=person, language="en"
        )

    async def answer_all(person: int) -> None:
        step = steps[person]
        for _ in range(EACH):
            assert isinstance(step, Progress), step
            step = await participation.answer(
                telegram_id=person, session_id=step.session.id, code=step.item.code, value=3
            )

    cpu, began = time.process_time(), time.perf_counter()
    await asyncio.gather(*(answer_all(person) for person in people))
    return time.process_time() - cpu, time.perf_counter() - began


async def _measure(
    way: str, db: Database, token: str, repeat: int, waves: int, first_id: int
) -> Run:
    participation = Participation(db=db, clock=SystemClock(), bank=default_bank())
    load = round(os.getloadavg()[0], 2)
    cpu = wall = others = 0.0
    for wave in range(waves):
        busy = machine_busy_seconds()
        spent, took = await _wave(participation, token, first_id + wave * AT_ONCE)
        # the joins' CPU counts as others' here: a slight overstatement of the load
        others += (machine_busy_seconds() - busy) - spent
        cpu, wall = cpu + spent, wall + took
    count = waves * AT_ONCE * EACH
    return Run(
        way,
        repeat,
        count,
        round(1e6 * cpu / count, 1),
        round(1e6 * wall / count, 1),
        load,
        round(max(0.0, others) / wall, 2),
    )


async def bench(waves: int, repeats: int) -> list[Run]:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "unit.sqlite3"
        token = (await open_session(path))["teacher"]
        ways: dict[str, Database] = {
            WAYS[0]: await SqliteDatabase.connect(path),
            WAYS[1]: await PerStatement.connect(path),
        }
        try:
            first_id = 1
            for repeat in range(repeats):
                for way, db in ways.items():
                    run = await _measure(way, db, token, repeat, waves, first_id)
                    first_id += AT_ONCE * waves
                    print(run, flush=True)
                    runs.append(run)
        finally:
            for db in ways.values():
                await db.close()
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.unit_bench")
    parser.add_argument("--waves", type=int, default=5, help="of 10 people, 390 answers each")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    facts = machine()
    runs = asyncio.run(bench(args.waves, args.repeats))
    rows = []
    for way in dict.fromkeys(run.way for run in runs):
        mine = [run for run in runs if run.way == way]
        cpu = [run.cpu_us for run in mine]
        wall = [run.wall_us for run in mine]
        rows.append(
            [
                way,
                len(mine),
                f"{statistics.median(cpu):.0f} ({min(cpu):.0f}–{max(cpu):.0f})",
                f"{statistics.median(wall):.0f} ({min(wall):.0f}–{max(wall):.0f})",
                f"{min(r.load for r in mine):.2f}–{max(r.load for r in mine):.2f}",
                f"{sum(r.busy for r in mine)}/{len(mine)}",
            ]
        )
    print(markdown_table(["way", "runs", "CPU µs/answer", "wall µs/answer", "load", "busy"], rows))
    if args.json:
        write_json(
            args.json, {"machine": facts, "runs": [asdict(r) | {"busy": r.busy} for r in runs]}
        )


if __name__ == "__main__":
    main()
