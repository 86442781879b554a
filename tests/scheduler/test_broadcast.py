"""The broadcaster's pipeline, through a real Bot against the emulator and a real database:
rendering ahead, sending at the pace, recording in batches, and what each claim is promised."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from telegram import Bot

from bot.app import build_scheduler
from bot.clock import FixedClock
from bot.participation.service import Participation
from bot.scheduler.broadcast import Broadcaster, Notice, Render
from bot.sessions.service import CreatedSession
from bot.settings import load_settings
from bot.storage import Database
from bot.storage import deliveries as delivery_queries
from bot.storage.deliveries import Claim
from bot.surveys.bank import Bank
from emulator import BotApiEmulator

FIRST = 7_000


async def claim_each(
    db: Database, clock: FixedClock, session: CreatedSession, pairs: Iterable[tuple[int, str]]
) -> list[Claim]:
    """One claim per (recipient, kind), in the order given."""
    claims: list[Claim] = []
    async with db.transaction() as connection:
        for recipient, kind in pairs:
            claims += await delivery_queries.claim(
                connection,
                session_id=session.session_id,
                kind=kind,
                recipients=[recipient],
                now=clock.now(),
            )
    return claims


def texts(delays: dict[Claim, float] | None = None) -> Render:
    """Each claim as a text naming it; some take a while to render (`delays`)."""

    async def render(claim: Claim) -> Notice:
        await asyncio.sleep((delays or {}).get(claim, 0))
        return Notice(claim, f"{claim.kind} for {claim.recipient}")

    return render


def received(emu: BotApiEmulator, recipient: int) -> list[str]:
    return [m.content for m in emu.user(recipient).messages]


async def outcomes(db: Database, claims: list[Claim]) -> list[str | None]:
    async with db.read() as connection:
        return [await delivery_queries.outcome(connection, claim=claim) for claim in claims]


def people(emu: BotApiEmulator, count: int) -> list[int]:
    for user in range(FIRST, FIRST + count):
        emu.user(user, started=True)
    return list(range(FIRST, FIRST + count))


async def test_pipelined_sends_keep_each_recipients_order(
    emu: BotApiEmulator, db: Database, clock: FixedClock, bot: Bot, session: CreatedSession
) -> None:
    """Everyone gets a report and then a badge; half of the reports take longer to render
    than the badges behind them, and the order holds anyway."""
    recipients = people(emu, 30)
    claims = await claim_each(
        db, clock, session, [(r, kind) for r in recipients for kind in ("report", "badge")]
    )
    slow = {c: 0.05 for c in claims if c.kind == "report" and c.recipient % 2 == 0}
    broadcaster = Broadcaster(bot=bot, db=db, clock=clock, rate=200)
    report = await broadcaster.send(claims, texts(slow))
    assert (report.sent, report.failed, report.skipped) == (60, 0, 0)
    for recipient in recipients:
        assert received(emu, recipient) == [f"report for {recipient}", f"badge for {recipient}"]
    assert await outcomes(db, claims) == ["sent"] * 60
    assert broadcaster._holding == set() and broadcaster._in_flight == set()


async def test_a_429_mid_round_pauses_the_pace_and_nothing_is_lost_or_doubled(
    emu: BotApiEmulator, db: Database, clock: FixedClock, bot: Bot, session: CreatedSession
) -> None:
    """The broadcaster is told to go at 1,000 a second, as if another sender shared the
    limit; the emulator answers 429 past 30 a second. Each 429 pauses every claim under way
    (were it only the one that got it, the others would use up their four attempts against
    the full window), and each message arrives once, in each person's order."""
    emu.set_rate_limits(global_per_second=30)
    recipients = people(emu, 70)
    pairs = [(r, "reminder:1") for r in recipients] + [(r, "nudge:1") for r in recipients[:10]]
    claims = await claim_each(db, clock, session, pairs)
    report = await Broadcaster(bot=bot, db=db, clock=clock, rate=1000).send(claims, texts())
    assert emu.stats.rate_limited > 0
    assert (report.sent, report.failed) == (80, 0)
    for recipient in recipients:
        nudge = [f"nudge:1 for {recipient}"] if recipient in recipients[:10] else []
        assert received(emu, recipient) == [f"reminder:1 for {recipient}", *nudge]
    assert await outcomes(db, claims) == ["sent"] * 80


