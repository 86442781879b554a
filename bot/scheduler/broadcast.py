"""Sending many messages within Telegram's limits, settling each claim as it goes.

A broadcast is three stages that overlap, so that only the request itself takes a sending slot:

- rendering runs ahead: a claim's message is made (a few at once) as soon as there is room for
  the claim among those under way, at most `Broadcaster.ahead` of them (a second of sending);
- sending takes one slot per message at `rate` a second, one pace for every broadcast of the
  process, reserved in the claims' order; a recipient's claim waits until their previous one
  is done, so a coordinator's report still comes before their badge. One request is in flight
  at a time within the free rate (`sending_at`); a message whose slot passed while the process
  was held up goes as soon as it can, but never more than the rate within one second. A 429
  pauses the whole pace;
- recording settles what became of the claims in batches: one transaction per `batch` claims
  (half a second of sending, at most 100) or per half second, whichever comes first.

What a crash costs. A claim is recorded as sent only after its send returned, so a process that
dies leaves unsettled what was under way, and `Scheduler.resume_unsent` sends it at the next
start. What Telegram had already accepted is then shown twice: the messages in flight and those
whose send returned but whose batch was not yet committed. A claim's first message goes out
only while fewer than `Broadcaster.unrecorded` = 2 × `batch` claims are sent (or being sent)
and not recorded, so a crash resends at most that many claims: 28 at 28 a second (one second of
sending), 200 at 1,000 a second. When the database is slower than that, sending waits for it.
A report that failed and will be tried again is recorded at once, in the transaction that plans
its next attempt (retries.py), since the notices about it depend on that.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

import httpx
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.clock import Clock
from bot.logs import describe_error
from bot.scheduler.limits import FREE_RATE, PAID_RATE
from bot.scheduler.retries import REPORT, REPORT_ABANDONED, REPORT_DELAYED, RetryPolicy
from bot.storage import Database
from bot.storage import deliveries as delivery_queries
from bot.storage.deliveries import Claim

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
# Outcomes are committed at least this often (seconds), in batches of this much sending.
RECORD_EVERY = 0.5
MAX_BATCH = 100
# Claims rendered at once: rendering reads the database, and a report draws a chart.
RENDERERS = 4
# What failed, in the log and in the delivery's `failure`.
MADE = "could not be made"
SENT = "could not be sent"


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Notice:
    """A rendered message for one claim: a text, or the caption of a photo or a document."""

    claim: Claim
    text: str
    keyboard: InlineKeyboardMarkup | None = None
    photo: bytes | None = None
    # A message sent before the photo, when the photo's caption cannot hold everything.
    intro: str | None = None
    # The message itself as a document (its text the caption), instead of a photo or a text.
    document: Document | None = None
    # A file sent after the message.
    attachment: Document | None = None


# Renders a claim shortly before it is sent (Broadcaster.ahead); None when it no longer
# applies (e.g. completed).
Render = Callable[[Claim], Awaitable[Notice | None]]


@dataclass
class BroadcastReport:
    sent: int = 0
    skipped: int = 0
    unreachable: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class _Outcome:
    claim: Claim
    at: datetime
    failure: str | None  # None: sent
    unreachable: bool
    ready: float  # time.monotonic() when it was handed to the recorder


@dataclass
class Broadcaster:
    bot: Bot
    db: Database
    clock: Clock
    rate: float  # messages a second: SELFIE_BROADCAST_RATE
    retries: RetryPolicy = field(default_factory=RetryPolicy)
    # SELFIE_PAID_BROADCAST: every message goes with allow_paid_broadcast, which lets Telegram
    # take up to 1,000 a second, paid in Stars (README, "Paid broadcasts").
    paid: bool = False
    # Whose claims the notices about a failed report are, and for how long (work.py sets it).
    owner: str | None = None
    lease: timedelta = timedelta(seconds=30)
    _next_slot: float = field(default=0.0, init=False)
    _paused_until: float = field(default=0.0, init=False)
    _last_second: deque[float] = field(default_factory=deque, init=False)  # when each went
    _in_flight: set[Claim] = field(default_factory=set, init=False)
    _intro_sent: set[Claim] = field(default_factory=set, init=False)
    _shown: set[Claim] = field(default_factory=set, init=False)  # sent but for the document
    # Claims whose first message went (or is going) out, until their outcome is committed.
    _holding: set[Claim] = field(default_factory=set, init=False)
    _room: asyncio.Semaphore = field(init=False)
    _sending: asyncio.Semaphore = field(init=False)  # requests in flight

    def __post_init__(self) -> None:
        self._room = asyncio.Semaphore(self.unrecorded)
        self._sending = asyncio.Semaphore(sending_at(self.rate))

    @property
    def batch(self) -> int:
        """Outcomes per transaction: half a second of sending, at most MAX_BATCH."""
        return batch_at(self.rate)

    @property
    def unrecorded(self) -> int:
        """The most claims sent (or being sent) and not yet recorded: what a crash resends."""
        return unrecorded_at(self.rate)

    @property
    def ahead(self) -> int:
        """The most claims of one broadcast between their rendering and their outcome."""
        return 2 * self.batch

    async def send(
        self,
        claims: Iterable[Claim],
        render: Render,
        keep_going: Callable[[], Awaitable[bool]] | None = None,
    ) -> BroadcastReport:
        """Send each claim that this process is not sending already; return once every one
        is recorded (sent, skipped, unreachable or failed) or planned to be tried again.
        `keep_going`, asked before each claim is taken up, can stop the rest: they stay
        claimed and unsent, for whoever takes them over."""
        broadcast = _Broadcast(self, render, keep_going)
        await broadcast.run(claims)
        return broadcast.report

    async def _pace(self) -> None:
        """Wait for a sending slot of one's own. Slots are reserved before sleeping, so the
        claims under way, and concurrent broadcasts, share one pace; a slot that a pause
        (429) has overtaken meanwhile is given up for one after the pause."""
        while True:
            now = time.monotonic()
            slot = max(now, self._next_slot, self._paused_until)
            self._next_slot = slot + 1 / self.rate
            if slot > now:
                await asyncio.sleep(slot - now)
            if slot >= self._paused_until:
                return

    def _pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        self._next_slot = max(self._next_slot, self._paused_until)

    async def _hold(self, claim: Claim) -> bool:
        """Count the claim among those sent and not recorded, waiting for room first; True
        when it had to wait."""
        if claim in self._holding:
            return False
        waited = self._room.locked()
        await self._room.acquire()
        self._holding.add(claim)
        return waited

    def _forget(self, claim: Claim) -> None:
        """The claim is recorded, or given up by this process (left unsettled for a restart)."""
        self._in_flight.discard(claim)
        if claim in self._holding:
            self._holding.discard(claim)
            self._room.release()

    async def _send_message(self, claim: Claim, call: Callable[[], Awaitable[object]]) -> None:
        await self._pace()
        if await self._hold(claim):
            await self._pace()  # the slot passed while the database caught up: a fresh one
        async with self._sending:
            await self._within_the_second()
            await call()

    @property
    def _most_a_second(self) -> int:
        """Requests that may start within one second. Telegram counts them as they arrive,
        and each of the requests in flight may arrive late, together with the next ones: those
        are kept below Telegram's limit too."""
        limit = FREE_RATE if self.rate <= FREE_RATE else PAID_RATE
        return max(1, min(math.floor(self.rate), limit - sending_at(self.rate)))

    async def _within_the_second(self) -> None:
        """Messages whose slot came while the process was held up go out as soon as it runs
        again, which makes up the time; but never more than `_most_a_second` in any one
        second."""
        most = self._most_a_second
        while True:
            now = time.monotonic()
            while self._last_second and self._last_second[0] <= now - 1:
                self._last_second.popleft()
            if len(self._last_second) < most:
                self._last_second.append(now)
                return
            await asyncio.sleep(self._last_second[0] + 1 - now)

    async def _deliver(self, notice: Notice) -> None:
        claim = notice.claim
        chat = claim.recipient
        paid = True if self.paid else None  # None: not sent at all
        if notice.intro is not None and claim not in self._intro_sent:
            intro = notice.intro
            try:
                await self._send_message(
                    claim,
                    lambda: self.bot.send_message(
                        chat, intro, parse_mode=ParseMode.HTML, allow_paid_broadcast=paid
                    ),
                )
            except TimedOut as error:
                if not maybe_delivered(error):
                    raise
                # Most likely shown: go on with the photo rather than show the intro twice.
            self._intro_sent.add(claim)  # a retry of the photo does not repeat it
        if claim not in self._shown:
            if notice.photo is not None:
                photo = notice.photo
                await self._send_message(
                    claim,
                    lambda: self.bot.send_photo(
                        chat,
                        photo,
                        caption=notice.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=notice.keyboard,
                        allow_paid_broadcast=paid,
                    ),
                )
            elif notice.document is not None:
                document = notice.document
                await self._send_message(
                    claim,
                    lambda: self.bot.send_document(
                        chat,
                        InputFile(document.content, filename=document.name),
                        caption=notice.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=notice.keyboard,
                        allow_paid_broadcast=paid,
                    ),
                )
            else:
                await self._send_message(
                    claim,
                    lambda: self.bot.send_message(
                        chat,
                        notice.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=notice.keyboard,
                        allow_paid_broadcast=paid,
                    ),
                )
        if notice.attachment is not None:
            attachment = notice.attachment
            self._shown.add(claim)  # a retry of the file does not repeat the message
            await self._send_message(
                claim,
                lambda: self.bot.send_document(
                    chat,
                    InputFile(attachment.content, filename=attachment.name),
                    allow_paid_broadcast=paid,
                ),
            )
            self._shown.discard(claim)


