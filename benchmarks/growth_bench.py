"""How a session's whole lifecycle grows with the number of respondents: time and database size.

    .venv/bin/python -m benchmarks.growth_bench [--sizes 100,1000,10000,100000] [--json out.json]

For each size N it makes a fresh SQLite file through the shipped migrations and drives the real
service layer (no Telegram on the participant path) through four phases:

- creating: `create_session` (school, coordinator, core + 4 optional + 3 own statements,
  invites), then N people join with `Participation.join` through the session's invites (about
  3 % leaders, 22 % teachers, 75 % students);
- answering: every person answers every statement of their questionnaire with
  `Participation.answer` (1..5, about 8 % "not applicable", which is 0) until it completes.
  --concurrency people answer at once, interleaved, as they would (the Database runs one
  transaction at a time anyway);
- closing: `Scheduler.tick()` after the closing time, then `drain()`, as the bot does it: the
  session is closed, the report is claimed, the results are loaded, the chart is drawn and sent
  as a photo to the coordinator by a real `telegram.Bot` through the in-process BotApiEmulator;
- reporting: `load_results` + `area_chart_png`, median of --repeat runs (the PDF is
  report_bench's business).

Database size is the main file after `PRAGMA wal_checkpoint(TRUNCATE)` at the end of each phase
(the -wal file is then empty); checkpoints are not timed. Bytes per answer is the growth of the
file during answering divided by the answers (it includes each response's completion mark);
the answers table alone is measured with SQLite's dbstat.

Above --service-limit respondents (default 10,000) answering everybody through the service
would take too long (3.4 million answers for 100,000 people, at 0.5 to 2 ms each depending on
the code and the machine's load: one to two hours). Then the first
N - limit people are seeded with executemany, writing the very rows the service writes, and the
last `limit` people join and answer through the service on top of them. The table marks such
sizes: "through service" is the measured slice, and the creating and answering times are that
slice's cost per person (per answer) times N, marked "≈" (and `"extrapolated": true` in the
JSON). Closing and reporting always run whole. An untimed 20-person session runs first
(--no-warm-up skips it), so neither matplotlib's import nor its font cache is counted.
--profile FILE records the first size's answering phase with pyinstrument (if installed).
This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Bot

from benchmarks.common import (
    describe_machine,
    machine,
    markdown_table,
    process_cpu_seconds,
    write_json,
)
from bot.app import build_scheduler
from bot.clock import FixedClock
from bot.participation.outcomes import Progress, Recap, StepOutcome
from bot.participation.service import Participation
from bot.reporting.chart import area_chart_png
from bot.reporting.service import load_results
from bot.scheduler.work import REPORT
from bot.sessions.service import create_session
from bot.settings import load_settings
from bot.storage import Database
from bot.storage.database import fetch_all, fetch_one
from bot.storage.records import to_epoch
from bot.storage.sqlite import SqliteDatabase
from bot.surveys.bank import Bank, default_bank
from bot.surveys.questionnaire import OwnStatement, Questionnaire, assemble
from bot.surveys.vocabulary import NOT_APPLICABLE, PROFILES, Language, Level, Profile
from emulator import BotApiEmulator

DEFAULT_SIZES = (100, 1000, 10000, 100000)
DEFAULT_SERVICE_LIMIT = 10_000
DEFAULT_CONCURRENCY = 32
LEVEL: Level = "upper-secondary"
TIMEZONE = "Europe/Riga"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # noon in Riga, the first day of the session
START = date(2026, 11, 23)
END = START + timedelta(days=13)
GROUP_WEIGHTS: dict[Profile, int] = {"leader": 3, "teacher": 22, "student": 75}
OPTIONAL_CODES = 4
NOT_APPLICABLE_SHARE = 0.08
OWN = (
    OwnStatement("S1", "B", frozenset({"leader", "teacher"}), "Mēs dalāmies ar labo praksi."),
    OwnStatement("S2", "C", frozenset(PROFILES), "Skolas Wi-Fi darbojas visās telpās."),
    OwnStatement("S3", "H", frozenset({"student"}), "Es protu droši lietot mākoņkrātuvi."),
)
TOKEN = "777000:GROWTH-bench"
BOT_USERNAME = "growth_bench_bot"
COORDINATOR = 500
FIRST_PERSON = 10_000_000


@dataclass(frozen=True, slots=True)
class Measurement:
    respondents: int
    through_service: int  # people who joined and answered through the service (timed)
    seeded: int  # people written with executemany before them (not timed)
    extrapolated: bool  # creating/answering totals scaled from the measured slice
    answers: int  # answers in the database
    questionnaire_items: int  # what the N people's questionnaires ask, all told
    answers_through_service: int
    not_applicable: int
    completed: int  # completed responses in the database
    report_respondents: int  # respondents counted by load_results
    create_session_s: float
    joining_s: float  # measured: `through_service` joins
    creating_s: float  # create_session + all N joins (extrapolated when seeded)
    join_us: float  # per join
    answering_s: float  # measured: `answers_through_service` answers
    answering_total_s: float  # all answers (extrapolated when seeded)
    answering_cpu_s: float  # process CPU during the measured answering
    answers_per_s: float
    answer_us: float
    seeding_s: float
    closing_s: float
    report_sent: int  # report deliveries settled as sent
    aggregation_s: float
    reporting_s: float  # load_results + area_chart_png
    aggregation_us_per_answer: float
    empty_bytes: int  # database after migrations
    created_bytes: int
    answered_bytes: int
    closed_bytes: int
    reported_bytes: int
    answers_table_bytes: int  # the answers table (WITHOUT ROWID: its primary key b-tree)
    bytes_per_respondent_joined: float  # growth while creating / N
    bytes_per_answer: float  # growth while answering / answers
    answers_table_bytes_per_answer: float


@dataclass(frozen=True, slots=True)
class Person:
    telegram_id: int
    profile: Profile
    language: Language


class Environment:
    """What every size shares: the bank, the emulator and a Bot pointed at it."""

    def __init__(self, bank: Bank, emulator: BotApiEmulator, bot: Bot) -> None:
        self.bank = bank
        self.emulator = emulator
        self.bot = bot


@asynccontextmanager
async def environment() -> AsyncIterator[Environment]:
    async with (
        BotApiEmulator(TOKEN, username=BOT_USERNAME) as emulator,
        Bot(TOKEN, base_url=emulator.base_url, base_file_url=emulator.base_file_url) as bot,
    ):
        # Telegram answers "chat not found" to a chat that never wrote to the bot.
        await emulator.user(COORDINATOR).send("/start")
        yield Environment(default_bank(), emulator, bot)


async def measure(
    env: Environment,
    path: Path,
    *,
    respondents: int,
    service_limit: int = DEFAULT_SERVICE_LIMIT,
    concurrency: int = DEFAULT_CONCURRENCY,
    repeat: int = 3,
    seed: int = 7,
    profile_answering: Path | None = None,
) -> Measurement:
    """Run one session of `respondents` people through its lifecycle in a new file at `path`."""
    bank = env.bank
    rng = random.Random(seed * 1_000_003 + respondents)
    clock = FixedClock(NOW)
    people = _people(rng, respondents)
    through_service = min(respondents, service_limit)
    seeded_people, measured_people = (
        people[: respondents - through_service],
        people[-through_service:],
    )
    db = await Database.open(path)
    try:
        empty_bytes = await _checkpointed_size(db)
        participation = Participation(db=db, clock=clock, bank=bank)

        # Creating
        started = time.perf_counter()
        created = await create_session(
            db,
            bank=bank,
            now=clock.now(),
            school_name="Growth vidusskola",
            coordinator_id=COORDINATOR,
            level=LEVEL,
            start=START,
            end=END,
            timezone=TIMEZONE,
            optional_codes=[s.code for s in bank.optional(LEVEL)][:OPTIONAL_CODES],
            own=OWN,
        )
        create_session_s = time.perf_counter() - started
        questionnaires = await _questionnaires(db, bank, created.session_id)
        items = sum(len(questionnaires[person.profile]) for person in people)
        seeding_started = time.perf_counter()
        await _seed_joins(db, created.session_id, seeded_people, clock.now())
        seeding_s = time.perf_counter() - seeding_started
        firsts: dict[int, Progress] = {}

        async def join(person: Person) -> None:
            outcome = await participation.join(
                token=created.invites[person.profile],
                telegram_id=person.telegram_id,
                chat_id=person.telegram_id,
                language=person.language,
            )
            if not isinstance(outcome, Progress):
                raise RuntimeError(f"joining gave {outcome!r}")
            firsts[person.telegram_id] = outcome

        started = time.perf_counter()
        await _pool(join, measured_people, concurrency)
        joining_s = time.perf_counter() - started
        created_bytes = await _checkpointed_size(db)

        # Answering
        seeding_started = time.perf_counter()
        await _seed_answers(db, rng, created.session_id, seeded_people, questionnaires)
        seeding_s += time.perf_counter() - seeding_started
        measured_answers = 0

        async def answer_all(person: Person) -> None:
            nonlocal measured_answers
            outcome: StepOutcome = firsts.pop(person.telegram_id)
            leaning = rng.gauss(3.2, 0.6)
            while isinstance(outcome, Progress):
                outcome = await participation.answer(
                    telegram_id=person.telegram_id,
                    session_id=created.session_id,
                    code=outcome.item.code,
                    value=_value(rng, leaning),
                )
                measured_answers += 1
            if not isinstance(outcome, Recap):
                raise RuntimeError(f"answering ended with {outcome!r}")

        profiler = _profiler(profile_answering)
        cpu_before = process_cpu_seconds(os.getpid())
        started = time.perf_counter()
        with profiler:
            await _pool(answer_all, measured_people, concurrency)
        answering_s = time.perf_counter() - started
        answering_cpu_s = process_cpu_seconds(os.getpid()) - cpu_before
        answered_bytes = await _checkpointed_size(db)
        answers, completed, not_applicable, answers_table = await _answer_facts(
            db, created.session_id
        )

        # Closing, as the bot's scheduler does it once the closing time has passed
        # The bot's own wiring, with default settings (one report: no pace to wait for)
        scheduler = build_scheduler(
            load_settings(None),
            db=db,
            clock=clock,
            bank=bank,
            participation=participation,
            bot=env.bot,
        )
        await scheduler.campaign()  # the sender, as the only process
        clock.set(created.period.closes_at)
        started = time.perf_counter()
        await scheduler.tick()
        await scheduler.drain()
        closing_s = time.perf_counter() - started
        report_sent = await _reports_sent(db, created.session_id)
        closed_bytes = await _checkpointed_size(db)

        # Reporting
        report_respondents = 0

        async def aggregate() -> None:
            nonlocal report_respondents
            results = await load_results(db, session_id=created.session_id, bank=bank)
            assert results is not None
            report_respondents = results.respondents

        async def report() -> None:
            results = await load_results(db, session_id=created.session_id, bank=bank)
            assert results is not None
            area_chart_png(results, bank=bank, language="lv")

        aggregation_s = await _median_seconds(aggregate, repeat)
        reporting_s = await _median_seconds(report, repeat)
        reported_bytes = await _checkpointed_size(db)
    finally:
        await db.close()

    joins = len(measured_people)
    join_us = joining_s / joins * 1e6 if joins else 0.0
    answer_us = answering_s / measured_answers * 1e6 if measured_answers else 0.0
    return Measurement(
        respondents=respondents,
        through_service=joins,
        seeded=len(seeded_people),
        extrapolated=bool(seeded_people),
        answers=answers,
        questionnaire_items=items,
        answers_through_service=measured_answers,
        not_applicable=not_applicable,
        completed=completed,
        report_respondents=report_respondents,
        create_session_s=create_session_s,
        joining_s=joining_s,
        creating_s=create_session_s + join_us * respondents / 1e6,
        join_us=join_us,
        answering_s=answering_s,
        answering_total_s=answer_us * answers / 1e6,
        answering_cpu_s=answering_cpu_s,
        answers_per_s=measured_answers / answering_s if answering_s else 0.0,
        answer_us=answer_us,
        seeding_s=seeding_s,
        closing_s=closing_s,
        report_sent=report_sent,
        aggregation_s=aggregation_s,
        reporting_s=reporting_s,
        aggregation_us_per_answer=aggregation_s / answers * 1e6 if answers else 0.0,
        empty_bytes=empty_bytes,
        created_bytes=created_bytes,
        answered_bytes=answered_bytes,
        closed_bytes=closed_bytes,
        reported_bytes=reported_bytes,
        answers_table_bytes=answers_table,
        bytes_per_respondent_joined=(created_bytes - empty_bytes) / respondents,
        bytes_per_answer=(answered_bytes - created_bytes) / answers if answers else 0.0,
        answers_table_bytes_per_answer=answers_table / answers if answers else 0.0,
    )


def _people(rng: random.Random, count: int) -> list[Person]:
    profiles = list(GROUP_WEIGHTS)
    weights = list(GROUP_WEIGHTS.values())
    return [
        Person(
            telegram_id=FIRST_PERSON + index,
            profile=rng.choices(profiles, weights)[0],
            language="en" if index % 5 == 0 else "lv",
        )
        for index in range(count)
    ]


def _value(rng: random.Random, leaning: float) -> int:
    if rng.random() < NOT_APPLICABLE_SHARE:
        return NOT_APPLICABLE
    return min(5, max(1, round(leaning + rng.gauss(0, 0.9))))


async def _pool(
    action: Callable[[Person], Awaitable[None]], people: Sequence[Person], size: int
) -> None:
    """Run `action` for everybody, `size` at a time, in order of arrival."""
    queue = iter(people)

    async def worker() -> None:
        for person in queue:
            await action(person)

    await asyncio.gather(*(worker() for _ in range(max(1, size))))


async def _questionnaires(
    db: Database, bank: Bank, session_id: int
) -> dict[Profile, Questionnaire]:
    """Each profile's questionnaire as Participation assembles it (for the seeded people)."""
    async with db.read() as connection:
        codes = await fetch_all(
            connection, "SELECT code FROM session_statements WHERE session_id = ?", (session_id,)
        )
    return {
        profile: assemble(
            bank, level=LEVEL, profile=profile, codes={row["code"] for row in codes}, own=OWN
        )
        for profile in PROFILES
    }


