"""Sending many messages within Telegram's limits, settling each claim as it goes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

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
from bot.scheduler.retries import REPORT, REPORT_ABANDONED, REPORT_DELAYED, RetryPolicy
from bot.storage import Database
from bot.storage import deliveries as delivery_queries
from bot.storage.deliveries import Claim

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
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


# Renders a claim just before it is sent; None when it no longer applies (e.g. completed).
Render = Callable[[Claim], Awaitable[Notice | None]]


@dataclass
class BroadcastReport:
    sent: int = 0
    skipped: int = 0
    unreachable: int = 0
    failed: int = 0


@dataclass
class Broadcaster:
    bot: Bot
    db: Database
    clock: Clock
    rate: float  # messages a second: SELFIE_BROADCAST_RATE
    retries: RetryPolicy = field(default_factory=RetryPolicy)
    # Whose claims the notices about a failed report are, and for how long (work.py sets it).
    owner: str | None = None
    lease: timedelta = timedelta(seconds=30)
    _next_slot: float = field(default=0.0, init=False)
    _in_flight: set[Claim] = field(default_factory=set, init=False)
    _intro_sent: set[Claim] = field(default_factory=set, init=False)
    _shown: set[Claim] = field(default_factory=set, init=False)  # sent but for the document

    async def send(
        self,
        claims: Iterable[Claim],
        render: Render,
        keep_going: Callable[[], Awaitable[bool]] | None = None,
    ) -> BroadcastReport:
        """Send each claim in turn; `keep_going`, asked before each, can stop the rest (they
        stay claimed and unsent, for whoever takes them over)."""
        report = BroadcastReport()
        queue = deque(claims)
        while queue:
            if keep_going is not None and not await keep_going():
                break
            claim = queue.popleft()
            if claim in self._in_flight:
                continue
            self._in_flight.add(claim)
            try:
                # A report that failed claims a notice about it, which goes out next.
                queue.extend(await self._send_one(claim, render, report))
            finally:
                self._in_flight.discard(claim)
        return report

    async def _send_one(self, claim: Claim, render: Render, report: BroadcastReport) -> list[Claim]:
        try:
            notice = await render(claim)
        except Exception as error:  # e.g. the chart cannot be drawn: never lost in silence
            return await self._failed(claim, report, MADE, error)
        if notice is None:
            report.skipped += 1
            await self._settle(claim, "skipped")
            return []
        last_error: TelegramError | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            await self._pace()
            try:
                await self._deliver(notice)
            except RetryAfter as error:
                log.info("Telegram asks to wait %s before sending more", error.retry_after)
                last_error = error
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except (Forbidden, BadRequest) as error:
                blocked = isinstance(error, Forbidden)
                if not blocked and "chat not found" not in error.message.lower():
                    log.warning("could not send %s: %s", claim.kind, error)
                    last_error = error
                    break
                # Blocked, or never started the bot: nobody can reach this chat until the
                # person (re)starts it, when a coordinator's messages are sent again.
                report.unreachable += 1
                reason = "blocked" if blocked else "no chat"
                await self._settle(claim, reason, unreachable=True)
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
                return []
            except NetworkError as error:
                if isinstance(error, TimedOut) and maybe_delivered(error):
                    # Telegram has the whole request and did not answer in time: it has most
                    # likely sent the message, and sending it again would show it twice.
                    log.warning("no answer in time to %s; not sending it again", claim.kind)
                    report.failed += 1
                    await self._settle(claim, "timed out")
                    return []
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
            report.sent += 1
            await self._settle(claim, None)
            return []
        return await self._failed(claim, report, SENT, last_error)

    async def _failed(
        self, claim: Claim, report: BroadcastReport, what: str, error: BaseException | None
    ) -> list[Claim]:
        """Settle a claim that failed; a retried kind gets its next attempt planned (and, for
        a report, the notices about it claimed) in the same transaction."""
        report.failed += 1
        cause = describe_error(error) if error is not None else "unknown"
        if not self.retries.retried(claim.kind):
            # Telegram's trouble was logged as it came; a message that cannot be made is a bug.
            level = logging.ERROR if what == MADE else logging.WARNING
            log.log(level, "%s of session %d %s: %s", claim.kind, claim.session_id, what, cause)
            await self._settle(claim, "failed")
            return []
        now = self.clock.now()
        reason = f"{what}: {type(error).__name__ if error is not None else 'unknown'}"
        follow: list[Claim] = []
        async with self.db.transaction() as connection:
            attempts = await delivery_queries.record_failed_attempt(
                connection, claim=claim, failure=reason
            )
            retry_at = self.retries.next_attempt(max(attempts, 1), now)
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
                        owner=self.owner,
                        lease_until=now + self.lease if self.owner is not None else None,
                    )
        planned = f"next attempt at {retry_at:%Y-%m-%d %H:%M} UTC" if retry_at else "giving up"
        log.error(
            "%s of session %d %s (attempt %d of %d): %s; %s",
            claim.kind,
            claim.session_id,
            what,
            attempts,
            self.retries.max_attempts,
            cause,
            planned,
        )
        return follow

    async def _deliver(self, notice: Notice) -> None:
        chat = notice.claim.recipient
        if notice.intro is not None and notice.claim not in self._intro_sent:
            try:
                await self.bot.send_message(chat, notice.intro, parse_mode=ParseMode.HTML)
            except TimedOut as error:
                if not maybe_delivered(error):
                    raise
                # Most likely shown: go on with the photo rather than show the intro twice.
            self._intro_sent.add(notice.claim)  # a retry of the photo does not repeat it
        if notice.claim not in self._shown:
            if notice.photo is not None:
                await self.bot.send_photo(
                    chat,
                    notice.photo,
                    caption=notice.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=notice.keyboard,
                )
            elif notice.document is not None:
                await self.bot.send_document(
                    chat,
                    InputFile(notice.document.content, filename=notice.document.name),
                    caption=notice.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=notice.keyboard,
                )
            else:
                await self.bot.send_message(
                    chat, notice.text, parse_mode=ParseMode.HTML, reply_markup=notice.keyboard
                )
        if notice.attachment is not None:
            self._shown.add(notice.claim)  # a retry of the file does not repeat the message
            await self.bot.send_document(
                chat, InputFile(notice.attachment.content, filename=notice.attachment.name)
            )
            self._shown.discard(notice.claim)

    async def _settle(
        self, claim: Claim, failure: str | None, *, unreachable: bool = False
    ) -> None:
        async with self.db.transaction() as connection:
            if unreachable:
                await delivery_queries.mark_unreachable(connection, chat_id=claim.recipient)
            await delivery_queries.settle(
                connection, claim=claim, now=self.clock.now(), failure=failure
            )

    async def _pace(self) -> None:
        """Wait for the next sending slot; slots are reserved before sleeping, so concurrent
        broadcasts share one pace."""
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + 1 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)


def maybe_delivered(error: TimedOut) -> bool:
    """Whether Telegram may have carried out a call that timed out: yes, unless the request
    never left (no free connection, no connection, or not written in full)."""
    never_sent = (httpx.PoolTimeout, httpx.ConnectTimeout, httpx.WriteTimeout)
    return not isinstance(error.__cause__, never_sent)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