@asynccontextmanager
async def writes_held(target: str | Path) -> AsyncIterator[None]:
    """Another connection holds what recording needs: the broadcaster can send, not record."""
    if isinstance(target, Path):
        lock = sqlite3.connect(target, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        return
    connection = await asyncpg.connect(target)
    try:
        async with connection.transaction():  # it changes nothing: committing is rolling back
            await connection.execute("LOCK TABLE deliveries IN EXCLUSIVE MODE")
            yield
    finally:
        await connection.close()


async def test_sending_waits_once_the_unrecorded_window_is_full(
    emu: BotApiEmulator,
    db: Database,
    database_target: str | Path,
    clock: FixedClock,
    bot: Bot,
    session: CreatedSession,
) -> None:
    """While the database cannot record, exactly `unrecorded` claims go out (what a crash at
    that moment would send again) and the rest wait; then all are recorded, each sent once."""
    recipients = people(emu, 100)
    claims = await claim_each(db, clock, session, [(r, "reminder:1") for r in recipients])
    broadcaster = Broadcaster(bot=bot, db=db, clock=clock, rate=40)
    window = broadcaster.unrecorded
    assert window == 2 * broadcaster.batch == 40

    def delivered() -> int:
        return sum(len(emu.user(r).messages) for r in recipients)

    async with writes_held(database_target):
        sending = asyncio.create_task(broadcaster.send(claims, texts()))
        await emu.wait_for(
            lambda: len(broadcaster._holding) == window and broadcaster._room.locked(),
            timeout=30,
            description="the window full",
        )
        assert delivered() == window
        assert await asyncio.wait_for(_sent_rows(database_target), 30) == 0
    report = await asyncio.wait_for(sending, 60)
    assert report.sent == 100
    assert [len(emu.user(r).messages) for r in recipients] == [1] * 100
    assert await outcomes(db, claims) == ["sent"] * 100


async def _sent_rows(target: str | Path) -> int:
    """Claims recorded as sent, read beside the held lock."""
    if isinstance(target, Path):
        with sqlite3.connect(target) as connection:
            (count,) = connection.execute(
                "SELECT count(*) FROM deliveries WHERE sent_at IS NOT NULL"
            ).fetchone()
        return int(count)
    connection = await asyncpg.connect(target)
    try:
        return int(
            await connection.fetchval("SELECT count(*) FROM deliveries WHERE sent_at IS NOT NULL")
        )
    finally:
        await connection.close()


async def test_paid_broadcasts_pass_the_flag_and_what_they_cost_is_counted(
    emu: BotApiEmulator, db: Database, clock: FixedClock, bot: Bot, session: CreatedSession
) -> None:
    """At 1,000 a second with paid broadcasts no 429 comes, every send carries
    allow_paid_broadcast, and the messages above the free 30 a second are the paid ones.
    The same pace without it meets Telegram's free limit, and nothing is paid."""
    emu.set_rate_limits(global_per_second=30)
    recipients = people(emu, 100)
    claims = await claim_each(db, clock, session, [(r, "reminder:1") for r in recipients])
    paid = Broadcaster(bot=bot, db=db, clock=clock, rate=1000, paid=True)
    report = await paid.send(claims, texts())
    assert report.sent == 100
    assert emu.stats.rate_limited == 0
    calls = emu.calls("sendMessage")
    assert len(calls) == 100
    assert all(str(call.get("allow_paid_broadcast")).lower() == "true" for call in calls)
    assert emu.stats.paid_broadcasts == 100
    # At least the first 30 of any second are free; those past 30 within a second are paid
    # (all 70 of them unless the machine spread the 100 sends over more than a second).
    assert 0 < emu.stats.paid_messages <= 70
    assert emu.stats.stars == emu.stats.paid_messages / 10
    assert emu.stats.as_dict()["paid_messages"] == emu.stats.paid_messages

    emu.stats.reset()
    emu.set_rate_limits(global_per_second=30)  # a fresh window
    again = await claim_each(db, clock, session, [(r, "reminder:2") for r in recipients])
    free = Broadcaster(bot=bot, db=db, clock=clock, rate=1000)
    assert (await free.send(again, texts())).sent == 100
    assert emu.stats.rate_limited > 0
    assert emu.stats.paid_broadcasts == emu.stats.paid_messages == 0
    assert all("allow_paid_broadcast" not in call for call in emu.calls("sendMessage")[100:])


async def test_the_settings_turn_paid_broadcasts_on_for_the_schedulers_sender(
    db: Database, clock: FixedClock, bank: Bank, bot: Bot
) -> None:
    participation = Participation(db=db, clock=clock, bank=bank)
    for paid, rate in ((False, 28.0), (True, 500.0)):
        settings = load_settings(None, paid_broadcast=paid, broadcast_rate=rate)
        scheduler = build_scheduler(
            settings, db=db, clock=clock, bank=bank, participation=participation, bot=bot
        )
        assert (scheduler.broadcaster.paid, scheduler.broadcaster.rate) == (paid, rate)