async def _seed_joins(
    db: Database, session_id: int, people: Sequence[Person], now: datetime
) -> None:
    """Write what `Participation.join` writes for each of `people`."""
    if not people:
        return
    async with db.transaction() as connection:
        await connection.executemany(
            "INSERT INTO participants (session_id, telegram_id, chat_id, profile, language,"
            " joined_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (session_id, p.telegram_id, p.telegram_id, p.profile, p.language, to_epoch(now))
                for p in people
            ],
        )
        await connection.execute(
            "INSERT INTO progress (participant_id) SELECT id FROM participants"
            " WHERE session_id = ? AND completed = 0",
            (session_id,),
        )


async def _seed_answers(
    db: Database,
    rng: random.Random,
    session_id: int,
    people: Sequence[Person],
    questionnaires: dict[Profile, Questionnaire],
) -> None:
    """Write what completing whole questionnaires writes: the anonymous responses, the
    completion flags, no progress."""
    if not people:
        return
    ids = rng.sample(range(1, 2**62), len(people))
    answers: list[tuple[int, str, int]] = []
    for person, response_id in zip(people, ids, strict=True):
        leaning = rng.gauss(3.2, 0.6)
        answers.extend(
            (response_id, item.code, _value(rng, leaning))
            for item in questionnaires[person.profile].items
        )
    async with db.transaction() as connection:
        await connection.executemany(
            "INSERT INTO responses (id, session_id, profile) VALUES (?, ?, ?)",
            [(rid, session_id, p.profile) for rid, p in zip(ids, people, strict=True)],
        )
        await connection.executemany(
            "INSERT INTO answers (response_id, code, value) VALUES (?, ?, ?)", answers
        )
        await connection.executemany(
            "DELETE FROM progress WHERE participant_id ="
            " (SELECT id FROM participants WHERE session_id = ? AND telegram_id = ?)",
            [(session_id, p.telegram_id) for p in people],
        )
        await connection.executemany(
            "UPDATE participants SET completed = 1 WHERE session_id = ? AND telegram_id = ?",
            [(session_id, p.telegram_id) for p in people],
        )


