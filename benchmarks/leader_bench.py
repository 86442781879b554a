"""A sender killed in the middle of a 10,000-person reminder round on PostgreSQL.

    .venv/bin/python -m benchmarks.leader_bench [--participants 10000] [--runs 3]
        [--rate 300] [--database postgresql://…] [--json out.json]

A throwaway PostgreSQL server (tests/postgres.py; or --database, an empty database) holds a
two-week session that opened eight days ago, so its first planned round is due, and
--participants unfinished people who joined through the participation service. Two scheduler
processes (benchmarks/sender.py: the bot's scheduler, as every worker runs it) stand for the
sender's lock with production settings (every 5 s, leases of 30 s); the first leads and starts
the round. Once it has sent about 40 % of it, it is SIGKILLed; the second takes the lock, waits
out the dead one's leases, and sends the rest.

The pace is --rate messages a second (300 by default, past Telegram's free 30/s, so that one
run takes about a minute and a half rather than six; the emulator enforces no limit here): the
lease wait, not the pace, is what the figures are about.

Checked, not only timed: every participant got exactly one reminder, and the only one who
may have two is the one whose message was in flight at the kill (Telegram had it, the
database had not recorded it). Measured: the gap from the dead leader's last message to the
successor's first (failover), and the whole round.

Each run starts the round afresh on the same people (claims and counts reset).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg

from benchmarks.common import machine, markdown_table, write_json
from benchmarks.live import TOKEN, USERNAME, bot_env, open_session, seed_participants
from benchmarks.sender import SenderProcess
from emulator import BotApiEmulator

FIRST_ID = 2_000_000
KILL_AT = 0.4  # the share of the round sent when the leader is killed


@dataclass(frozen=True, slots=True)
class Run:
    participants: int
    sent_before_kill: int
    failover_s: float  # the dead leader's last reminder to the successor's first
    round_s: float  # the first reminder to the last
    lost: int
    doubled: int
    in_flight_doubled: bool


@contextlib.contextmanager
def postgresql(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    from tests.postgres import TestServer, binaries, running

    if binaries() is None:
        raise SystemExit("no PostgreSQL server binaries: pass --database")
    with running() as server:
        yield TestServer(server.host, server.port, server.user).new_database("leader_bench")


async def query(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


async def reset(url: str) -> None:
    """The round not run yet, for the next run on the same people."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DELETE FROM deliveries; DELETE FROM reminder_rounds")
        await connection.execute("UPDATE participants SET reminders_sent = 0")
    finally:
        await connection.close()


def sent_to(emu: BotApiEmulator, since: int) -> list[int]:
    """The chat of every sendMessage to a participant since request number `since`."""
    return [
        int(r.params["chat_id"])
        for r in emu.requests[since:]
        if r.method == "sendMessage" and int(r.params["chat_id"]) >= FIRST_ID
    ]


class Clockwork:
    """When the count of messages changed, sampled every 20 ms in the background."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.changes: list[tuple[float, int]] = []
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        last = -1
        while True:
            count = self.emu.call_count("sendMessage")
            if count != last:
                self.changes.append((time.monotonic(), count))
                last = count
            await asyncio.sleep(0.02)

    def stop(self) -> None:
        self._task.cancel()


async def one_run(emu: BotApiEmulator, url: str, ids: list[int], rate: float) -> Run:
    await reset(url)
    since = len(emu.requests)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELFIE_")}
    env |= bot_env(emu, url, reminder_day_start="00:00", reminder_day_end="23:59")
    first, second = SenderProcess(env, rate), SenderProcess(env, rate)
    watch = Clockwork(emu)
    try:
        await first.start()
        await first.said("leading")
        await second.start()
        await second.said("following")
        target = int(len(ids) * KILL_AT)
        await emu.wait_for(lambda: len(sent_to(emu, since)) >= target, timeout=600)
        await first.kill()
        # The dead one's last request; the successor waits for its leases far longer.
        await emu.wait_until_idle(quiet=1.0, timeout=60)
        before = sent_to(emu, since)
        calls_before = emu.call_count("sendMessage")
        await second.said("leading")
        deadline = time.monotonic() + 600
        while True:
            ((unsent,),) = await query(
                url, "SELECT count(*) FROM deliveries WHERE sent_at IS NULL AND failure IS NULL"
            )
            ((claimed,),) = await query(url, "SELECT count(*) FROM deliveries")
            if claimed > len(ids) and unsent == 0:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{unsent} of {claimed} claims unsent")
            await asyncio.sleep(0.5)
        await emu.wait_until_idle(quiet=1.0, timeout=60)
    finally:
        watch.stop()
        await first.kill()
        await second.kill()
    # What the database says was sent to each person (a reminder; teachers a nudge too),
    # against what the emulator received.
    expected = Counter(
        {
            row["recipient"]: row["count"]
            for row in await query(
                url,
                "SELECT recipient, count(*) FROM deliveries WHERE sent_at IS NOT NULL"
                " AND recipient >= $1 GROUP BY recipient",
                FIRST_ID,
            )
        }
    )
    got = Counter(sent_to(emu, since))
    doubled = got - expected
    last_before = max(t for t, n in watch.changes if n <= calls_before)
    first_after = min(t for t, n in watch.changes if n > calls_before)
    first_sent = watch.changes[1][0] if len(watch.changes) > 1 else last_before
    return Run(
        participants=len(ids),
        sent_before_kill=len(before),
        failover_s=round(first_after - last_before, 1),
        round_s=round(watch.changes[-1][0] - first_sent, 1),
        lost=sum(1 for chat in ids if expected[chat] == 0) + sum((expected - got).values()),
        doubled=sum(doubled.values()),
        in_flight_doubled=bool(doubled) and set(doubled) == {before[-1]},
    )


async def bench(participants: int, runs: int, rate: float, url: str | None) -> list[Run]:
    with postgresql(url) as database:
        invites = await open_session(database, days_ago=8)
        ids = await seed_participants(database, invites, participants, first_id=FIRST_ID)
        async with BotApiEmulator(TOKEN, username=USERNAME) as emu:
            for uid in ids:
                emu.user(uid, started=True)
            results = []
            for number in range(1, runs + 1):
                result = await one_run(emu, database, ids, rate)
                print(f"run {number}: {result}", flush=True)
                results.append(result)
            return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.leader_bench")
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=300.0, help="messages a second")
    parser.add_argument("--database", default=None, help="an empty PostgreSQL database's URL")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    facts = machine()
    results = asyncio.run(bench(args.participants, args.runs, args.rate, args.database))
    rows = [asdict(r) for r in results]
    print(markdown_table(list(rows[0]), [list(r.values()) for r in rows]))
    failovers = [r.failover_s for r in results]
    summary = {
        "failover_median_s": statistics.median(failovers),
        "failover_min_s": min(failovers),
        "failover_max_s": max(failovers),
        "round_median_s": statistics.median(r.round_s for r in results),
        "lost": sum(r.lost for r in results),
        "doubled": sum(r.doubled for r in results),
    }
    print(summary)
    if args.json:
        write_json(args.json, {"machine": facts, "rate": args.rate, "runs": rows} | summary)


if __name__ == "__main__":
    main()
