"""A reminder round to 10,000 people under Telegram's flood limit, with people answering.

    .venv/bin/python -m benchmarks.broadcast_bench [--participants 10000] [--json out.json]
        [--rate 28] [--paid] [--modes quiet,busy] [--repeat 1]

A real SQLite file holds a two-week session that opened eight days ago, so its first planned
reminder round is due, and --participants unfinished people who joined through the
participation service (seeded once; every run starts from a copy). The local emulator answers
429 (with retry_after) to any new message past 30 a second, as Telegram does to bots that send
more, unless it was sent with allow_paid_broadcast (then up to 1,000 a second, and those above
the free 30 are counted as paid, 0.1 Star each). Then `selfie-bot run` starts with production
settings at --rate (with SELFIE_PAID_BROADCAST=true when --paid; only civil hours are widened
to the whole day, so the benchmark runs at any hour): its scheduler finds the round due and
broadcasts.

Meanwhile --respondents of the reminded people do what a reminder asks: press ▶ Continue when
it arrives, then answer a few statements, thinking a couple of seconds before each press. Their
latency (press to edit) is what the broadcast must not spoil.

Each run is "quiet" or "busy": a busy run has --hogs processes spinning on the CPU (`while 1:
pass`) for its whole duration, a machine shared with other work. --modes quiet,busy with
--repeat 3 alternates them: quiet, busy, quiet, busy, quiet, busy; the summary gives each
mode's median and spread (lowest to highest).

Checked, not only timed: every participant got exactly the messages the database says were
sent to them (one reminder each; teachers also a nudge), and no claim failed. "over" is the
time from the first reminder to the last person reached, against (participants - 1) / rate,
what the pace allows.
"""

# The waits take plain `timeout=` seconds, like the emulator's.
# ruff: noqa: ASYNC109

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import (
    machine,
    markdown_table,
    peak_rss_mb,
    percentile,
    process_cpu_seconds,
    process_rss_mb,
    write_json,
)
from benchmarks.live import (
    COORDINATOR,
    TOKEN,
    USERNAME,
    answer,
    open_session,
    seed_participants,
    survey_bot,
    until,
)
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

TELEGRAM_RATE = 30
DEFAULT_RATE = 28.0
FIRST_ID = 1_000_000
CONTINUE = "▶"


@dataclass(frozen=True, slots=True)
class Result:
    mode: str  # quiet, or busy with CPU hogs beside it
    load_1min: float  # the load average as the run ended
    participants: int
    rate: float
    paid: bool
    messages: int
    broadcast_s: float
    ideal_s: float  # (participants - 1) / rate: what the pace allows
    over_ideal_pct: float
    rate_limited: int  # 429 answers the emulator gave
    paid_messages: int  # sent above the free 30 a second
    stars: float  # what those cost: 0.1 Star each
    failed_claims: int
    lost: int
    doubled: int
    respondents: int
    answers: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    bot_cpu_s: float
    bot_rss_mb: float
    bot_peak_rss_mb: float


async def respond(
    user: EmulatedUser, answers: int, think: float, latencies: list[float], timeout: float
) -> None:
    """Wait for the reminder, press Continue, then answer `answers` statements."""
    rng = random.Random(user.id)
    await until(user, lambda: _reminder(user) is not None, timeout)
    reminder = _reminder(user)
    assert reminder is not None
    await asyncio.sleep(rng.expovariate(1 / think))
    edits = len(reminder.edit_seqs)
    await user.click(CONTINUE, message=reminder)
    await until(user, lambda: len(reminder.edit_seqs) > edits, 60)
    for _ in range(answers):
        await asyncio.sleep(rng.expovariate(1 / think))
        latencies.append(await answer(user, reminder, rng))


def _reminder(user: EmulatedUser) -> ChatMessage | None:
    for message in user.chat.bot_messages():
        if any(button.text.startswith(CONTINUE) for button in message.buttons):
            return message
    return None