async def _checkpointed_size(db: Database) -> int:
    """The main database file's size once the WAL is checkpointed into it and truncated."""
    async with db.read() as connection:
        row = await fetch_one(connection, "PRAGMA wal_checkpoint(TRUNCATE)")
    if row is None or row[0] != 0:
        raise RuntimeError("the WAL checkpoint was blocked")
    assert isinstance(db, SqliteDatabase)
    return db.path.stat().st_size


async def _answer_facts(db: Database, session_id: int) -> tuple[int, int, int, int]:
    """Answers, completed responses, N/A answers of the session; bytes of the answers table."""
    async with db.read() as connection:
        counts = await fetch_one(
            connection,
            "SELECT count(*), count(DISTINCT a.response_id), sum(a.value = 0) FROM answers a"
            " JOIN responses r ON r.id = a.response_id"
            " WHERE r.session_id = ?",
            (session_id,),
        )
        table = await fetch_one(
            connection, "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = 'answers'"
        )
    assert counts is not None and table is not None
    return int(counts[0]), int(counts[1]), int(counts[2] or 0), int(table[0])


async def _reports_sent(db: Database, session_id: int) -> int:
    async with db.read() as connection:
        row = await fetch_one(
            connection,
            "SELECT count(*) FROM deliveries WHERE session_id = ? AND kind = ?"
            " AND sent_at IS NOT NULL",
            (session_id, REPORT),
        )
    return int(row[0]) if row else 0


