"""The sender's lock and the claims' leases, on each engine, between two `Database` objects
(what two processes have) and between real processes where a death is the point."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.clock import FixedClock
from bot.sessions.service import CreatedSession
from bot.storage import Database
from bot.storage import deliveries as delivery_queries
from bot.storage.database import fetch_all, is_server_url
from bot.storage.deliveries import Claim
from bot.storage.leadership import Leadership

LEASE = timedelta(seconds=30)
# A candidate that lost tries again this often; a bound on how long the tests wait for one.
RETRY_S = 0.1
TRIES = 100


@pytest.fixture
async def other(database_target: str | Path, db: Database) -> AsyncIterator[Database]:
    second = await Database.open(database_target)
    yield second
    await second.close()


async def lead_within_retries(candidate: Leadership) -> int:
    """How many tries the candidate needed to take the lock (fails after TRIES)."""
    for attempt in range(1, TRIES + 1):
        if await candidate.try_acquire():
            return attempt
        await asyncio.sleep(RETRY_S)
    raise AssertionError(f"no leadership after {TRIES} tries")


async def test_of_two_candidates_exactly_one_leads(db: Database, other: Database) -> None:
    for _ in range(5):
        first, second = db.leadership(), other.leadership()
        won = await asyncio.gather(first.try_acquire(), second.try_acquire())
        assert sorted(won) == [False, True]
        leader, loser = (first, second) if won[0] else (second, first)
        assert leader.held and not loser.held
        assert not await loser.try_acquire()  # again: still taken
        assert await leader.still_held()
        await leader.release()
        assert await loser.try_acquire()
        await loser.release()


async def test_one_process_holds_the_lock_once(db: Database) -> None:
    """Two candidates in one process are two candidates: the lock is not re-entrant."""
    first, second = db.leadership(), db.leadership()
    assert await first.try_acquire()
    assert await first.try_acquire()  # the holder asking again keeps it
    assert not await second.try_acquire()
    await first.release()


_HOLD = """
import asyncio, sys
from bot.storage import Database