def _delivered(database: Path) -> Counter[int]:
    """Messages the database records as sent, per chat."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT recipient, count(*) FROM deliveries"
            " WHERE sent_at IS NOT NULL AND failure IS NULL GROUP BY recipient"
        ).fetchall()
    return Counter(dict(rows))


def _failed(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT count(*) FROM deliveries WHERE failure IS NOT NULL OR sent_at IS NULL"
        ).fetchone()
    return int(row[0])


@contextmanager
def hogs(count: int) -> Iterator[None]:
    """`count` processes that keep a CPU busy until the block ends."""
    spinning = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for process in spinning:
            process.kill()
            process.wait()


async def seed(folder: Path, participants: int) -> tuple[Path, list[int], float]:
    """The session and its participants, once: (the database file, their ids, seconds)."""
    database = folder / "seeded.sqlite3"
    invites = await open_session(database, days_ago=8)
    began = time.perf_counter()
    ids = await seed_participants(database, invites, participants, first_id=FIRST_ID)
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return database, ids, time.perf_counter() - began


async def bench(
    seeded: Path,
    ids: list[int],
    *,
    mode: str,
    hog_count: int,
    rate: float,
    paid: bool,
    respondents: int,
    answers: int,
    think: float,
) -> Result:
    participants = len(ids)
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "broadcast.sqlite3"
        shutil.copyfile(seeded, database)
        async with BotApiEmulator(
            TOKEN, username=USERNAME, global_rate_limit=TELEGRAM_RATE, record_requests=False
        ) as emu:
            users = [emu.user(uid, started=True) for uid in [COORDINATOR, *ids]]
            settings = {"reminder_day_start": "00:00", "reminder_day_end": "23:59"}
            settings |= {"broadcast_rate": str(rate), "paid_broadcast": str(paid).lower()}
            bot = survey_bot(emu, database, None, **settings)
            ideal = (participants - 1) / rate
            patience = max(60.0, ideal * 3)
            latencies: list[float] = []
            chosen = random.Random(1).sample(users[1:], min(respondents, participants))
            with hogs(hog_count if mode == "busy" else 0):
                await bot.start()
                cpu = process_cpu_seconds(bot.pid)
                try:
                    answering = asyncio.gather(
                        *(respond(u, answers, think, latencies, patience) for u in chosen)
                    )
                    reached = await _broadcast_time(users[1:], patience)
                    print(f"{mode}: everyone reached in {reached:.1f} s", flush=True)
                    await answering
                    # The teachers' nudges and the digest follow the reminders.
                    await emu.wait_until_idle(quiet=1.0, timeout=patience)
                    cpu = process_cpu_seconds(bot.pid) - cpu
                    rss, peak = process_rss_mb(bot.pid), peak_rss_mb(bot.pid)
                finally:
                    await bot.stop()
                load = os.getloadavg()[0]
            expected = _delivered(database)
            got = Counter({u.id: len(u.chat.bot_messages()) for u in users if u.chat.history})
            return Result(
                mode=mode,
                load_1min=round(load, 2),
                participants=participants,
                rate=rate,
                paid=paid,
                messages=sum(got.values()),
                broadcast_s=round(reached, 1),
                ideal_s=round(ideal, 1),
                over_ideal_pct=round(100 * (reached / ideal - 1), 1) if ideal else 0.0,
                rate_limited=emu.stats.rate_limited,
                paid_messages=emu.stats.paid_messages,
                stars=emu.stats.stars,
                failed_claims=_failed(database),
                # Never claimed, or claimed and sent by the database's account but not received.
                lost=sum(1 for u in users[1:] if expected[u.id] == 0)
                + sum((expected - got).values()),
                doubled=sum((got - expected).values()),
                respondents=len(chosen),
                answers=len(latencies),
                # No respondents (--respondents 0): no latency to report.
                p50_ms=round(1000 * percentile(latencies, 50), 1) if latencies else 0.0,
                p99_ms=round(1000 * percentile(latencies, 99), 1) if latencies else 0.0,
                max_ms=round(1000 * max(latencies, default=0.0), 1),
                bot_cpu_s=round(cpu, 1),
                bot_rss_mb=round(rss, 1),
                bot_peak_rss_mb=round(peak, 1),
            )


def summary(results: list[Result]) -> dict[str, dict[str, float]]:
    """Per mode: the median and the spread (lowest, highest) of the round's time and overrun."""
    by_mode: dict[str, dict[str, float]] = {}
    for mode in dict.fromkeys(r.mode for r in results):
        times = [r.broadcast_s for r in results if r.mode == mode]
        over = [r.over_ideal_pct for r in results if r.mode == mode]
        by_mode[mode] = {
            "runs": len(times),
            "broadcast_s_median": round(statistics.median(times), 1),
            "broadcast_s_min": min(times),
            "broadcast_s_max": max(times),
            "over_pct_median": round(statistics.median(over), 1),
            "over_pct_max": max(over),
        }
    return by_mode


async def _broadcast_time(people: list[EmulatedUser], timeout: float) -> float:
    """Seconds from the first reminder to the moment everyone has had theirs."""
    waiting = set(people)
    first = last = 0.0
    deadline = time.monotonic() + timeout
    while waiting:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(waiting)} people got no reminder within {timeout:g} s")
        await asyncio.sleep(0.5)  # a scan of thousands of chats: not too often
        reached = {user for user in waiting if user.chat.history}
        if reached:
            # When a chat was first reached; a respondent's later edits can only delay this.
            times = [user.chat.bot_acted.notified_at for user in reached]
            first = first or min(times)
            last = max(last, *times)
        waiting -= reached
    return last - first


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.broadcast_bench")
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--respondents", type=int, default=300)
    parser.add_argument("--answers", type=int, default=8, help="per respondent")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds before a press")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help="SELFIE_BROADCAST_RATE")
    parser.add_argument("--paid", action="store_true", help="SELFIE_PAID_BROADCAST=true")
    parser.add_argument("--modes", default="quiet", help="quiet, busy or quiet,busy")
    parser.add_argument("--repeat", type=int, default=1, help="times through the modes")
    parser.add_argument("--hogs", type=int, default=2, help="CPU hogs beside a busy run")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if not modes or set(modes) - {"quiet", "busy"}:
        parser.error("--modes takes quiet, busy or both")
    facts = machine()

    async def run_all() -> tuple[float, list[Result]]:
        with tempfile.TemporaryDirectory() as folder:
            seeded, ids, seed_s = await seed(Path(folder), args.participants)
            results = []
            for _ in range(args.repeat):
                for mode in modes:
                    result = await bench(
                        seeded,
                        ids,
                        mode=mode,
                        hog_count=args.hogs,
                        rate=args.rate,
                        paid=args.paid,
                        respondents=args.respondents,
                        answers=args.answers,
                        think=args.think,
                    )
                    print(markdown_table(list(asdict(result)), [list(asdict(result).values())]))
                    results.append(result)
            return seed_s, results

    seed_s, results = asyncio.run(run_all())
    rows = [asdict(result) for result in results]
    print(markdown_table(list(rows[0]), [list(row.values()) for row in rows]))
    print(summary(results))
    if args.json:
        write_json(
            args.json,
            {
                "machine": facts,
                "seed_s": round(seed_s, 1),
                "runs": rows,
                "summary": summary(results),
            },
        )


if __name__ == "__main__":
    main()
