"""Answer throughput and latency: the survey bot against a minimal python-telegram-bot bot.

    .venv/bin/python -m benchmarks.answer_bench [--concurrency 10,100,1000] [--json out.json]

Both bots run as processes of their own (`selfie-bot run` with production settings and a real
SQLite file; `benchmarks.minimal_bot`), each against its own local Bot API emulator served over
HTTP from this process, where simulated respondents press buttons. For each number of
concurrent respondents, and for each bot in turn:

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
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path

from benchmarks.common import machine, markdown_table, percentile, process_cpu_seconds, write_json
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
MINIMAL, SURVEY = "minimal PTB bot", "survey bot"


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


@asynccontextmanager
async def subjects(
    folder: Path, names: list[str], profile: Path | None, minimal_poll: float
) -> AsyncIterator[list[Subject]]:
    database = folder / "bench.sqlite3"
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


async def _wave(
    subject: Subject,
    concurrency: int,
    each: int,
    pause: Callable[[random.Random], float],
    tally: Tally,
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
    began = time.perf_counter()
    results = await asyncio.gather(
        *(respond(user, statement) for user, statement in zip(users, statements, strict=True))
    )
    tally.seconds += time.perf_counter() - began
    tally.bot_cpu += process_cpu_seconds(subject.process.pid) - bot_cpu
    tally.driver_cpu += time.process_time() - driver_cpu
    tally.emulator_cpu += subject.emu.stats.handler_cpu_seconds
    tally.polls += subject.emu.stats.calls["getUpdates"]
    tally.latencies += [latency for latencies in results for latency in latencies]
    first, last = percentile(finished, 10), percentile(finished, 90)
    if last > first:
        tally.steady_rates.append(0.8 * len(finished) / (last - first))


async def measure(subject: Subject, mode: str, concurrency: int, total: int, rate: float) -> Run:
    waves, each = _answers_each(concurrency, total)
    mean_pause = concurrency / rate

    def pause(rng: random.Random) -> float:
        return 0.0 if mode == "saturated" else rng.expovariate(1 / mean_pause)

    tally = Tally()
    for _ in range(waves):
        await _wave(subject, concurrency, each, pause, tally)
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
    )


def ratios(runs: list[Run]) -> dict[int, dict[str, float]]:
    """Per concurrency, saturated: the survey bot's throughput over the minimal bot's, and
    the minimal bot's CPU per answer over ours (steadier on a shared machine)."""
    saturated = {(r.bot, r.concurrency): r for r in runs if r.mode == "saturated"}
    found = {}
    for (name, count), ours in saturated.items():
        base = saturated.get((MINIMAL, count))
        if name == SURVEY and base is not None:
            found[count] = {
                "throughput": round(ours.answers_per_s / base.answers_per_s, 2),
                "cpu": round(base.bot_cpu_ms / ours.bot_cpu_ms, 2),
            }
    return found


async def bench(
    concurrency: list[int],
    total: int,
    rate: float,
    names: list[str],
    modes: list[str],
    profile: Path | None = None,
    minimal_poll: float = 0.0,
) -> list[Run]:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        async with subjects(Path(folder), names, profile, minimal_poll) as chosen:
            for count in concurrency:
                for mode in modes:
                    for subject in chosen:
                        run = await measure(subject, mode, count, total, rate)
                        print(" | ".join(map(str, astuple(run))), flush=True)
                        runs.append(run)
    return runs


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
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.answer_bench")
    parser.add_argument("--concurrency", default="10,100,1000")
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
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--profile", type=Path, default=None, help="folder for py-spy stacks of the bots"
    )
    args = parser.parse_args(argv)
    facts = machine()
    runs = asyncio.run(
        bench(
            [int(n) for n in args.concurrency.split(",")],
            args.answers,
            args.rate,
            args.bots.split(","),
            args.modes.split(","),
            args.profile,
            args.minimal_poll_interval,
        )
    )
    print(markdown_table(HEADERS, [list(astuple(run)) for run in runs]))
    found = ratios(runs)
    for concurrency, ratio in found.items():
        print(
            f"{concurrency} concurrent, saturated: survey bot / minimal bot throughput "
            f"{ratio['throughput']}, CPU per answer (minimal / ours) {ratio['cpu']}"
        )
    if args.json:
        write_json(
            args.json,
            {"machine": facts, "runs": [asdict(run) for run in runs], "ratios": found},
        )


if __name__ == "__main__":
    main()
