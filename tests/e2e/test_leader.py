"""Exactly one sender, with real processes: scheduler processes (benchmarks/sender.py, the bot's
scheduler as every worker runs it) and `selfie-bot session remind`, against the emulator over
HTTP, on each engine. A leader is SIGKILLed in the middle of a round; what the emulator
recorded shows that everyone got the reminder once, twice only the one in flight."""

from __future__ import annotations

import asyncio
import os
import random
import signal
from collections import Counter
from datetime import timedelta
from pathlib import Path

from benchmarks.sender import SenderProcess
from bot.clock import SystemClock
from bot.participation.service import Participation
from bot.scheduler.broadcast import unrecorded_at
from bot.sessions.service import create_session
from bot.storage import Database
from bot.surveys.bank import default_bank
from emulator import BotApiEmulator

from .helpers import (
    bot_environment,
    db_rows,
    midday_zone,
    on_both_engines,
    spawn_cli,
    today_in,
)

REMINDER = "not finished yet"
# Broadcast paces of the sender processes and of the command.
RATE = 25
COMMAND_RATE = 10


def sender(emu: BotApiEmulator, database: Path | str, **settings: str) -> SenderProcess:
    """A scheduler process on the bot's database, with these settings (`leader_seconds=…`)."""
    env = bot_environment(emu, database)
    env |= {f"SELFIE_{name.upper()}": value for name, value in settings.items()}
    return SenderProcess(env)


async def round_for(
    emu: BotApiEmulator, database: Path | str, people: range
) -> tuple[int, list[int]]:
    """An open session in a zone where it is about noon, and `people` who joined it (and
    started the bot) without finishing; its id and theirs."""
    zone = midday_zone()
    start = today_in(zone)
    db = await Database.open(database)
    clock = SystemClock()
    bank = default_bank()
    try:
        created = await create_session(
            db,
            bank=bank,
            now=clock.now(),
            school_name="Līderu skola",
            coordinator_id=900,
            level="upper-secondary",
            start=start,
            end=start + timedelta(days=13),
            timezone=zone,
        )
        participation = Participation(db=db, clock=clock, bank=bank)
        for person in people:
            await emu.user(person, language_code="en").send("/start")
            await participation.join(
                token=created.invites["student"],
                telegram_id=person,
                chat_id=person,
                language="en",
            )
    finally:
        await db.close()
    return created.session_id, list(people)


def reminded(emu: BotApiEmulator, people: list[int]) -> Counter[int]:
    return Counter(
        person
        for person in people
        for message in emu.user(person).messages
        if REMINDER in message.content
    )


def last_reminded(emu: BotApiEmulator, n: int) -> list[int]:
    """The chats of the last `n` messages sent."""
    sends = [r for r in emu.requests if r.method == "sendMessage"]
    return [int(r.params["chat_id"]) for r in sends[-n:]]


def unsent(database: Path | str, kind_like: str) -> int:
    ((count,),) = db_rows(
        database,
        "SELECT count(*) FROM deliveries WHERE kind LIKE ? AND sent_at IS NULL AND failure IS NULL",
        kind_like,
    )
    assert isinstance(count, int)
    return count


async def settled(emu: BotApiEmulator, database: Path | str, kind_like: str, claims: int) -> None:
    def done() -> bool:
        rows = db_rows(database, "SELECT count(*) FROM deliveries WHERE kind LIKE ?", kind_like)
        return rows[0][0] == claims and unsent(database, kind_like) == 0

    await emu.wait_for(done, timeout=120, description=f"every {kind_like} claim settled")


def check_once(
    emu: BotApiEmulator,
    people: list[int],
    context: str,
    *,
    last_before_kill: list[int] | None = None,
    rate: float = 0,
) -> Counter[int]:
    """Everyone reminded; once each, but those whose messages were sent and not yet recorded
    at the kill: at most the broadcaster's window at `rate`, all among `last_before_kill`."""
    counts = reminded(emu, people)
    assert set(counts) == set(people), f"{context}: not reminded {set(people) - set(counts)}"
    doubled = {person for person, n in counts.items() if n > 1}
    assert all(counts[p] == 2 for p in doubled), f"{context}: {counts}"
    assert doubled <= set(last_before_kill or ()), f"{context}: doubled {doubled}"
    assert len(doubled) <= (unrecorded_at(rate) if rate else 0), f"{context}: doubled {doubled}"
    return counts