class _Broadcast:
    """One call of `Broadcaster.send`: its claims through rendering, sending and recording."""

    def __init__(
        self,
        sender: Broadcaster,
        render: Render,
        keep_going: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.sender = sender
        self.render = render
        self.keep_going = keep_going
        self.report = BroadcastReport()
        self.recorder = _Recorder(sender)
        self.ahead = asyncio.Semaphore(sender.ahead)
        self.renderers = asyncio.Semaphore(RENDERERS)
        self.latest: dict[int, asyncio.Task[None]] = {}  # each recipient's last claim
        self.tasks: set[asyncio.Task[None]] = set()
        self.handed: set[Claim] = set()  # claims whose outcome is recorded or with the recorder

    async def run(self, claims: Iterable[Claim]) -> None:
        recording = asyncio.create_task(self.recorder.run())
        launching = asyncio.create_task(self._launch(claims))
        try:
            await asyncio.wait({recording, launching}, return_when=asyncio.FIRST_COMPLETED)
            if recording.done():  # it stops early only when the database fails
                recording.result()
            launching.result()
            self.recorder.close()
            await recording
        finally:
            launching.cancel()
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(launching, *self.tasks, return_exceptions=True)
            if not recording.done():
                # Stopped or failed half-way: what was sent is recorded before leaving.
                self.recorder.close()
                (outcome,) = await asyncio.gather(recording, return_exceptions=True)
                if isinstance(outcome, Exception):
                    log.error("could not record what a broadcast sent: %s", describe_error(outcome))

    async def _launch(self, claims: Iterable[Claim]) -> None:
        for claim in claims:
            if claim in self.sender._in_flight:
                continue
            await self.ahead.acquire()
            if self.keep_going is not None and not await self.keep_going():
                self.ahead.release()
                break
            self.sender._in_flight.add(claim)
            before = self.latest.get(claim.recipient)
            # A claim can depend on what became of the same person's previous one (a delay
            # notice is moot once the report is there): then it is rendered after that one
            # is recorded, not ahead.
            ahead = before is None and not self.recorder.holds(claim.recipient)
            rendering = asyncio.create_task(self._render(claim)) if ahead else None
            task = asyncio.create_task(self._claim(claim, rendering, before))
            self.latest[claim.recipient] = task
            self.tasks.add(task)
            task.add_done_callback(partial(self._ended, claim))
        while self.tasks:
            await asyncio.gather(*list(self.tasks))

    def _ended(self, claim: Claim, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if self.latest.get(claim.recipient) is task:
            del self.latest[claim.recipient]

    async def _render(self, claim: Claim) -> Notice | None:
        async with self.renderers:
            return await self.render(claim)

    async def _claim(
        self,
        claim: Claim,
        rendering: asyncio.Task[Notice | None] | None,
        before: asyncio.Task[None] | None,
    ) -> None:
        try:
            if rendering is None:
                if before is not None:  # the recipient's previous claim goes first
                    await asyncio.wait([before])
                await self.recorder.settled(claim.recipient)
                rendering = asyncio.create_task(self._render(claim))
            await self._through(claim, rendering)
        finally:
            self.ahead.release()
            if rendering is not None:
                rendering.cancel()
                if rendering.done() and not rendering.cancelled():
                    rendering.exception()  # retrieved: a failed rendering was handled, or moot

    async def _through(self, claim: Claim, rendering: Awaitable[Notice | None]) -> None:
        try:
            await self._send_one(claim, rendering)
        finally:
            if claim not in self.handed:  # stopped before an outcome: left for a restart
                self.sender._forget(claim)
            self.handed.discard(claim)

    def _settle(self, claim: Claim, failure: str | None, *, unreachable: bool = False) -> None:
        """Hand the outcome to the recorder; the claim is forgotten once it is committed."""
        self.handed.add(claim)
        self.recorder.add(
            _Outcome(claim, self.sender.clock.now(), failure, unreachable, time.monotonic())
        )

    async def _send_one(self, claim: Claim, rendering: Awaitable[Notice | None]) -> None:
        try:
            notice = await rendering
        except Exception as error:  # e.g. the chart cannot be drawn: never lost in silence
            await self._failed(claim, MADE, error)
            return
        if notice is None:
            self.report.skipped += 1
            self._settle(claim, "skipped")
            return
        last_error: TelegramError | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                await self.sender._deliver(notice)
            except RetryAfter as error:
                log.info("Telegram asks to wait %s before sending more", error.retry_after)
                last_error = error
                self.sender._pause(_seconds(error.retry_after))
                continue
            except (Forbidden, BadRequest) as error:
                blocked = isinstance(error, Forbidden)
                if not blocked and "chat not found" not in error.message.lower():
                    log.warning("could not send %s: %s", claim.kind, error)
                    last_error = error
                    break
                # Blocked, or never started the bot: nobody can reach this chat until the
                # person (re)starts it, when a coordinator's messages are sent again.
                self.report.unreachable += 1
                self._settle(claim, "blocked" if blocked else "no chat", unreachable=True)
                # Reminder rounds (kinds with a label) would log one line per person.
                level = logging.INFO if ":" in claim.kind else logging.WARNING
                log.log(
                    level,
                    "%s of session %d not delivered: %s",
                    claim.kind,
                    claim.session_id,
                    "blocked by the recipient"
                    if blocked
                    else "the recipient never started the bot",
                )
                return
            except NetworkError as error:
                if isinstance(error, TimedOut) and maybe_delivered(error):
                    # Telegram has the whole request and did not answer in time: it has most
                    # likely sent the message, and sending it again would show it twice.
                    log.warning("no answer in time to %s; not sending it again", claim.kind)
                    self.report.failed += 1
                    self._settle(claim, "timed out")
                    return
                log.warning(
                    "network trouble sending %s (attempt %d): %s", claim.kind, attempt, error
                )
                last_error = error
                if attempt < MAX_ATTEMPTS:
                    await asyncio.sleep(min(2**attempt, 30) / 4)
                continue
            except TelegramError as error:
                log.warning("could not send %s: %s", claim.kind, error)
                last_error = error
                break
            self.report.sent += 1
            self._settle(claim, None)
            return
        await self._failed(claim, SENT, last_error)

    async def _failed(self, claim: Claim, what: str, error: BaseException | None) -> None:
        """Settle a claim that failed; a retried kind gets its next attempt planned (and, for
        a report, the notices about it claimed and sent next) in one transaction of its own."""
        self.report.failed += 1
        cause = describe_error(error) if error is not None else "unknown"
        retries = self.sender.retries
        if not retries.retried(claim.kind):
            # Telegram's trouble was logged as it came; a message that cannot be made is a bug.
            level = logging.ERROR if what == MADE else logging.WARNING
            log.log(level, "%s of session %d %s: %s", claim.kind, claim.session_id, what, cause)
            self._settle(claim, "failed")
            return
        now = self.sender.clock.now()
        reason = f"{what}: {type(error).__name__ if error is not None else 'unknown'}"
        follow: list[Claim] = []
        async with self.sender.db.transaction() as connection:
            attempts = await delivery_queries.record_failed_attempt(
                connection, claim=claim, failure=reason
            )
            retry_at = retries.next_attempt(max(attempts, 1), now)
            if retry_at is not None:
                await delivery_queries.plan_retry(connection, claim=claim, at=retry_at)
            if claim.kind == REPORT:
                notices = [REPORT_DELAYED] if attempts == 1 else []
                if retry_at is None:
                    notices.append(REPORT_ABANDONED)
                for kind in notices:
                    follow += await delivery_queries.claim(
                        connection,
                        session_id=claim.session_id,
                        kind=kind,
                        recipients=[claim.recipient],
                        now=now,
                        owner=self.sender.owner,
                        lease_until=(
                            now + self.sender.lease if self.sender.owner is not None else None
                        ),
                    )
        self.handed.add(claim)
        self.sender._forget(claim)
        planned = f"next attempt at {retry_at:%Y-%m-%d %H:%M} UTC" if retry_at else "giving up"
        log.error(
            "%s of session %d %s (attempt %d of %d): %s; %s",
            claim.kind,
            claim.session_id,
            what,
            attempts,
            retries.max_attempts,
            cause,
            planned,
        )
        for notice in follow:  # to the same person, so before their next claim
            if notice in self.sender._in_flight:
                continue
            self.sender._in_flight.add(notice)
            await self._through(notice, self._render(notice))


class _Recorder:
    """Commits the outcomes of one broadcast: a batch once `batch` of them wait, or once the
    oldest has waited RECORD_EVERY, or at once when a claim waits for one of them; all that
    waits when closed."""

    def __init__(self, sender: Broadcaster) -> None:
        self.sender = sender
        self.waiting: list[_Outcome] = []
        self.changed = asyncio.Event()
        self.committed = asyncio.Condition()
        self.closing = False
        self.urgent = False
        self._unsettled: Counter[int] = Counter()  # waiting or being committed, per recipient

    def add(self, outcome: _Outcome) -> None:
        self.waiting.append(outcome)
        self._unsettled[outcome.claim.recipient] += 1
        if len(self.waiting) == 1 or len(self.waiting) >= self.sender.batch:
            self.changed.set()

    def holds(self, recipient: int) -> bool:
        return self._unsettled[recipient] > 0

    async def settled(self, recipient: int) -> None:
        """Wait until no outcome for the recipient waits to be committed."""
        async with self.committed:
            while self.holds(recipient):
                self.urgent = True
                self.changed.set()
                await self.committed.wait()

    def close(self) -> None:
        self.closing = True
        self.changed.set()

    async def run(self) -> None:
        try:
            while self.waiting or not self.closing:
                if not self.waiting:
                    self.changed.clear()
                    await self.changed.wait()
                    continue
                due = self.waiting[0].ready + RECORD_EVERY - time.monotonic()
                now = self.closing or self.urgent or len(self.waiting) >= self.sender.batch
                if not now and due > 0:
                    self.changed.clear()
                    with suppress(TimeoutError):
                        async with asyncio.timeout(due):
                            await self.changed.wait()
                    continue
                taken, self.waiting, self.urgent = self.waiting, [], False
                try:
                    await self._commit(taken)
                finally:
                    self._done(taken)
                async with self.committed:
                    self.committed.notify_all()
        finally:
            # Not recorded (the database failed): unsettled, for the next start to send.
            self._done(self.waiting)
            self.waiting = []

    def _done(self, outcomes: list[_Outcome]) -> None:
        for outcome in outcomes:
            self._unsettled[outcome.claim.recipient] -= 1
            if not self._unsettled[outcome.claim.recipient]:
                del self._unsettled[outcome.claim.recipient]
            self.sender._forget(outcome.claim)

    async def _commit(self, outcomes: list[_Outcome]) -> None:
        async with self.sender.db.transaction() as connection:
            unreachable = [o.claim.recipient for o in outcomes if o.unreachable]
            if unreachable:
                await delivery_queries.mark_all_unreachable(connection, chat_ids=unreachable)
            await delivery_queries.settle_many(
                connection, outcomes=[(o.claim, o.at, o.failure) for o in outcomes]
            )


def batch_at(rate: float) -> int:
    return max(1, min(MAX_BATCH, math.ceil(rate * RECORD_EVERY)))


def unrecorded_at(rate: float) -> int:
    return 2 * batch_at(rate)


def sending_at(rate: float) -> int:
    """Requests in flight at once: one within the free rate, where a request's round trip
    is well inside its slot and Telegram then never sees two arrive together; at paid rates
    one per hundred a second, since a slot is shorter than a round trip there."""
    return 1 if rate <= FREE_RATE else math.ceil(rate / 100)


def maybe_delivered(error: TimedOut) -> bool:
    """Whether Telegram may have carried out a call that timed out: yes, unless the request
    never left (no free connection, no connection, or not written in full)."""
    never_sent = (httpx.PoolTimeout, httpx.ConnectTimeout, httpx.WriteTimeout)
    return not isinstance(error.__cause__, never_sent)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
