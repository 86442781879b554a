"""A reminder round to 10,000 people under Telegram's flood limit, with people answering.

    .venv/bin/python -m benchmarks.broadcast_bench [--participants 10000] [--json out.json]

A real SQLite file holds a two-week session that opened eight days ago, so its first planned
reminder round is due, and --participants unfinished people who joined through the
participation service. The local emulator answers 429 (with retry_after) to any new message past
30 a second, as Telegram does to bots that send more. Then `selfie-bot run` starts with
production settings (only civil hours are widened to the whole day, so the benchmark runs at
any hour): its scheduler finds the round due and broadcasts.

Meanwhile --respondents of the reminded people do what a reminder asks: press ▶ Continue when
it arrives, then answer a few statements, thinking a couple of seconds before each press. Their
latency (press to edit) is what the broadcast must not spoil.

Checked, not only timed: every participant got exactly the messages the database says were
sent to them (one reminder each; teachers also a nudge), and no claim failed.
"""

# The waits take plain `timeout=` seconds, like the emulator's.
# ruff: noqa: ASYNC109

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from collections import Counter
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
FIRST_ID = 1_000_000
CONTINUE = "▶"


@dataclass(frozen=True, slots=True)
class Result:
    participants: int
    seed_s: float
    messages: int
    broadcast_s: float
    ideal_s: float  # participants / 30
    over_ideal_pct: float
    rate_limited: int  # 429 answers the emulator gave
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


async def bench(participants: int, respondents: int, answers: int, think: float) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "broadcast.sqlite3"
        invites = await open_session(database, days_ago=8)
        began = time.perf_counter()
        ids = await seed_participants(database, invites, participants, first_id=FIRST_ID)
        seed_s = time.perf_counter() - began
        async with BotApiEmulator(
            TOKEN, username=USERNAME, global_rate_limit=TELEGRAM_RATE, record_requests=False
        ) as emu:
            users = [emu.user(uid, started=True) for uid in [COORDINATOR, *ids]]
            bot = survey_bot(emu, database, reminder_day_start="00:00", reminder_day_end="23:59")
            ideal = participants / TELEGRAM_RATE
            patience = max(60.0, ideal * 3)
            latencies: list[float] = []
            chosen = random.Random(1).sample(users[1:], min(respondents, participants))
            await bot.start()
            cpu = process_cpu_seconds(bot.pid)
            try:
                answering = asyncio.gather(
                    *(respond(u, answers, think, latencies, patience) for u in chosen)
                )
                reached = await _broadcast_time(users[1:], patience)
                await answering
                await emu.wait_until_idle(quiet=1.0, timeout=60)
                cpu = process_cpu_seconds(bot.pid) - cpu
                rss, peak = process_rss_mb(bot.pid), peak_rss_mb(bot.pid)
            finally:
                await bot.stop()
            expected = _delivered(database)
            got = Counter({u.id: len(u.chat.bot_messages()) for u in users if u.chat.history})
            return Result(
                participants=participants,
                seed_s=round(seed_s, 1),
                messages=sum(got.values()),
                broadcast_s=round(reached, 1),
                ideal_s=round(ideal, 1),
                over_ideal_pct=round(100 * (reached / ideal - 1), 1),
                rate_limited=emu.stats.rate_limited,
                failed_claims=_failed(database),
                # Never claimed, or claimed and sent by the database's account but not received.
                lost=sum(1 for u in users[1:] if expected[u.id] == 0)
                + sum((expected - got).values()),
                doubled=sum((got - expected).values()),
                respondents=len(chosen),
                answers=len(latencies),
                p50_ms=round(1000 * percentile(latencies, 50), 1),
                p99_ms=round(1000 * percentile(latencies, 99), 1),
                max_ms=round(1000 * max(latencies), 1),
                bot_cpu_s=round(cpu, 1),
                bot_rss_mb=round(rss, 1),
                bot_peak_rss_mb=round(peak, 1),
            )


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
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    facts = machine()
    result = asyncio.run(bench(args.participants, args.respondents, args.answers, args.think))
    row = asdict(result)
    print(markdown_table(list(row), [list(row.values())]))
    if args.json:
        write_json(args.json, {"machine": facts, "result": row})


if __name__ == "__main__":
    main()
