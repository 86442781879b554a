"""Delivery of pending updates to the bot's webhook, one at a time and in order."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from http import HTTPStatus

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from emulator.state import EmulatorState, Update, WebhookConfig
from emulator.stats import EmulatorStats

log = logging.getLogger(__name__)


class WebhookDispatcher:
    """POSTs each pending update while a webhook is set; retries with backoff, then drops."""

    def __init__(
        self,
        state: EmulatorState,
        stats: EmulatorStats,
        *,
        attempts: int = 5,
        backoff: float = 0.05,
        timeout: float = 5.0,
    ) -> None:
        self.state = state
        self.stats = stats
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="emulator-webhook")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        client = AsyncHTTPClient(force_instance=True)
        try:
            while not self._stopping:
                hook, update = self.state.webhook, self.state.updates.first()
                if hook is None or update is None:
                    await self.state.updates_changed.wait(3600)
                    continue
                delivered = await self._deliver(client, hook, update)
                # The queue may have been cleared or the hook changed while we were sending.
                if self.state.updates.first() is update and (
                    delivered or self.state.webhook is hook
                ):
                    self.state.updates.pop_first()
                    if not delivered:
                        self.stats.webhook_dropped += 1
                    self.state.notify()
        finally:
            client.close()

    async def _deliver(self, client: AsyncHTTPClient, hook: WebhookConfig, update: Update) -> bool:
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        body = json.dumps(update.to_api(), ensure_ascii=False)
        for attempt in range(self.attempts):
            if self.state.webhook is not hook:
                return False
            request = HTTPRequest(
                hook.url,
                method="POST",
                headers=headers,
                body=body,
                request_timeout=self.timeout,
                connect_timeout=self.timeout,
                follow_redirects=False,
            )
            self.stats.webhook_posts += 1
            try:
                response = await client.fetch(request, raise_error=False)
                if 200 <= response.code < 300:
                    self.stats.updates_sent += 1
                    return True
                error = f"Wrong response from the webhook: {_status_line(response.code)}"
            except Exception as exc:  # connection refused, timeouts: tornado's or the OS's
                error = f"Connection failed: {type(exc).__name__}: {exc}"
            self.stats.webhook_failures += 1
            hook.last_error_date = self.state.now()
            hook.last_error_message = error
            log.debug("webhook delivery of update %s failed: %s", update.update_id, error)
            if attempt + 1 < self.attempts:
                await asyncio.sleep(min(1.0, self.backoff * 2**attempt))
        return False


def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)
