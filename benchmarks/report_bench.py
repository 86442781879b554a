"""How the cost of a session's report grows with the number of respondents.

    .venv/bin/python -m benchmarks.report_bench [--sizes 100,1000,2000] [--json out.json]

For each size N it builds a real SQLite database (through the shipped migrations) holding one
school with two closed upper-secondary sessions: an earlier one (for the progress figures) and
the measured one, with N completed respondents (about 3 % leaders, 22 % teachers, 75 % students),
plus 10 % unfinished responses that must not count, core and optional statements and three of the
school's own. Rows go in with executemany. Then it measures, as the bot would run them:

- aggregation: `load_results` (all SQL and the scoring);
- chart: `area_chart_png`;
- report: aggregation + chart, end to end (what the coordinator waits for first);
- PDF: `report_pdf` (every page: the overview with the key findings and the chart, strengths
  and areas for improvement per group and for the school, next steps, the areas, progress, the
  school's own statements, how to read them), and its number of pages;
- peak memory of aggregation + chart + PDF under tracemalloc (Python allocations only: SQLite's
  page cache and Agg's pixel buffers live outside it), in a separate run from the timings;
- the database file size.

Times are the median of --repeat runs. matplotlib is imported and one chart is drawn before any
timing, so neither the import nor the font cache is counted. This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import matplotlib

from benchmarks.common import describe_machine, machine, markdown_table, write_json
from bot.reporting.chart import area_chart_png
from bot.reporting.pdf import build_report_pages, report_pdf
from bot.reporting.service import load_results
from bot.storage import Database
from bot.storage.database import fetch_one
from bot.surveys.bank import Bank, default_bank
from bot.surveys.questionnaire import OwnStatement, assemble
from bot.surveys.vocabulary import PROFILES, Level, Profile

DEFAULT_SIZES = (100, 1000, 2000, 10000, 100000)
LEVEL: Level = "upper-secondary"
GROUP_WEIGHTS = {"leader": 3, "teacher": 22, "student": 75}
OPTIONAL_CODES = 4
NOT_APPLICABLE_SHARE = 0.08
OWN = (
    OwnStatement("S1", "B", frozenset({"leader", "teacher"}), "Mēs dalāmies ar labo praksi."),
    OwnStatement("S2", "C", frozenset(PROFILES), "Skolas Wi-Fi darbojas visās telpās."),
    OwnStatement("S3", "H", frozenset({"student"}), "Es protu droši lietot mākoņkrātuvi."),
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Measurement:
    respondents: int
    answers: int
    database_mb: float
    aggregation_s: float
    chart_s: float
    report_s: float
    pdf_s: float
    pdf_pages: int
    peak_mb: float


def build_database(path: Path, *, respondents: int, bank: Bank, seed: int = 7) -> int:
    """Create the database at `path`; return the id of the session to report on."""
    asyncio.run(_migrate(path))
    rng = random.Random(seed)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous = OFF")
    with connection:
        connection.execute("INSERT INTO schools (name, created_at) VALUES ('Bench skola', 0)")
        optional = [s.code for s in bank.optional(LEVEL)][:OPTIONAL_CODES]
        codes = [s.code for s in bank.statements.values() if s.kind == "core"] + optional
        earlier = _session(connection, date(2025, 11, 3), codes, own=False)
        current = _session(connection, date(2026, 11, 2), codes, own=True)
        _responses(connection, bank, rng, earlier, codes, (), max(1, respondents * 9 // 10))
        _responses(connection, bank, rng, current, codes, OWN, respondents)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return current


async def _migrate(path: Path) -> None:
    database = await Database.open(path)
    await database.close()


def _session(connection: sqlite3.Connection, start: date, codes: list[str], *, own: bool) -> int:
    end = start + timedelta(days=13)
    cursor = connection.execute(
        "INSERT INTO sessions (school_id, level, start_date, end_date, timezone, opens_at,"
        " closes_at, status, created_by, created_at, closed_at)"
        " VALUES (1, ?, ?, ?, 'Europe/Riga', 0, 1, 'closed', 1, 0, 1)",
        (LEVEL, start.isoformat(), end.isoformat()),
    )
    session_id = cursor.lastrowid
    assert session_id is not None
    connection.executemany(
        "INSERT INTO session_statements (session_id, code) VALUES (?, ?)",
        [(session_id, code) for code in codes],
    )
    if own:
        connection.executemany(
            "INSERT INTO own_statements (session_id, code, area, profiles, text)"
            " VALUES (?, ?, ?, ?, ?)",
            [(session_id, s.code, s.area, ",".join(sorted(s.profiles)), s.text) for s in OWN],
        )
    return session_id


def _responses(
    connection: sqlite3.Connection,
    bank: Bank,
    rng: random.Random,
    session_id: int,
    codes: list[str],
    own: tuple[OwnStatement, ...],
    completed: int,
) -> None:
    questionnaires = {
        profile: [
            item.code
            for item in assemble(bank, level=LEVEL, profile=profile, codes=codes, own=own).items
        ]
        for profile in PROFILES
    }
    area_bias = {area: rng.uniform(-0.7, 0.7) for area in "ABCDEFGHS"}
    profiles: list[Profile] = list(GROUP_WEIGHTS)  # type: ignore[arg-type]
    weights = list(GROUP_WEIGHTS.values())
    responses: list[tuple[int, int, str]] = []
    answers: list[tuple[int, str, int]] = []
    for _ in range(completed):
        profile = rng.choices(profiles, weights)[0]
        response_id = rng.getrandbits(62) + 1
        items = questionnaires[profile]
        responses.append((response_id, session_id, profile))
        leaning = rng.gauss(3.2, 0.6)
        for code in items:
            if rng.random() < NOT_APPLICABLE_SHARE:
                value = 0
            else:
                value = round(leaning + area_bias[code[0]] + rng.gauss(0, 0.9))
                value = min(5, max(1, value))
            answers.append((response_id, code, value))
    connection.executemany(
        "INSERT INTO responses (id, session_id, profile) VALUES (?, ?, ?)",
        responses,
    )
    connection.executemany(
        "INSERT INTO answers (response_id, code, value) VALUES (?, ?, ?)", answers
    )


async def _median_time(action: Callable[[], Awaitable[T]], repeat: int) -> tuple[float, T]:
    times = []
    result: T | None = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = await action()
        times.append(time.perf_counter() - started)
    assert result is not None
    return statistics.median(times), result


async def measure(path: Path, session_id: int, bank: Bank, repeat: int) -> Measurement:
    database = await Database.open(path)
    try:

        async def aggregate() -> object:
            return await load_results(database, session_id=session_id, bank=bank)

        async def chart() -> bytes:
            assert results is not None
            return area_chart_png(results, bank=bank, language="lv")

        async def report() -> bytes:
            loaded = await load_results(database, session_id=session_id, bank=bank)
            assert loaded is not None
            return area_chart_png(loaded, bank=bank, language="lv")

        async def pdf() -> bytes:
            assert results is not None
            return report_pdf(results, bank=bank, language="lv")

        results = await load_results(database, session_id=session_id, bank=bank)
        assert results is not None
        aggregation_s, _ = await _median_time(aggregate, repeat)
        chart_s, _ = await _median_time(chart, repeat)
        report_s, _ = await _median_time(report, repeat)
        pdf_s, _ = await _median_time(pdf, max(1, repeat // 2))
        pages = len(build_report_pages(results, bank=bank, language="lv"))

        tracemalloc.start()
        await report()
        await pdf()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        async with database.read() as connection:
            row = await fetch_one(
                connection,
                "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id"
                " WHERE r.session_id = ?",
                (session_id,),
            )
    finally:
        await database.close()
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return Measurement(
        respondents=results.respondents,
        answers=int(row[0]) if row else 0,
        database_mb=size / 1e6,
        aggregation_s=aggregation_s,
        chart_s=chart_s,
        report_s=report_s,
        pdf_s=pdf_s,
        pdf_pages=pages,
        peak_mb=peak / 1e6,
    )


def _warm_up(bank: Bank, folder: Path) -> None:
    """Draw one chart and one PDF so that loading fonts is not counted in the first size."""
    path = folder / "warm-up.sqlite3"
    session_id = build_database(path, respondents=30, bank=bank)

    async def draw() -> None:
        database = await Database.open(path)
        try:
            results = await load_results(database, session_id=session_id, bank=bank)
        finally:
            await database.close()
        assert results is not None
        area_chart_png(results, bank=bank, language="lv")
        report_pdf(results, bank=bank, language="lv")

    asyncio.run(draw())


def _table(rows: list[Measurement]) -> str:
    headers = (
        "respondents",
        "answers",
        "db MB",
        "aggregate s",
        "chart s",
        "report s",
        "pdf s",
        "pdf pages",
        "peak MB",
    )
    return markdown_table(
        headers,
        [
            (
                m.respondents,
                m.answers,
                f"{m.database_mb:.1f}",
                f"{m.aggregation_s:.3f}",
                f"{m.chart_s:.3f}",
                f"{m.report_s:.3f}",
                f"{m.pdf_s:.3f}",
                m.pdf_pages,
                f"{m.peak_mb:.1f}",
            )
            for m in rows
        ],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated numbers of completed respondents",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    facts = machine()  # before the work, so that its load average is the machine's own
    bank = default_bank()
    rows: list[Measurement] = []
    with tempfile.TemporaryDirectory() as folder:
        _warm_up(bank, Path(folder))
        for size in sizes:
            path = Path(folder) / f"bench-{size}.sqlite3"
            started = time.perf_counter()
            session_id = build_database(path, respondents=size, bank=bank)
            built = time.perf_counter() - started
            rows.append(asyncio.run(measure(path, session_id, bank, args.repeat)))
            print(f"built {size} respondents in {built:.1f} s", flush=True)
    print(f"Machine: {describe_machine(facts)}")
    print()
    print(_table(rows))
    if args.json:
        write_json(
            args.json,
            {
                "date": datetime.now(UTC).date().isoformat(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "matplotlib": matplotlib.__version__,
                "machine": platform.machine(),
                "host": facts,
                "results": [asdict(row) for row in rows],
            },
        )


if __name__ == "__main__":
    main()
