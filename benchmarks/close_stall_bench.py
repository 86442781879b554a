"""One school's answers while another school's large session closes, on both engines.

    .venv/bin/python -m benchmarks.close_stall_bench [--respondents 100000]
        [--engines sqlite,postgresql] [--repeats 3] [--json out.json]

A large session (school A, `--respondents` completed questionnaires, seeded with the rows the
service writes: benchmarks/growth_bench.py) and a small one (school B) share one database, as
one bot's would. Teachers of school B answer through `Participation.answer` at a busy school's
pace (`--rate` answers a second from `--people` people; one who finishes is replaced by a new
one), while the benchmark first waits `--baseline` seconds and then closes school A's session
the way the scheduler does: the close's transaction (the status, the unfinished dropped), then
`load_results`, the report's aggregation, which on SQLite reads on its own connection. Each
answer's latency counts in the phase it started in: baseline, or during the close. The engines
take turns (`--repeats` rounds); the table gives the median and spread of each phase's p50, p99
and max. The load average is recorded around every run. This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, cast

from benchmarks.answer_bench import database_for
from benchmarks.common import describe_machine, machine, markdown_table, percentile, write_json
from benchmarks.growth_bench import (
    END,
    LEVEL,
    NOW,
    START,
    TIMEZONE,
    _people,
    _questionnaires,
    _seed_answers,
    _seed_joins,
)
from bot.clock import FixedClock
from bot.participation.outcomes import Progress
from bot.participation.service import Participation
from bot.reporting.service import load_results
from bot.sessions.service import CreatedSession, create_session
from bot.storage import Database
from bot.storage import deliveries as delivery_queries
from bot.storage import participants as participant_queries
from bot.surveys.bank import default_bank

Engine = Literal["sqlite", "postgresql"]
FIRST_ANSWERER = 50_000_000


@dataclass(frozen=True, slots=True)
class Run:
    engine: str
    repeat: int
    respondents: int
    close_s: float  # the close's transaction and load_results together
    baseline_answers: int
    baseline_p50_ms: float
    baseline_p99_ms: float
    baseline_max_ms: float
    closing_answers: int
    closing_p50_ms: float
    closing_p99_ms: float
    closing_max_ms: float
    load_before: float
    load_after: float


@asynccontextmanager
async def opened(engine: Engine) -> AsyncIterator[Database]:
    with tempfile.TemporaryDirectory(prefix="close-stall-") as folder:
        async with database_for(engine, Path(folder)) as (target, _server):
            db = await Database.open(target)
            try:
                yield db
            finally:
                await db.close()


async def measure(
    engine: Engine,
    repeat: int,
    *,
    respondents: int,
    people: int,
    rate: float,
    baseline: float,
) -> Run:
    bank = default_bank()
    clock = FixedClock(NOW)
    rng = random.Random(repeat)
    async with opened(engine) as db:

        async def session_of(school: str, coordinator: int) -> CreatedSession:
            return await create_session(
                db,
                bank=bank,
                now=clock.now(),
                school_name=school,
                coordinator_id=coordinator,
                level=LEVEL,
                start=START,
                end=END,
                timezone=TIMEZONE,
            )

        large = await session_of("Lielā skola", 1)
        everyone = _people(rng, respondents)
        await _seed_joins(db, large.session_id, everyone, clock.now())
        questionnaires = await _questionnaires(db, bank, large.session_id)
        for first in range(0, respondents, 10_000):
            chunk = everyone[first : first + 10_000]
            await _seed_answers(db, rng, large.session_id, chunk, questionnaires)
        small = await session_of("Mazā skola", 2)
        participation = Participation(db=db, clock=clock, bank=bank)
        answered: list[tuple[float, float]] = []  # (started, seconds)
        stop = asyncio.Event()
        ids = iter(range(FIRST_ANSWERER, FIRST_ANSWERER + 10_000_000))

        async def answerer() -> None:
            step: object = None
            gap = people / rate
            while not stop.is_set():
                if not isinstance(step, Progress):
                    step = await participation.join(
                        token=small.invites["teacher"],
                        telegram_id=(person := next(ids)),
                        chat_id=person,
                        language="en",
                    )
                    continue
                began = time.perf_counter()
                step = await participation.answer(
                    telegram_id=person, session_id=small.session_id, code=step.item.code, value=3
                )
                answered.append((began, time.perf_counter() - began))
                await asyncio.sleep(rng.expovariate(1 / gap))

        load_before = os.getloadavg()[0]
        workers = [asyncio.create_task(answerer()) for _ in range(people)]
        started = time.perf_counter()
        await asyncio.sleep(baseline)
        closing = time.perf_counter()
        async with db.transaction() as connection:
            await delivery_queries.close_session(
                connection, session_id=large.session_id, now=clock.now()
            )
            await participant_queries.drop_unfinished(connection, session_id=large.session_id)
        results = await load_results(db, session_id=large.session_id, bank=bank)
        closed = time.perf_counter()
        assert results is not None and results.respondents, "the large session has no results"
        stop.set()
        await asyncio.gather(*workers)
        load_after = os.getloadavg()[0]
    before = [s * 1000 for at, s in answered if started <= at < closing]
    during = [s * 1000 for at, s in answered if closing <= at < closed]
    return Run(
        engine=engine,
        repeat=repeat,
        respondents=respondents,
        close_s=round(closed - closing, 2),
        baseline_answers=len(before),
        baseline_p50_ms=round(percentile(before, 50), 1),
        baseline_p99_ms=round(percentile(before, 99), 1),
        baseline_max_ms=round(max(before), 1),
        closing_answers=len(during),
        closing_p50_ms=round(percentile(during, 50), 1) if during else 0.0,
        closing_p99_ms=round(percentile(during, 99), 1) if during else 0.0,
        closing_max_ms=round(max(during), 1) if during else 0.0,
        load_before=round(load_before, 2),
        load_after=round(load_after, 2),
    )


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values)} ({min(values)}–{max(values)})"


def summary(runs: list[Run]) -> str:
    rows = []
    for engine in dict.fromkeys(run.engine for run in runs):
        mine = [run for run in runs if run.engine == engine]
        rows.append(
            [
                engine,
                len(mine),
                _spread([run.close_s for run in mine]),
                _spread([run.baseline_p50_ms for run in mine]),
                _spread([run.baseline_p99_ms for run in mine]),
                _spread([run.closing_p50_ms for run in mine]),
                _spread([run.closing_p99_ms for run in mine]),
                _spread([run.closing_max_ms for run in mine]),
                f"{min(r.load_before for r in mine)}–{max(r.load_after for r in mine)}",
            ]
        )
    return markdown_table(
        [
            "engine",
            "runs",
            "close + results s",
            "baseline p50 ms",
            "baseline p99 ms",
            "closing p50 ms",
            "closing p99 ms",
            "closing max ms",
            "load",
        ],
        rows,
    )


async def bench(args: argparse.Namespace) -> list[Run]:
    engines = [cast(Engine, e) for e in args.engines.split(",")]
    if unknown := set(engines) - {"sqlite", "postgresql"}:
        raise SystemExit(f"unknown engine(s): {', '.join(sorted(unknown))}")
    runs: list[Run] = []
    for repeat in range(args.repeats):
        for engine in engines if repeat % 2 == 0 else list(reversed(engines)):
            run = await measure(
                engine,
                repeat,
                respondents=args.respondents,
                people=args.people,
                rate=args.rate,
                baseline=args.baseline,
            )
            print(run, flush=True)
            runs.append(run)
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.close_stall_bench")
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--people", type=int, default=20, help="school B's answering teachers")
    parser.add_argument("--rate", type=float, default=50.0, help="their answers a second")
    parser.add_argument("--baseline", type=float, default=3.0, help="seconds before the close")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    facts = machine()
    print(describe_machine(facts))
    runs = asyncio.run(bench(args))
    print(summary(runs))
    if args.json is not None:
        write_json(args.json, {"machine": facts, "runs": [asdict(run) for run in runs]})


if __name__ == "__main__":
    main()