async def main() -> None:
    db = await Database.open(sys.argv[1])
    candidate = db.leadership()
    print("leading" if await candidate.try_acquire() else "waiting", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_when_the_leaders_process_dies_the_other_leads(
    database_target: str | Path, db: Database
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _HOLD, str(database_target), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line.strip() == b"leading"
        candidate = db.leadership()
        assert not await candidate.try_acquire()
    finally:
        process.kill()
        await process.wait()
    assert await lead_within_retries(candidate) >= 1
    assert await candidate.still_held()
    await candidate.release()


async def test_a_leader_whose_connection_dies_knows_it_and_the_other_leads(
    database_target: str | Path, db: Database, other: Database
) -> None:
    if not is_server_url(database_target):
        pytest.skip("a lock file cannot be lost while its process lives")
    leader, candidate = db.leadership(), other.leadership()
    assert await leader.try_acquire()
    assert not await candidate.try_acquire()
    # The server ends the leader's session, as when the network between them breaks.
    admin = await asyncpg.connect(str(database_target))
    try:
        ended = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
            " WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    assert ended == 1
    assert not await leader.still_held()
    assert not leader.held
    await lead_within_retries(candidate)
    assert not await leader.try_acquire()  # it lost: the lock is the other's now
    await candidate.release()


# -- leases --------------------------------------------------------------------------------


async def claim_round(db: Database, session: CreatedSession, clock: FixedClock) -> list[Claim]:
    async with db.transaction() as connection:
        return await delivery_queries.claim(
            connection,
            session_id=session.session_id,
            kind="reminder:1",
            recipients=range(1, 21),
            now=clock.now(),
        )


async def owners(db: Database) -> dict[int, str | None]:
    async with db.read() as connection:
        rows = await fetch_all(connection, "SELECT recipient, owner FROM deliveries")
    return {row["recipient"]: row["owner"] for row in rows}


async def test_a_claim_is_taken_by_one_owner_while_its_lease_lasts(
    db: Database, other: Database, session: CreatedSession, clock: FixedClock
) -> None:
    claims = await claim_round(db, session, clock)
    now = clock.now()

    async def take(database: Database, owner: str, wanted: list[Claim]) -> list[Claim]:
        async with database.transaction() as connection:
            return await delivery_queries.take(
                connection, claims=wanted, owner=owner, now=now, lease_until=now + LEASE
            )

    got = await asyncio.gather(take(db, "a", claims), take(other, "b", claims))
    assert sorted(map(len, got)) == [0, len(claims)]  # all to one, none to the other
    winner = "a" if got[0] else "b"
    assert set((await owners(db)).values()) == {winner}
    assert await take(other, "c", claims) == []  # the lease holds
    clock.advance(LEASE + timedelta(seconds=1))
    now = clock.now()
    assert await take(other, "c", claims) == claims  # ran out: anyone's again, in order


async def test_taking_over_leaves_the_sent_and_the_live_leases(
    db: Database, other: Database, session: CreatedSession, clock: FixedClock
) -> None:
    claims = await claim_round(db, session, clock)
    now = clock.now()
    async with db.transaction() as connection:
        # 1–5 sent, 6–10 sent by a live owner, 11–15 an owner whose lease ran out, 16–20 nobody's.
        for claim in claims[:5]:
            await delivery_queries.settle(connection, claim=claim, now=now)
        await delivery_queries.take(
            connection, claims=claims[5:10], owner="live", now=now, lease_until=now + LEASE
        )
        await delivery_queries.take(
            connection, claims=claims[10:15], owner="dead", now=now, lease_until=now
        )
    clock.advance(timedelta(seconds=1))
    now = clock.now()

    async def take_over(database: Database, owner: str) -> list[Claim]:
        async with database.transaction() as connection:
            return await delivery_queries.take_over(
                connection, owner=owner, now=now, lease_until=now + LEASE
            )

    got = await asyncio.gather(take_over(db, "new"), take_over(other, "newer"))
    taken = sorted(got[0] + got[1], key=lambda c: c.recipient)
    assert taken == claims[10:]  # none twice, none of the sent or the live ones
    # A sender that knows nobody else sends (a lock file's holder) takes the live ones too.
    async with db.transaction() as connection:
        stolen = await delivery_queries.take_over(
            connection, owner="new", now=now, lease_until=now + LEASE, from_others=True
        )
    assert {c.recipient for c in stolen} >= {c.recipient for c in claims[5:10]}
    assert all(c not in stolen for c in claims[:5])


async def test_renewed_leases_hold_and_released_claims_are_free_at_once(
    db: Database, session: CreatedSession, clock: FixedClock
) -> None:
    claims = await claim_round(db, session, clock)
    now = clock.now()
    async with db.transaction() as connection:
        await delivery_queries.take(
            connection, claims=claims, owner="a", now=now, lease_until=now + LEASE
        )
    clock.advance(LEASE / 2)
    async with db.transaction() as connection:
        assert (
            await delivery_queries.renew(connection, owner="a", lease_until=clock.now() + LEASE)
            == 20
        )
    clock.advance(LEASE / 2 + timedelta(seconds=1))  # past the first lease, not the renewed
    async with db.transaction() as connection:
        free = await delivery_queries.take_over(
            connection, owner="b", now=clock.now(), lease_until=clock.now() + LEASE
        )
        assert free == []
        released = await delivery_queries.release(connection, claims=claims[:3], owner="a")
        assert released == 3
        free = await delivery_queries.take_over(
            connection, owner="b", now=clock.now(), lease_until=clock.now() + LEASE
        )
    assert free == claims[:3]
    assert await owners(db) == {c.recipient: "b" if c in claims[:3] else "a" for c in claims}