async def _median_seconds(action: Callable[[], Awaitable[None]], repeat: int) -> float:
    times = []
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        await action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class _Profiler:
    """pyinstrument around the answering phase, its text report written to a file."""

    def __init__(self, out: Path) -> None:
        from pyinstrument import Profiler  # optional: only for --profile

        self._out = out
        self._profiler = Profiler(async_mode="disabled")

    def __enter__(self) -> None:
        self._profiler.start()

    def __exit__(self, *exc: object) -> None:
        self._profiler.stop()
        if self._out.suffix == ".html":
            self._out.write_text(self._profiler.output_html(), encoding="utf-8")
        else:
            self._out.write_text(self._profiler.output_text(show_all=False), encoding="utf-8")


def _profiler(out: Path | None) -> _Profiler | nullcontext[None]:
    return _Profiler(out) if out is not None else nullcontext()


async def run(
    sizes: Iterable[int],
    folder: Path,
    *,
    service_limit: int = DEFAULT_SERVICE_LIMIT,
    concurrency: int = DEFAULT_CONCURRENCY,
    repeat: int = 3,
    warm_up: bool = True,
    profile_answering: Path | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> list[Measurement]:
    """Measure each size in a database file of its own under `folder`."""
    rows: list[Measurement] = []
    async with environment() as env:
        if warm_up:  # imports, matplotlib's font cache, the drawing thread
            await measure(env, folder / "warm-up.sqlite3", respondents=20, repeat=1)
        for index, size in enumerate(sizes):
            started = time.perf_counter()
            row = await measure(
                env,
                folder / f"growth-{size}.sqlite3",
                respondents=size,
                service_limit=service_limit,
                concurrency=concurrency,
                repeat=repeat,
                profile_answering=profile_answering if index == 0 else None,
            )
            rows.append(row)
            await asyncio.to_thread(_remove, folder, f"growth-{size}.sqlite3*")
            progress(f"{size:,} respondents measured in {time.perf_counter() - started:.1f} s")
    return rows


def _remove(folder: Path, pattern: str) -> None:
    for leftover in folder.glob(pattern):
        leftover.unlink()


def _approx(value: str, extrapolated: bool) -> str:
    return f"≈{value}" if extrapolated else value


def _marginal_ms(rows: Sequence[Measurement], index: int, field: str) -> str:
    """Extra milliseconds per 1,000 more respondents than the previous size."""
    if index == 0:
        return ""
    now, before = rows[index], rows[index - 1]
    extra = now.respondents - before.respondents
    if extra <= 0:
        return ""
    return f"{(getattr(now, field) - getattr(before, field)) / extra * 1e6:.1f}"


def time_table(rows: Sequence[Measurement]) -> str:
    headers = (
        "respondents",
        "through service",
        "creating s",
        "µs/join",
        "answers",
        "answering s",
        "answers/s",
        "µs/answer",
        "closing s",
        "Δ close ms/1k",
        "reporting s",
        "aggregation s",
        "aggr. µs/answer",
        "Δ report ms/1k",
    )
    body = [
        (
            m.respondents,
            m.through_service,
            _approx(f"{m.creating_s:.2f}", m.extrapolated),
            f"{m.join_us:.0f}",
            m.answers,
            _approx(f"{m.answering_total_s:.1f}", m.extrapolated),
            f"{m.answers_per_s:.0f}",
            f"{m.answer_us:.0f}",
            f"{m.closing_s:.2f}",
            _marginal_ms(rows, i, "closing_s"),
            f"{m.reporting_s:.2f}",
            f"{m.aggregation_s:.3f}",
            f"{m.aggregation_us_per_answer:.2f}",
            _marginal_ms(rows, i, "reporting_s"),
        )
        for i, m in enumerate(rows)
    ]
    return markdown_table(headers, body)


def size_table(rows: Sequence[Measurement]) -> str:
    headers = (
        "respondents",
        "answers",
        "empty MB",
        "created MB",
        "answered MB",
        "closed MB",
        "B/respondent joined",
        "B/answer",
        "answers table B/answer",
    )
    body = [
        (
            m.respondents,
            m.answers,
            f"{m.empty_bytes / 1e6:.2f}",
            f"{m.created_bytes / 1e6:.2f}",
            f"{m.answered_bytes / 1e6:.2f}",
            f"{m.closed_bytes / 1e6:.2f}",
            f"{m.bytes_per_respondent_joined:.0f}",
            f"{m.bytes_per_answer:.1f}",
            f"{m.answers_table_bytes_per_answer:.1f}",
        )
        for m in rows
    ]
    return markdown_table(headers, body)


def payload(
    rows: Sequence[Measurement], facts: dict[str, Any], settings: dict[str, Any]
) -> dict[str, Any]:
    return {
        "benchmark": "growth",
        "machine": facts,
        "settings": settings,
        "notes": {
            "database_bytes": "main file after PRAGMA wal_checkpoint(TRUNCATE) (the -wal file is"
            " then empty); checkpoints are not timed",
            "bytes_per_answer": "(answered_bytes - created_bytes) / answers",
            "seeded": "people written with executemany (not timed) before the measured ones",
            "extrapolated": "creating_s and answering_total_s are the measured slice's cost per"
            " join / per answer times all joins / answers",
        },
        "results": [asdict(row) for row in rows],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated numbers of respondents",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--service-limit",
        type=int,
        default=DEFAULT_SERVICE_LIMIT,
        help="at most this many people go through the service; the others are seeded",
    )
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="people answering at once"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per reporting time (median)")
    parser.add_argument(
        "--warm-up",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run a 20-person session untimed first (imports, fonts, threads)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="profile the first size's answering with pyinstrument into this file (.txt/.html)",
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    if args.service_limit < 1 or any(size < 1 for size in sizes):
        parser.error("sizes and --service-limit must be positive")
    facts = machine()
    settings = {
        "sizes": sizes,
        "service_limit": args.service_limit,
        "concurrency": args.concurrency,
        "repeat": args.repeat,
        "level": LEVEL,
        "optional_statements": OPTIONAL_CODES,
        "own_statements": len(OWN),
        "group_weights": GROUP_WEIGHTS,
        "not_applicable_share": NOT_APPLICABLE_SHARE,
    }
    with tempfile.TemporaryDirectory(prefix="growth-bench-") as folder:
        rows = asyncio.run(
            run(
                sizes,
                Path(folder),
                service_limit=args.service_limit,
                concurrency=args.concurrency,
                repeat=args.repeat,
                warm_up=args.warm_up,
                profile_answering=args.profile,
                progress=lambda line: print(line, flush=True),
            )
        )
    print()
    print(f"Machine: {describe_machine(facts)}")
    print()
    print(time_table(rows))
    print()
    print(size_table(rows))
    seeded = [m for m in rows if m.extrapolated]
    if seeded:
        print()
        for m in seeded:
            print(
                f"≈ {m.respondents:,} respondents: {m.seeded:,} seeded with executemany"
                f" ({m.seeding_s:.1f} s, not counted), the last {m.through_service:,} joined and"
                f" answered through the service ({m.joining_s:.1f} s joining,"
                f" {m.answering_s:.1f} s answering {m.answers_through_service:,} answers);"
                " creating and answering times are their per-person and per-answer costs"
                f" times {m.respondents:,}."
            )
    print()
    print(
        "Sizes: main database file after a WAL checkpoint. Δ columns: extra milliseconds per"
        " 1,000 more respondents than the row above (the fixed chart cost cancels out)."
    )
    if args.json:
        write_json(args.json, payload(rows, facts, settings))


if __name__ == "__main__":
    main()