async def wait_for_reminders(emu: BotApiEmulator, people: list[int], at_least: int) -> None:
    await emu.wait_for(
        lambda: sum(reminded(emu, people).values()) >= at_least,
        timeout=60,
        description=f"{at_least} reminders",
    )


async def quiet(emu: BotApiEmulator) -> None:
    """Let the emulator take in what a process that was just killed had already written."""
    seen = -1
    while seen != emu.stats.requests:
        seen = emu.stats.requests
        await asyncio.sleep(0.2)


# The first planned round falls at 9:00 of the first day: due now where it is about noon.
ROUND_NOW = {"reminder_fractions": "0.01"}
FAST = {"leader_seconds": "0.3", "lease_seconds": "3", "tick_seconds": "0.5"}


@on_both_engines
async def test_a_leader_killed_mid_round_is_followed_and_everyone_is_reminded_once(
    emu: BotApiEmulator, database: Path | str
) -> None:
    seed = int(os.environ.get("LEADER_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    session_id, people = await round_for(emu, database, range(40_000, 40_200))
    first = sender(emu, database, broadcast_rate=str(RATE), **ROUND_NOW, **FAST)
    second = sender(emu, database, broadcast_rate=str(RATE), **ROUND_NOW, **FAST)
    try:
        await first.start()
        await first.said("leading")
        await second.start()
        await second.said("following")
        after = rng.randrange(10, 180)
        await wait_for_reminders(emu, people, after)
        await first.kill()
        # The follower may send its first message before the emulator has taken in the dead
        # leader's last: one more is looked at.
        last = last_reminded(emu, unrecorded_at(RATE) + 1)
        context = f"seed {seed} (LEADER_SEED), killed after {after}+ reminders"
        await second.said("leading")
        await settled(emu, database, "reminder:%", len(people))
    finally:
        await first.kill()
        await second.kill()
    check_once(emu, people, context, last_before_kill=last, rate=RATE)
    counted = db_rows(
        database,
        "SELECT count(*) FROM participants WHERE session_id = ? AND reminders_sent = 1",
        session_id,
    )
    assert counted == [(len(people),)], context


@on_both_engines
async def test_a_remind_from_the_command_line_while_a_sender_leads_is_sent_by_the_leader(
    emu: BotApiEmulator, database: Path | str
) -> None:
    """The command only claims the round (the running sender paces the cluster); killed right
    after claiming, it loses nothing: the leader's next campaign sends every reminder, once."""
    session_id, people = await round_for(emu, database, range(41_000, 41_040))
    leader = sender(emu, database, **FAST)  # no planned round is due: only the command's
    try:
        await leader.start()
        await leader.said("leading")
        command = await spawn_cli(emu, database, "session", "remind", str(session_id), "--json")
        await emu.wait_for(
            lambda: (
                db_rows(database, "SELECT count(*) FROM deliveries WHERE kind LIKE 'reminder:%'")
                != [(0,)]
            ),
            timeout=60,
            description="the command's claims",
        )
        if command.returncode is None:
            command.send_signal(signal.SIGKILL)
        await command.wait()
        await settled(emu, database, "reminder:%", len(people))
    finally:
        await leader.kill()
    counts = check_once(emu, people, "claimed by the command")
    assert set(counts.values()) == {1}


@on_both_engines
async def test_a_remind_from_the_command_line_killed_midway_is_finished_by_the_next_leader(
    emu: BotApiEmulator, database: Path | str
) -> None:
    """No bot runs: the command leads and sends itself, and is SIGKILLed half-way. A sender
    started afterwards takes over what the command left (its lease runs out) and nothing else."""
    session_id, people = await round_for(emu, database, range(42_000, 42_040))
    command = await spawn_cli(
        emu,
        database,
        "session",
        "remind",
        str(session_id),
        extra={"SELFIE_BROADCAST_RATE": str(COMMAND_RATE), "SELFIE_LEASE_SECONDS": "3"},
    )
    await wait_for_reminders(emu, people, 12)
    command.send_signal(signal.SIGKILL)
    await command.wait()
    await quiet(emu)
    last = last_reminded(emu, unrecorded_at(COMMAND_RATE))
    assert unsent(database, "reminder:%") > 0
    follower = sender(emu, database, **FAST)
    try:
        await follower.start()
        await follower.said("leading")
        await settled(emu, database, "reminder:%", len(people))
    finally:
        await follower.kill()
    check_once(
        emu,
        people,
        "the command killed after 12+ reminders",
        last_before_kill=last,
        rate=COMMAND_RATE,
    )
