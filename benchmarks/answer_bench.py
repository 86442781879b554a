"""Answer throughput and latency: the survey bot against a minimal python-telegram-bot bot.

    .venv/bin/python -m benchmarks.answer_bench [--concurrency 10,100] [--repeats 3]
        [--database sqlite|postgresql] [--json out.json]

Both bots run as processes of their own (`selfie-bot run` with production settings and a real
SQLite file, or a throwaway PostgreSQL server with `--database postgresql`;
`benchmarks.minimal_bot`), each against its own local Bot API emulator served over HTTP from
this process, where simulated respondents press buttons. For each number of concurrent
respondents and each mode, the bots take turns (ours, minimal, ours, minimal, …) `--repeats`
times, so that a change in the machine's load meanwhile falls on both; the summary gives each
figure's median and its spread (min–max) over the repeats, and the comparison pairs the runs
of one repeat. The load average (1 min) is read before and after every run; it counts the
benchmark itself too (saturated, the bot and the driver keep about 1.5 cores busy), so what
marks a run busy is the CPU that other processes took while it ran (/proc/stat less our
processes): half a core or more, on a machine of 2.

- saturated: every respondent presses a value as soon as the next statement is shown, so the
  bot is the bottleneck; answers per second (counted while the middle 80 % of a run's answers
  came in, so that the first and last few do not dilute it) is the bot's capacity;
- paced: respondents think for a random (exponential) time before each press so that together
  they offer --rate answers a second, the load of a busy school; latency is what a person feels.

Latency is from the press (the update is queued for the bot) to the edit that shows the next
statement arriving at the emulator. Fresh respondents join before each run (not timed). CPU
time per answer is read from /proc for the bot's process, and from this process for the
emulator and the driver together; the emulator's own request handling is counted apart.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path
from typing import Literal

import asyncpg

from benchmarks import postgres_server
from benchmarks.common import (
    machine,
    machine_busy_seconds,
    markdown_table,
    percentile,
    process_cpu_seconds,
    tree_cpu_seconds,
    write_json,
)
from benchmarks.live import (
    TOKEN,
    USERNAME,
    BotProcess,
    answer,
    join,
    minimal_bot,
    open_session,
    survey_bot,
)
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

ANSWERS_PER_RUN = 3000
MAX_ANSWERS_EACH = 39  # a teacher's questionnaire has 40 statements
OFFERED_RATE = 150.0
REPEATS = 3
MINIMAL, SURVEY = "minimal PTB bot", "survey bot"
BUSY_OTHERS = 0.5  # cores that other processes used during a run
Engine = Literal["sqlite", "postgresql"]


@dataclass(frozen=True, slots=True)
class Run:
    bot: str
    mode: str
    concurrency: int
    answers: int
    seconds: float
    answers_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    bot_cpu_ms: float  # per answer
    driver_cpu_ms: float  # per answer: the emulator and the simulated people together
    emulator_ms: float  # per answer: the emulator's request handlers alone
    polls: float  # getUpdates calls per answer
    repeat: int = 0
    load_before: float = 0.0  # the 1-minute load average
    load_after: float = 0.0
    others_cores: float = 0.0  # CPU that processes other than the benchmark's used meanwhile

    @property
    def busy(self) -> bool:
        return self.others_cores >= BUSY_OTHERS


def _load() -> float:
    return round(os.getloadavg()[0], 2)


@dataclass
class Subject:
    """One bot under test with its emulator and a supply of fresh respondents."""

    name: str
    emu: BotApiEmulator
    process: BotProcess
    payload: str | None
    next_user: int = 10_000_000

    def users(self, count: int) -> list[EmulatedUser]:
        first, self.next_user = self.next_user, self.next_user + count
        return [self.emu.user(uid, language_code="en") for uid in range(first, first + count)]


def _stacks(folder: Path | None, name: str) -> Path | None:
    return None if folder is None else folder / f"{name}.stacks"


def _syscalls(folder: Path | None, name: str) -> Path | None:
    return None if folder is None else folder / f"{name}.strace"


@asynccontextmanager
async def database_for(
    engine: Engine, folder: Path
) -> AsyncIterator[tuple[str | Path, int | None]]:
    """An empty database for our bot: a file in `folder`, or one on a throwaway server (then
    also the server's process id: its CPU is the benchmark's, not others' load)."""
    if engine == "sqlite":
        yield folder / "bench.sqlite3", None
        return
    with postgres_server.running() as server:
        connection = await asyncpg.connect(server.url("postgres"))
        try:
            await connection.execute("CREATE DATABASE bench")
        finally:
            await connection.close()
        yield server.url("bench"), server.pid


@asynccontextmanager
async def subjects(
    database: str | Path,
    names: list[str],
    profile: Path | None,
    minimal_poll: float,
    syscalls: Path | None = None,
) -> AsyncIterator[list[Subject]]:
    token = (await open_session(database))["teacher"]
    async with (
        BotApiEmulator(TOKEN, username=USERNAME, record_requests=False) as minimal_emu,
        BotApiEmulator(TOKEN, username=USERNAME, record_requests=False) as survey_emu,
    ):
        every = [
            Subject(
                MINIMAL,
                minimal_emu,
                minimal_bot(minimal_emu, _stacks(profile, "minimal"), minimal_poll),
                None,
            ),
            Subject(
                SURVEY,
                survey_emu,
                survey_bot(survey_emu, database, _stacks(profile, "survey")),
                token,
            ),
        ]
        chosen = [subject for subject in every if subject.name in names]
        every[0].process.syscalls = _syscalls(syscalls, "minimal")
        every[1].process.syscalls = _syscalls(syscalls, "survey")
        try:
            for subject in chosen:
                await subject.process.start()
            yield chosen
        finally:
            for subject in chosen:
                await subject.process.stop()


def _answers_each(concurrency: int, total: int) -> tuple[int, int]:
    """(waves, answers per respondent) so that about `total` answers are given."""
    each = max(1, min(MAX_ANSWERS_EACH, math.ceil(total / concurrency)))
    return max(1, round(total / (concurrency * each))), each


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    # Per wave, the answers/s while the middle 80 % of its answers came in: the last few
    # respondents of a paced wave, still thinking, would otherwise dilute the rate.
    steady_rates: list[float] = field(default_factory=list)
    bot_cpu: float = 0.0
    driver_cpu: float = 0.0
    emulator_cpu: float = 0.0
    polls: int = 0
    others_cpu: float = 0.0


def _ours_cpu(pids: Sequence[int], server: int | None) -> float:
    """The benchmark's processes: this one, the bots, and the database server with its
    backends."""
    own = sum(process_cpu_seconds(pid) for pid in (os.getpid(), *pids))
    return own + (tree_cpu_seconds(server) if server is not None else 0.0)


async def _wave(
    subject: Subject,
    concurrency: int,
    each: int,
    pause: Callable[[random.Random], float],
    tally: Tally,
    pids: Sequence[int],
    server: int | None,
) -> None:
    """Join `concurrency` fresh respondents (not counted), then let each answer `each` times."""
    users = subject.users(concurrency)
    statements = await asyncio.gather(*(join(user, subject.payload) for user in users))
    await subject.emu.wait_until_idle(quiet=0.2, timeout=120)

    finished: list[float] = []

    async def respond(user: EmulatedUser, statement: ChatMessage) -> list[float]:
        rng = random.Random(user.id)
        latencies = []
        for _ in range(each):
            delay = pause(rng)
            if delay:
                await asyncio.sleep(delay)
            latencies.append(await answer(user, statement, rng))
            finished.append(time.perf_counter())
        return latencies

    subject.emu.stats.reset()
    bot_cpu, driver_cpu = process_cpu_seconds(subject.process.pid), time.process_time()
    busy, ours = machine_busy_seconds(), _ours_cpu(pids, server)
    began = time.perf_counter()
    results = await asyncio.gather(
        *(respond(user, statement) for user, statement in zip(users, statements, strict=True))
    )
    tally.seconds += time.perf_counter() - began
    tally.others_cpu += (machine_busy_seconds() - busy) - (_ours_cpu(pids, server) - ours)
    tally.bot_cpu += process_cpu_seconds(subject.process.pid) - bot_cpu
    tally.driver_cpu += time.process_time() - driver_cpu
    tally.emulator_cpu += subject.emu.stats.handler_cpu_seconds
    tally.polls += subject.emu.stats.calls["getUpdates"]
    tally.latencies += [latency for latencies in results for latency in latencies]
    first, last = percentile(finished, 10), percentile(finished, 90)
    if last > first:
        tally.steady_rates.append(0.8 * len(finished) / (last - first))


async def measure(
    subject: Subject,
    mode: str,
    concurrency: int,
    total: int,
    rate: float,
    pids: Sequence[int] = (),
    server: int | None = None,
) -> Run:
    """`pids`: the benchmark's other processes (the bots), and `server` the database server's,
    not counted as others' load."""
    waves, each = _answers_each(concurrency, total)
    mean_pause = concurrency / rate

    def pause(rng: random.Random) -> float:
        return 0.0 if mode == "saturated" else rng.expovariate(1 / mean_pause)

    tally = Tally()
    load_before = _load()
    for _ in range(waves):
        own = pids or [subject.process.pid]
        await _wave(subject, concurrency, each, pause, tally, own, server)
    count = len(tally.latencies)
    return Run(
        bot=subject.name,
        mode=mode,
        concurrency=concurrency,
        answers=count,
        seconds=round(tally.seconds, 2),
        answers_per_s=round(statistics.median(tally.steady_rates or [count / tally.seconds]), 1),
        p50_ms=round(1000 * percentile(tally.latencies, 50), 1),
        p99_ms=round(1000 * percentile(tally.latencies, 99), 1),
        max_ms=round(1000 * max(tally.latencies), 1),
        bot_cpu_ms=round(1000 * tally.bot_cpu / count, 2),
        driver_cpu_ms=round(1000 * tally.driver_cpu / count, 2),
        emulator_ms=round(1000 * tally.emulator_cpu / count, 2),
        polls=round(tally.polls / count, 2),
        load_before=load_before,
        load_after=_load(),
        others_cores=round(max(0.0, tally.others_cpu) / tally.seconds, 2),
    )


def _spread(values: Sequence[float], digits: int = 1) -> str:
    """The median, then (min–max) when there is more than one value."""
    median = round(statistics.median(values), digits)
    if len(values) == 1:
        return f"{median}"
    return f"{median} ({round(min(values), digits)}–{round(max(values), digits)})"


def _loads(runs: Sequence[Run]) -> str:
    """The load averages seen, the others' cores, and how many runs were busy."""
    loads = [load for run in runs for load in (run.load_before, run.load_after)]
    others = [run.others_cores for run in runs]
    busy = sum(run.busy for run in runs)
    marks = f"; {busy}/{len(runs)} busy" if busy else ""
    return f"{min(loads):.2f}–{max(loads):.2f}, others {min(others):.2f}–{max(others):.2f}{marks}"


def _groups(runs: Sequence[Run]) -> dict[tuple[str, str, int], list[Run]]:
    found: dict[tuple[str, str, int], list[Run]] = {}
    for run in runs:
        found.setdefault((run.bot, run.mode, run.concurrency), []).append(run)
    return found


def summary(runs: Sequence[Run]) -> list[list[object]]:
    """Per bot, mode and concurrency: medians and spreads over the repeats."""
    return [
        [
            bot,
            mode,
            concurrency,
            len(group),
            _spread([r.answers_per_s for r in group]),
            _spread([r.p50_ms for r in group]),
            _spread([r.p99_ms for r in group]),
            _spread([r.bot_cpu_ms for r in group], 2),
            _spread([r.driver_cpu_ms for r in group], 2),
            _spread([r.polls for r in group], 2),
            _loads(group),
        ]
        for (bot, mode, concurrency), group in _groups(runs).items()
    ]


@dataclass(frozen=True, slots=True)
class Comparison:
    """Ours against the minimal bot in one mode and crowd, one value per repeat."""

    mode: str
    concurrency: int
    throughput_ratio: list[float]  # our answers/s over the minimal bot's
    extra_cpu_ms: list[float]  # our CPU per answer beyond the minimal bot's
    p99_ms_ours: list[float]
    busy_pairs: int

    def line(self, engine: str) -> str:
        busy = (
            f" ({self.busy_pairs} of {len(self.extra_cpu_ms)} pairs busy)"
            if self.busy_pairs
            else ""
        )
        return (
            f"{self.mode}, {self.concurrency} at once, {engine}: ours / minimal throughput "
            f"{_spread(self.throughput_ratio, 2)}, our CPU beyond the minimal bot's "
            f"{_spread(self.extra_cpu_ms, 2)} ms/answer, our p99 {_spread(self.p99_ms_ours)} ms"
            + busy
        )


def comparisons(runs: Sequence[Run]) -> list[Comparison]:
    """Per mode and concurrency, over the pairs of runs taken in one repeat."""
    pairs: dict[tuple[str, int], list[tuple[Run, Run]]] = {}
    by_repeat = {(r.bot, r.mode, r.concurrency, r.repeat): r for r in runs}
    for (bot, mode, concurrency, repeat), ours in by_repeat.items():
        base = by_repeat.get((MINIMAL, mode, concurrency, repeat))
        if bot == SURVEY and base is not None:
            pairs.setdefault((mode, concurrency), []).append((ours, base))
    return [
        Comparison(
            mode=mode,
            concurrency=concurrency,
            throughput_ratio=[round(o.answers_per_s / b.answers_per_s, 3) for o, b in taken],
            extra_cpu_ms=[round(o.bot_cpu_ms - b.bot_cpu_ms, 2) for o, b in taken],
            p99_ms_ours=[o.p99_ms for o, _ in taken],
            busy_pairs=sum(o.busy or b.busy for o, b in taken),
        )
        for (mode, concurrency), taken in pairs.items()
    ]


async def bench(
    concurrency: list[int],
    total: int,
    rate: float,
    names: list[str],
    modes: list[str],
    profile: Path | None = None,
    minimal_poll: float = 0.0,
    repeats: int = REPEATS,
    engine: Engine = "sqlite",
    syscalls: Path | None = None,
) -> list[Run]:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        async with (
            database_for(engine, Path(folder)) as (database, server),
            subjects(database, names, profile, minimal_poll, syscalls) as chosen,
        ):
            for count in concurrency:
                for mode in modes:
                    for repeat in range(repeats):
                        for subject in chosen:
                            pids = [each.process.pid for each in chosen]
                            run = await measure(subject, mode, count, total, rate, pids, server)
                            run = _replace_repeat(run, repeat)
                            print(" | ".join(map(str, astuple(run))), flush=True)
                            runs.append(run)
    return runs


def _replace_repeat(run: Run, repeat: int) -> Run:
    return Run(**(asdict(run) | {"repeat": repeat}))


HEADERS = [
    "bot",
    "mode",
    "concurrent",
    "answers",
    "s",
    "answers/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "bot CPU ms/answer",
    "emulator+driver CPU ms/answer",
    "emulator handlers ms/answer",
    "getUpdates/answer",
    "repeat",
    "load before",
    "load after",
    "others' cores",
]
SUMMARY_HEADERS = [
    "bot",
    "mode",
    "concurrent",
    "runs",
    "answers/s",
    "p50 ms",
    "p99 ms",
    "bot CPU ms/answer",
    "emulator+driver CPU ms/answer",
    "getUpdates/answer",
    "load; others' cores",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.answer_bench")
    parser.add_argument("--concurrency", default="10,100")
    parser.add_argument("--answers", type=int, default=ANSWERS_PER_RUN, help="per run, about")
    parser.add_argument("--rate", type=float, default=OFFERED_RATE, help="offered when paced")
    parser.add_argument("--bots", default=f"{MINIMAL},{SURVEY}", help="comma-separated")
    parser.add_argument("--modes", default="saturated,paced", help="comma-separated")
    parser.add_argument(
        "--minimal-poll-interval",
        type=float,
        default=0.0,
        help="seconds between the minimal bot's getUpdates (default: PTB's, 0)",
    )
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help="runs of each bot, taking turns"
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="our bot's engine (postgresql: a throwaway server from this machine's binaries)",
    )
    parser.add_argument(
        "--syscalls", type=Path, default=None, help="folder for strace -c counts of the bots"
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--profile", type=Path, default=None, help="folder for py-spy stacks of the bots"
    )
    args = parser.parse_args(argv)
    facts = machine() | {"database": args.database}
    runs = asyncio.run(
        bench(
            [int(n) for n in args.concurrency.split(",")],
            args.answers,
            args.rate,
            args.bots.split(","),
            args.modes.split(","),
            args.profile,
            args.minimal_poll_interval,
            args.repeats,
            args.database,
            args.syscalls,
        )
    )
    print(
        markdown_table(HEADERS, [[*astuple(run)[:-4], run.repeat, *_marked(run)] for run in runs])
    )
    print()
    print(markdown_table(SUMMARY_HEADERS, summary(runs)))
    found = comparisons(runs)
    for compared in found:
        print(compared.line(args.database))
    if args.json:
        write_json(
            args.json,
            {
                "machine": facts,
                "runs": [asdict(run) | {"busy": run.busy} for run in runs],
                "summary": [dict(zip(SUMMARY_HEADERS, row, strict=True)) for row in summary(runs)],
                "comparisons": [
                    asdict(compared)
                    | {
                        "throughput_ratio_median": statistics.median(compared.throughput_ratio),
                        "extra_cpu_ms_median": statistics.median(compared.extra_cpu_ms),
                    }
                    for compared in found
                ],
            },
        )


def _marked(run: Run) -> tuple[float, float, str]:
    return run.load_before, run.load_after, f"{run.others_cores}{' busy' if run.busy else ''}"


if __name__ == "__main__":
    main()
