"""Answers through several webhook workers on one PostgreSQL, beside one process on SQLite.

    .venv/bin/python -m benchmarks.workers_bench [--workers 1,2,4] [--repeats 3] [--json out.json]

Subjects, each with its own local Bot API emulator and its own database:

- `sqlite polling x1`: one `selfie-bot run` by long polling on an SQLite file (the default
  deployment);
- `postgresql webhook xN`: N `selfie-bot run` processes in webhook mode on one throwaway
  PostgreSQL (the machine's own binaries, as the tests start it), the emulator delivering
  round robin to them as a load balancer would, the webhook registered once with
  `selfie-bot webhook set` (Telegram's default of 40 connections).

For each repeat the subjects take turns (so that a busy moment of the shared machine falls on
all of them alike). A run is one wave of fresh teachers who join (not timed), then:

- saturated: each presses as soon as the next statement shows; answers a second is counted
  while the middle 80 % of the answers came in;
- paced: each thinks for a random (exponential) time, so that together they offer --rate
  answers a second; the p99 is what a person at a busy school feels.

CPU per answer is the bot processes' together (from /proc), and apart from it the PostgreSQL
server's (the postmaster and its backends). The emulator and the simulated people share this
process. Medians and the spread (min-max) over the repeats are printed, with the load average
before and after each run.
"""

# The driver's waits take plain `timeout=` seconds, like the emulator's.
# ruff: noqa: ASYNC109

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.common import machine, markdown_table, percentile, process_cpu_seconds, write_json
from benchmarks.live import TOKEN, USERNAME, BotProcess, answer, bot_env, join, open_session
from emulator import BotApiEmulator, ChatMessage, EmulatedUser
from emulator.harness import free_port
from tests import postgres

SECRET = "Bench-webhook_secret-0123456789"
PUBLIC_URL = "http://127.0.0.1:9/telegram"  # never posted to: the emulator balances to workers
RESPONDENTS = 100
ANSWERS_PER_RUN = 300
OFFERED_RATE = 10.0


class Worker(BotProcess):
    """`selfie-bot run` in webhook mode; ready once its port takes connections."""

    def __init__(self, emu: BotApiEmulator, database: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        env = bot_env(
            emu,
            database,
            mode="webhook",
            webhook_url=PUBLIC_URL,
            webhook_secret=SECRET,
            webhook_port=str(self.port),
        )
        super().__init__(emu, "bot", ["--env-file", os.devnull, "run"], env)

    async def start(self, timeout: float = 60.0) -> float:
        began = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *self.command, env=self.env, stdout=asyncio.subprocess.DEVNULL
        )
        while not _listening(self.port):
            if self.process.returncode is not None or time.perf_counter() - began > timeout:
                raise RuntimeError(f"worker on port {self.port} did not start")
            await asyncio.sleep(0.1)
        return time.perf_counter() - began


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class Subject:
    name: str
    emu: BotApiEmulator
    processes: list[BotProcess]
    invite: str
    database_pids: Callable[[], list[int]] = list
    next_user: int = 10_000_000

    def users(self, count: int) -> list[EmulatedUser]:
        first, self.next_user = self.next_user, self.next_user + count
        return [self.emu.user(uid, language_code="en") for uid in range(first, first + count)]

    def bot_cpu(self) -> float:
        return sum(process_cpu_seconds(p.pid) for p in self.processes)

    def database_cpu(self) -> dict[int, float]:
        """CPU seconds so far of each PostgreSQL process, by pid (see `cpu_between`)."""
        found: dict[int, float] = {}
        for pid in self.database_pids():
            with contextlib.suppress(OSError):  # a backend that just ended
                found[pid] = process_cpu_seconds(pid)
        return found


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the processes used between two readings: a process that ended in between is left
    out (its last moments are lost), one that started counts whole. Summing each reading
    instead went negative when a backend or autovacuum worker ended."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def postgres_pids(port: int) -> Callable[[], list[int]]:
    """The postmaster listening on `port` and its children (backends, writers), as of now."""

    def find() -> list[int]:
        parents: dict[int, int] = {}
        master = None
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            parents[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
            if any(
                flag == b"-p" and value == str(port).encode()
                for flag, value in itertools.pairwise(command)
            ):
                master = int(entry)
        if master is None:
            return []
        return [master, *(pid for pid, parent in parents.items() if parent == master)]

    return find


@contextmanager
def postgresql_server() -> Iterator[postgres.TestServer]:
    """The tests' throwaway server: initdb into a temporary folder, stopped and deleted after."""
    with postgres.running() as server:
        yield postgres.TestServer(server.host, server.port, server.user, server.password)


@dataclass
class Run:
    subject: str
    mode: str
    repeat: int
    answers: int
    answers_per_s: float
    p50_ms: float
    p99_ms: float
    bot_cpu_ms: float  # per answer, every bot process together
    database_cpu_ms: float  # per answer, the PostgreSQL server (0 for SQLite: in the bot)
    load_before: float
    load_after: float


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)


