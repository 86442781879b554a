"""The time-based work of every session, decided from the database and the clock.

`tick()` is the one place that asks "what is due now?": it opens, reminds and closes. The jobs
in jobs.py only make it run at the right moments; running it too often does no harm, because
each effect is claimed in the database (deliveries, reminder_rounds, the session's status)
in the same transaction that decides it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

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
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _tasks: set[asyncio.Task[BroadcastReport]] = field(default_factory=set, init=False)

    async def tick(self) -> None:
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
        self._spawn(claims)

    async def deliver_unreached(self, recipient: int) -> list[Claim]:
        """Send now what could not reach this person before they started the bot (a greeting,
        an opening notice, a report); what was taken, in the order it was sent."""
        async with self.db.transaction() as connection:
            claims = await delivery_queries.take_unreached(
                connection, recipient=recipient, kinds=AWAITING_START, now=self.clock.now()
            )
        if claims:
            log.info("sending %d message(s) that waited for their recipient", len(claims))
            await self.broadcaster.send(claims, self.render)
        return claims

    async def resume_unsent(self) -> None:
        """At start: send what a previous process claimed but did not settle."""
        async with self.db.read() as connection:
            claims = await delivery_queries.unsent(connection)
        if claims:
            log.info("resuming %d unsent message(s)", len(claims))
            self._spawn(claims)

    async def drain(self) -> None:
        """Wait for the broadcasts under way (tests, the command line, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, claims: list[Claim]) -> None:
        if not claims:
            return
        task = asyncio.create_task(self.broadcaster.send(claims, self.render))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _session(self, session_id: int) -> Session | None:
        async with self.db.read() as connection:
            return await session_queries.session_by_id(connection, session_id=session_id)
