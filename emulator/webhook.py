"""Delivery of pending updates to the bot's webhook, ordered the way Telegram orders them.

Each chat's updates go one at a time and in order: the next is sent only after the previous
was acknowledged (a 2xx answer) or given up. Different chats are delivered in parallel, with at
most `max_connections` (from setWebhook) requests open at once. A failed delivery is retried
with backoff and holds back only its own chat. Where each request goes is the load balancer's
choice (see balancer.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from http import HTTPStatus

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from emulator.balancer import LoadBalancer, Worker
from emulator.state import EmulatorState, Update, WebhookConfig
from emulator.stats import EmulatorStats

log = logging.getLogger(__name__)

# setWebhook accepts max_connections up to 100; the client must never queue below that.
_MAX_CONNECTIONS = 100


class ConnectionSlots:
    """Counts open webhook requests against a limit that may change while they run."""

    def __init__(self, limit: int = 40) -> None:
        self.limit = limit
        self.in_use = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def acquire(self) -> None:
        """Wait for a free slot; first come, first served."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._grant()
        if waiter.done():
            return
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # granted just before the cancellation reached us
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        self.in_use -= 1
        self._grant()

    def set_limit(self, limit: int) -> None:
        self.limit = limit
        self._grant()

    def _grant(self) -> None:
        while self._waiters and self.in_use < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_use += 1
                waiter.set_result(None)


class WebhookDispatcher:
    """POSTs pending updates while a webhook is set; retries with backoff, then drops."""

    def __init__(
        self,
        state: EmulatorState,
        stats: EmulatorStats,
        balancer: LoadBalancer,
        *,
        attempts: int = 5,
        backoff: float = 0.05,
        timeout: float = 5.0,
    ) -> None:
        self.state = state
        self.stats = stats
        self.balancer = balancer
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.timeout = timeout
        self.slots = ConnectionSlots()
        self._client: AsyncHTTPClient | None = None
        self._feeder: asyncio.Task[None] | None = None
        # Per chat, the updates handed to its delivery task and not yet finished with.
        self._lanes: dict[int | None, deque[Update]] = {}
        self._lane_tasks: set[asyncio.Task[None]] = set()
        self._fed_up_to = 0  # the newest update_id handed to a lane

    @property
    def busy_chats(self) -> int:
        """Chats with an update being delivered, waiting for a connection or for a retry."""
        return len(self._lanes)

    def start(self) -> None:
        self._client = AsyncHTTPClient(force_instance=True, max_clients=_MAX_CONNECTIONS)
        self._feeder = asyncio.create_task(self._feed(), name="emulator-webhook")

    async def stop(self) -> None:
        tasks = [*self._lane_tasks, *([self._feeder] if self._feeder else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._feeder = None
        self._lanes.clear()
        self._fed_up_to = 0
        self.slots = ConnectionSlots()
        if self._client is not None:
            self._client.close()
            self._client = None

    async def _feed(self) -> None:
        """Hand each new update to its chat's lane while a webhook is set."""
        while True:
            hook = self.state.webhook
            if hook is not None:
                self.slots.set_limit(hook.max_connections)
                for update in self.state.updates.since(self._fed_up_to):
                    self._fed_up_to = update.update_id
                    self._enqueue(update)
            await self.state.updates_changed.wait(3600)

    def _enqueue(self, update: Update) -> None:
        lane = self._lanes.get(update.chat_id)
        if lane is None:
            lane = self._lanes[update.chat_id] = deque()
            task = asyncio.create_task(self._drain(update.chat_id, lane))
            self._lane_tasks.add(task)
            task.add_done_callback(self._lane_tasks.discard)
        lane.append(update)

    async def _drain(self, chat_id: int | None, lane: deque[Update]) -> None:
        try:
            while lane:
                update = lane[0]
                if not update.done:  # getUpdates or drop_pending_updates may have taken it
                    await self._deliver(update)
                lane.popleft()
        except Exception:
            log.exception("webhook delivery for chat %s failed", chat_id)
        finally:
            if self._lanes.get(chat_id) is lane:
                del self._lanes[chat_id]

    async def _deliver(self, update: Update) -> None:
        """Until the update is acknowledged, given up, or taken another way."""
        hook_tried: WebhookConfig | None = None
        failures = 0
        while not update.done:
            hook = self.state.webhook
            if hook is None:
                # Deleted: the update stays pending for the next webhook or for getUpdates.
                await self.state.updates_changed.wait(1.0)
                continue
            if hook is not hook_tried:
                hook_tried, failures = hook, 0  # a new registration starts the count afresh
            await self.slots.acquire()
            try:
                self.stats.webhook_max_in_flight = max(
                    self.stats.webhook_max_in_flight, self.slots.in_use
                )
                acknowledged = await self._post(hook, self.balancer.pick(hook.url), update)
            finally:
                self.slots.release()
            if acknowledged:
                self._finish(update)
                return
            if self.state.webhook is not hook:
                continue
            failures += 1
            if failures >= self.attempts:
                if self._finish(update):
                    self.stats.webhook_dropped += 1
                return
            self.stats.webhook_retries += 1
            await asyncio.sleep(min(1.0, self.backoff * 2 ** (failures - 1)))

    def _finish(self, update: Update) -> bool:
        finished = self.state.updates.remove(update)
        if finished:
            self.state.notify()
        return finished

    async def _post(self, hook: WebhookConfig, worker: Worker, update: Update) -> bool:
        assert self._client is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        request = HTTPRequest(
            worker.url,
            method="POST",
            headers=headers,
            body=json.dumps(update.to_api(), ensure_ascii=False),
            request_timeout=self.timeout,
            connect_timeout=self.timeout,
            follow_redirects=False,
        )
        self.stats.webhook_posts += 1
        worker.in_flight += 1
        try:
            response = await self._client.fetch(request, raise_error=False)
        except Exception as exc:  # connection refused, timeouts: tornado's or the OS's
            self.balancer.unreachable(worker)
            error = f"Connection failed: {type(exc).__name__}: {exc}"
        else:
            self.balancer.reachable(worker)
            if 200 <= response.code < 300:
                self.stats.updates_sent += 1
                self.stats.webhook_deliveries[worker.url] += 1
                return True
            error = f"Wrong response from the webhook: {_status_line(response.code)}"
        finally:
            worker.in_flight -= 1
        self.stats.webhook_failures += 1
        self.stats.webhook_worker_failures[worker.url] += 1
        hook.last_error_date = self.state.now()
        hook.last_error_message = error
        log.debug(
            "webhook delivery of update %s to %s failed: %s", update.update_id, worker.url, error
        )
        return False


def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)