async def measure(subject: Subject, mode: str, repeat: int, total: int, rate: float) -> Run:
    users = subject.users(RESPONDENTS)
    statements = await asyncio.gather(*(join(user, subject.invite) for user in users))
    await subject.emu.wait_until_idle(quiet=0.3, timeout=180)
    each = max(1, min(39, total // RESPONDENTS))
    mean_pause = RESPONDENTS / rate
    tally = Tally()

    async def respond(user: EmulatedUser, statement: ChatMessage) -> None:
        rng = random.Random(user.id)
        for _ in range(each):
            if mode == "paced":
                await asyncio.sleep(rng.expovariate(1 / mean_pause))
            tally.latencies.append(await answer(user, statement, rng))
            tally.finished.append(time.perf_counter())

    load_before = os.getloadavg()[0]
    bot_cpu, database_before = subject.bot_cpu(), subject.database_cpu()
    await asyncio.gather(*(respond(u, s) for u, s in zip(users, statements, strict=True)))
    bot_cpu = subject.bot_cpu() - bot_cpu
    database_cpu = cpu_between(database_before, subject.database_cpu())
    count = len(tally.latencies)
    first, last = percentile(tally.finished, 10), percentile(tally.finished, 90)
    return Run(
        subject=subject.name,
        mode=mode,
        repeat=repeat,
        answers=count,
        answers_per_s=round(0.8 * count / (last - first), 1) if last > first else 0.0,
        p50_ms=round(1000 * percentile(tally.latencies, 50), 1),
        p99_ms=round(1000 * percentile(tally.latencies, 99), 1),
        bot_cpu_ms=round(1000 * bot_cpu / count, 2),
        database_cpu_ms=round(1000 * database_cpu / count, 2),
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
    )


async def _register(emu: BotApiEmulator, database: str) -> None:
    env = bot_env(emu, database) | {
        "SELFIE_WEBHOOK_URL": PUBLIC_URL,
        "SELFIE_WEBHOOK_SECRET": SECRET,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELFIE_")} | env
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "bot", "--env-file", os.devnull, "webhook", "set"],
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
    )
    if await process.wait() != 0:
        raise RuntimeError("selfie-bot webhook set failed")


@asynccontextmanager
async def subjects(folder: Path, counts: list[int], sqlite: bool) -> AsyncIterator[list[Subject]]:
    chosen: list[Subject] = []
    async with AsyncExitStack() as stack:
        if sqlite:
            emu = await stack.enter_async_context(
                BotApiEmulator(TOKEN, username=USERNAME, record_requests=False)
            )
            database = folder / "bench.sqlite3"
            invite = (await open_session(database))["teacher"]
            process = BotProcess(
                emu, "bot", ["--env-file", os.devnull, "run"], bot_env(emu, database)
            )
            chosen.append(Subject("sqlite polling x1", emu, [process], invite))
        if counts:
            server = stack.enter_context(postgresql_server())
            for count in counts:
                name = f"selfie_bench_{count}"
                url = server.new_database(name)
                emu = await stack.enter_async_context(
                    BotApiEmulator(
                        TOKEN, username=USERNAME, record_requests=False, webhook_timeout=60
                    )
                )
                invite = (await open_session(url))["teacher"]
                workers = [Worker(emu, url) for _ in range(count)]
                emu.set_webhook_workers([w.url for w in workers], policy="round_robin")
                await _register(emu, url)
                chosen.append(
                    Subject(
                        f"postgresql webhook x{count}",
                        emu,
                        list(workers),
                        invite,
                        postgres_pids(server.port),
                    )
                )
        try:
            for subject in chosen:
                await asyncio.gather(*(p.start() for p in subject.processes))
            yield chosen
        finally:
            for subject in chosen:
                for process in subject.processes:
                    await process.stop()


async def bench(
    counts: list[int], sqlite: bool, modes: list[str], repeats: int, total: int, rate: float
) -> list[Run]:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        async with subjects(Path(folder), counts, sqlite) as chosen:
            for repeat in range(1, repeats + 1):
                for mode in modes:
                    # Alternate the order too, so that no subject always runs first.
                    order = chosen if repeat % 2 else chosen[::-1]
                    for subject in order:
                        run = await measure(subject, mode, repeat, total, rate)
                        print(" | ".join(f"{v}" for v in asdict(run).values()), flush=True)
                        runs.append(run)
    return runs


def summary(runs: list[Run]) -> list[list[object]]:
    """Per subject and mode: the median of the repeats, and their spread (min-max)."""
    rows: list[list[object]] = []
    keys = dict.fromkeys((run.subject, run.mode) for run in runs)
    for subject, mode in keys:
        group = [run for run in runs if (run.subject, run.mode) == (subject, mode)]
        row: list[object] = [subject, mode, len(group)]
        for name in ("answers_per_s", "p99_ms", "bot_cpu_ms", "database_cpu_ms"):
            values = [float(getattr(run, name)) for run in group]
            row.append(f"{statistics.median(values):g} ({min(values):g}-{max(values):g})")
        loads = [run.load_before for run in group] + [run.load_after for run in group]
        row.append(f"{min(loads):g}-{max(loads):g}")
        rows.append(row)
    return rows


SUMMARY_HEADERS = [
    "subject",
    "mode",
    "runs",
    "answers/s",
    "p99 ms",
    "bot CPU ms/answer",
    "PostgreSQL CPU ms/answer",
    "load",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workers_bench")
    parser.add_argument("--workers", default="1,2,4", help="webhook worker counts on PostgreSQL")
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false")
    parser.add_argument("--modes", default="saturated,paced")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--answers", type=int, default=ANSWERS_PER_RUN, help="per run, about")
    parser.add_argument("--rate", type=float, default=OFFERED_RATE, help="offered when paced")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    facts = machine()
    counts = [int(n) for n in args.workers.split(",") if n]
    runs = asyncio.run(
        bench(counts, args.sqlite, args.modes.split(","), args.repeats, args.answers, args.rate)
    )
    print(markdown_table(SUMMARY_HEADERS, summary(runs)))
    if args.json:
        write_json(
            args.json,
            {"machine": facts, "runs": [asdict(run) for run in runs], "summary": summary(runs)},
        )


if __name__ == "__main__":
    main()
