"""The time-based work of every session, decided from the database and the clock.

`tick()` is the one place that asks "what is due now?": it opens, reminds and closes. The jobs
in jobs.py only make it run at the right moments; running it too often does no harm, because
each effect is claimed in the database (deliveries, reminder_rounds, the session's status)
in the same transaction that decides it.

Exactly one process sends on its own: the leader, elected through the database
(bot/storage/leadership.py). Every process runs `campaign()` every few seconds; the one that
holds the lock ticks, retries failed reports, takes over unsent claims and sends every
broadcast, so its pace (SELFIE_BROADCAST_RATE) is the cluster's. The others answer people and
try again for the lock, which they get within one interval of the leader's death.

Leader-only: the tick (openings, "the session opened" notices, reminder rounds, the close and
its reports and badges, the retention purge), retries of failed reports, resuming what a
dead process left, and the sending of a round asked for now (`remind`, `close`) from a
coordinator's button or the command line: another process only claims it, and the leader's
next campaign (seconds later) takes the claims over. On the spot, in any process: what
waited for a person who has just started the bot (`deliver_unreached`).

A claim names its sender (`owner`, random per run) and a lease that the sender renews while
it sends; the leader takes over only claims with no owner or an expired lease, so a dead
leader's successor sends what it left unsent and nothing else (but the one in flight).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from time import monotonic

from bot.clock import Clock
from bot.coordination.badge import BadgeRule
from bot.scheduler.broadcast import Broadcaster, BroadcastReport, Render
from bot.scheduler.plan import ReminderPolicy, due_round, in_daytime, reminder_times
from bot.scheduler.retries import BADGE
from bot.scheduler.retries import REPORT as REPORT
from bot.storage import Database, people
from bot.storage import deliveries as delivery_queries
from bot.storage import openings as opening_queries
from bot.storage import participants as participant_queries
from bot.storage import results as result_queries
from bot.storage import schools as school_queries
from bot.storage import sessions as session_queries
from bot.storage.deliveries import Claim
from bot.storage.leadership import Leadership
from bot.storage.records import Session

log = logging.getLogger(__name__)

OPENING = "opening"
# To a person who asked, before the start, to be told when the session opens.
OPENED = "opened"
# To a coordinator named on the command line: the session made for them, and how to go on.
WELCOME = "welcome"
# What waits for a coordinator who had not started the bot (or blocked it) when it was sent,
# in the order they get it when they start the bot.
AWAITING_START = (WELCOME, OPENING, REPORT)


def reminder_kind(round_label: str) -> str:
    return f"reminder:{round_label}"


@dataclass
class Scheduler:
    db: Database
    clock: Clock
    policy: ReminderPolicy
    broadcaster: Broadcaster
    render: Render
    # How long after a close what is kept about its participants stays.
    retention: timedelta = timedelta(days=30)
    # Who earns the school's badge at the close; None: no badges.
    badge: BadgeRule | None = None
    # The lock that makes one process the sender; None: this process is the only one.
    leadership: Leadership | None = None
    # How long a claim stays this process's without a renewal.
    lease: timedelta = timedelta(seconds=30)
    owner: str = field(default_factory=lambda: secrets.token_hex(8))
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _tasks: set[asyncio.Task[BroadcastReport]] = field(default_factory=set, init=False)
    _renewed_at: float = field(default=float("-inf"), init=False)
    _resumed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.broadcaster.owner = self.owner
        self.broadcaster.lease = self.lease

    @property
    def leading(self) -> bool:
        """Whether this process is the sender, as last checked (no round trip)."""
        return self.leadership is None or self.leadership.held

    async def campaign(self, *, take_over: bool = True) -> bool:
        """Check or try for the sender's lock; as the leader, renew the leases of what this
        process sends and (with `take_over`) take over what nobody sends. True while this
        process leads."""
        exclusive = True
        if self.leadership is not None:
            exclusive = self.leadership.exclusive
            if self.leadership.held:
                if not await self.leadership.still_held():
                    log.warning("this process lost the sender's lock; it stops sending")
                    self._resumed = False
                    return False
            elif await self.leadership.try_acquire():
                log.info("this process is now the sender")
            else:
                return False
        await self._renew()
        if not take_over:
            return True
        # Where holding the lock proves that nobody else sends, what other processes left is
        # free at once, leases or not: a bot restarted after a crash resumes without waiting.
        await self._take_over(from_others=exclusive and not self._resumed)
        self._resumed = True
        return True

    async def tick(self) -> None:
        if not self.leading:
            return
        async with self._lock:
            await self._retire()
            if self.db.purge_pending:  # a purge that another process's reader held up
                await self.db.purge()
            async with self.db.read() as connection:
                sessions = await session_queries.active_sessions(connection)
            for session in sessions:
                try:
                    await self._tick_session(session)
                except Exception:  # one broken session must not stop the others
                    log.exception("scheduled work failed for session %d", session.id)
            try:
                await self._retry_due()
                await self._take_over()
            except Exception:
                log.exception("retrying failed deliveries failed")

    async def _tick_session(self, session: Session) -> None:
        now = self.clock.now()
        session_id = session.id
        if now >= session.closes_at:
            await self.close(session_id)
            return
        if now < session.opens_at:
            return
        async with self.db.transaction() as connection:
            claims: list[Claim] = []
            if not await delivery_queries.claims_exist(
                connection, session_id=session_id, kind=OPENING
            ):
                coordinators = await school_queries.coordinators_of(
                    connection, school_id=session.school_id
                )
                claims = await delivery_queries.claim(
                    connection,
                    session_id=session_id,
                    kind=OPENING,
                    recipients=coordinators,
                    now=now,
                )
            # Every tick of an open session: a request made just as it opened is told too,
            # and the claim keeps everyone to one message.
            claims += await delivery_queries.claim(
                connection,
                session_id=session_id,
                kind=OPENED,
                recipients=await opening_queries.waiting_chats(connection, session_id=session_id),
                now=now,
            )
        if claims:
            self._spawn(claims)
        times = reminder_times(session.opens_at, session.closes_at, session.timezone, self.policy)
        number = due_round(times, now, session.timezone, self.policy)
        if number is not None:
            await self.remind(session_id, round_label=str(number))

    async def remind(self, session_id: int, *, round_label: str | None = None) -> int:
        """Run a reminder round (a planned one, or one asked for now); return how many claims.

        A planned round runs once; one asked for now gets a label of its own. Either way the
        per-person maximum, completion, muting, civil hours and the close are respected.
        """
        now = self.clock.now()
        session = await self._session(session_id)
        if (
            session is None
            or session.status != "active"
            or not (session.opens_at <= now < session.closes_at)
            or not in_daytime(now, session.timezone, self.policy)
        ):
            return 0
        label = round_label or f"now-{int(now.timestamp())}"
        async with self.db.transaction() as connection:
            if round_label is not None and not await delivery_queries.record_round(
                connection, session_id=session_id, round_number=int(round_label), now=now
            ):
                return 0
            claims = await delivery_queries.claim_reminders(
                connection,
                session_id=session_id,
                kind=reminder_kind(label),
                max_per_person=self.policy.max_per_person,
                now=now,
            )
            teachers = await delivery_queries.teacher_chats(connection, session_id=session_id)
            claims += await delivery_queries.claim(
                connection,
                session_id=session_id,
                kind=f"nudge:{label}",
                recipients=teachers,
                now=now,
            )
            coordinators = await school_queries.coordinators_of(
                connection, school_id=session.school_id
            )
            claims += await delivery_queries.claim(
                connection,
                session_id=session_id,
                kind=f"digest:{label}",
                recipients=coordinators,
                now=now,
            )
        self._spawn(claims)
        return len(claims)

    async def close(self, session_id: int) -> bool:
        """Close the session and claim its report for every coordinator, and the school's
        badge after each report when the session earned it; False if it was closed."""
        now = self.clock.now()
        session = await self._session(session_id)
        if session is None:
            return False
        async with self.db.transaction() as connection:
            if not await delivery_queries.close_session(connection, session_id=session_id, now=now):
                return False
            # SELFIE counts completed questionnaires: unfinished ones end here, with the last
            # link between people and answers.
            await participant_queries.drop_unfinished(connection, session_id=session_id)
            coordinators = await school_queries.coordinators_of(
                connection, school_id=session.school_id
            )
            claims = await delivery_queries.claim(
                connection, session_id=session_id, kind=REPORT, recipients=coordinators, now=now
            )
            reports = len(claims)
            if self.badge is not None and self.badge.earned(
                session.level,
                await result_queries.respondents(connection, session_id=session_id),
            ):
                claims += await delivery_queries.claim(
                    connection, session_id=session_id, kind=BADGE, recipients=coordinators, now=now
                )
                # Each coordinator's badge right after their report (the sort is stable).
                claims.sort(key=lambda claim: coordinators.index(claim.recipient))
        await self.db.purge()
        log.info(
            "session %d closed; report to %d coordinator(s), badge to %d",
            session_id,
            reports,
            len(claims) - reports,
        )
        self._spawn(claims)
        return True

    async def _retire(self) -> None:
        async with self.db.transaction() as connection:
            removed = await people.retire(
                connection, closed_before=self.clock.now() - self.retention
            )
        if removed:
            log.info("deleted %d row(s) kept about participants of closed sessions", removed)
            self.db.purge_pending = True

    async def _retry_due(self) -> None:
        """Send again what failed before and is due now (a report that could not be drawn or
        sent: bot/scheduler/retries.py); the schedule is in the database."""
        now = self.clock.now()
        async with self.db.transaction() as connection:
            claims = await delivery_queries.take_due_retries(
                connection, now=now, lease_until=now + self.broadcaster.retries.lease
            )
        if claims:
            log.info("trying %d delivery(ies) again", len(claims))
        self._spawn(claims, taken=True)

    async def deliver_unreached(self, recipient: int) -> list[Claim]:
        """Send now what could not reach this person before they started the bot (a greeting,
        an opening notice, a report); what was taken, in the order it was sent. Any process
        does this, in reply to the person."""
        now = self.clock.now()
        async with self.db.transaction() as connection:
            claims = await delivery_queries.take_unreached(
                connection,
                recipient=recipient,
                kinds=AWAITING_START,
                now=now,
                owner=self.owner,
                lease_until=now + self.lease,
            )
        if claims:
            log.info("sending %d message(s) that waited for their recipient", len(claims))
            await self._broadcast(claims, leader_only=False)
        return claims

    async def resume_unsent(self) -> None:
        """At start: become the sender unless another process is, and send what a previous
        process claimed but did not settle."""
        await self.campaign()

    async def send_now(self, claims: list[Claim]) -> None:
        """Send claims made just now, as the leader; another process leaves them to it."""
        if self.leading:
            await self._take_and_send(claims)

    async def drain(self) -> None:
        """Wait for the broadcasts under way (tests, the command line, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Stop sending, hand what is left to the next sender, and give up the lock."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self.leadership is not None:
            await self.leadership.release()

    def _spawn(self, claims: list[Claim], *, taken: bool = False) -> None:
        """Send claims in the background if this process is the sender (first taking those
        just made); else the sender's next campaign takes them over."""
        if not claims:
            return
        if not self.leading:
            log.info("%d message(s) claimed for the sending process", len(claims))
            return
        work = self._broadcast(claims) if taken else self._take_and_send(claims)
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _take_and_send(self, claims: list[Claim]) -> BroadcastReport:
        now = self.clock.now()
        async with self.db.transaction() as connection:
            taken = await delivery_queries.take(
                connection, claims=claims, owner=self.owner, now=now, lease_until=now + self.lease
            )
        return await self._broadcast(taken)

    async def _take_over(self, *, from_others: bool = False) -> None:
        """As the leader: take every unsent claim that nobody sends, and send it."""
        if not self.leading:
            return
        now = self.clock.now()
        async with self.db.transaction() as connection:
            claims = await delivery_queries.take_over(
                connection,
                owner=self.owner,
                now=now,
                lease_until=now + self.lease,
                from_others=from_others,
            )
        if claims:
            log.info("taking over %d unsent message(s)", len(claims))
        self._spawn(claims, taken=True)

    async def _broadcast(self, claims: list[Claim], *, leader_only: bool = True) -> BroadcastReport:
        """Send claims this process holds; what it could not send (it stopped leading, or it
        is stopping) is given up at the end, for the next sender to take at once."""
        if not claims:
            return BroadcastReport()
        keep_going = self._while_leading if leader_only else self._renewing
        try:
            return await self.broadcaster.send(claims, self.render, keep_going)
        finally:
            try:
                async with self.db.transaction() as connection:
                    await delivery_queries.release(connection, claims=claims, owner=self.owner)
            except Exception:  # their leases run out instead
                log.exception("could not hand over unsent claims")

    async def _while_leading(self) -> bool:
        return self.leading and await self._renewing()

    async def _renewing(self) -> bool:
        if monotonic() - self._renewed_at > self.lease.total_seconds() / 3:
            await self._renew()
        return True

    async def _renew(self) -> None:
        self._renewed_at = monotonic()
        async with self.db.transaction() as connection:
            await delivery_queries.renew(
                connection, owner=self.owner, lease_until=self.clock.now() + self.lease
            )

    async def _session(self, session_id: int) -> Session | None:
        async with self.db.read() as connection:
            return await session_queries.session_by_id(connection, session_id=session_id)
