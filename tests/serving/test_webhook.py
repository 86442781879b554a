"""The webhook server, in this process: a real python-telegram-bot Application behind it, the
emulator (or a plain HTTP client posting as a stranger would) in front, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import ContextTypes, MessageHandler, filters

from bot.serving.ordering import PerChatUpdateProcessor
from bot.serving.webhook import HEALTH_PATH, MAX_BODY_BYTES, SECRET_HEADER, WebhookServer
from emulator import BotApiEmulator
from emulator.harness import AnyApplication, builder_for, free_port

SECRET = "Webhook-test_secret-0123456789"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator("555:WEBHOOK-test", username="hook_test_bot") as emulator:
        yield emulator


class Recorder:
    """Handlers whose every call is written down; `gate` holds a handler until set."""

    def __init__(self) -> None:
        self.handled: list[str] = []
        self.errors: list[str] = []
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        text = update.effective_message.text or ""
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if text == "fail":
            raise RuntimeError("a handler that fails")
        self.handled.append(text)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.errors.append(type(context.error).__name__)


@asynccontextmanager
async def serving(
    emu: BotApiEmulator, recorder: Recorder, **options: Any
) -> AsyncIterator[tuple[WebhookServer, str]]:
    application: AnyApplication = (
        builder_for(emu).updater(None).concurrent_updates(PerChatUpdateProcessor(4)).build()
    )
    application.add_handler(MessageHandler(filters.ALL, recorder.on_message))
    application.add_error_handler(recorder.on_error)
    port = free_port()
    server = WebhookServer(application, secret=SECRET, listen="127.0.0.1", port=port, **options)
    await application.initialize()
    await application.start()
    await server.start()
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        await server.stop()
        await application.stop()
        await application.shutdown()


def forged(update_id: int, text: str, chat_id: int = 31) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Forger"},
            "text": text,
        },
    }


async def test_a_wrong_or_missing_secret_is_refused_before_anything_is_handled(
    emu: BotApiEmulator,
) -> None:
    recorder = Recorder()
    async with serving(emu, recorder) as (server, base), httpx.AsyncClient() as client:
        for headers in (
            {},
            {SECRET_HEADER: ""},
            {SECRET_HEADER: "guess"},
            {SECRET_HEADER: SECRET[:-1]},
        ):
            response = await client.post(f"{base}/telegram", json=forged(1, "hi"), headers=headers)
            assert response.status_code == 403, headers
        assert recorder.handled == [] and server.handled == 0
        response = await client.post(
            f"{base}/telegram", json=forged(2, "hi"), headers={SECRET_HEADER: SECRET}
        )
        assert response.status_code == 200
        assert recorder.handled == ["hi"]


async def test_bodies_that_are_not_updates_or_too_large_are_refused(emu: BotApiEmulator) -> None:
    recorder = Recorder()
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with serving(emu, recorder) as (server, base), httpx.AsyncClient() as client:
        large = json.dumps(forged(1, "x" * MAX_BODY_BYTES))
        response = await client.post(f"{base}/telegram", content=large, headers=headers)
        assert response.status_code == 413
        for body in (b"{not json", b"[1, 2]", b'{"message": {}}'):
            response = await client.post(f"{base}/telegram", content=body, headers=headers)
            assert response.status_code == 400, body
        response = await client.get(f"{base}/telegram", headers=headers)
        assert response.status_code == 405
        assert recorder.handled == [] and server.handled == 0


async def test_the_answer_waits_for_the_handler(emu: BotApiEmulator) -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    async with serving(emu, recorder) as (_, base), httpx.AsyncClient() as client:
        post = asyncio.create_task(
            client.post(f"{base}/telegram", json=forged(1, "slow"), headers={SECRET_HEADER: SECRET})
        )
        await asyncio.wait_for(recorder.started.wait(), 10)
        await asyncio.sleep(0.05)  # time enough for an early 200 to arrive, if one were sent
        assert not post.done()
        recorder.gate.set()
        assert (await post).status_code == 200
        assert recorder.handled == ["slow"]


async def test_an_update_whose_handler_fails_is_acknowledged_once(emu: BotApiEmulator) -> None:
    recorder = Recorder()
    async with serving(emu, recorder) as (server, base):
        await server.application.bot.set_webhook(url=f"{base}/telegram", secret_token=SECRET)
        user = emu.user(501)
        await user.send("fail")
        await user.send("after")
        await emu.wait_for(lambda: recorder.handled == ["after"], timeout=10)
        await emu.wait_until_idle()
    assert recorder.errors == ["RuntimeError"]
    assert emu.stats.webhook_posts == 2  # no delivery was retried
    assert emu.stats.webhook_failures == 0
    assert server.handled == 2


async def test_a_stopping_server_finishes_what_it_handles_and_takes_nothing_new(
    emu: BotApiEmulator,
) -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    headers = {SECRET_HEADER: SECRET}
    async with (
        serving(emu, recorder) as (server, base),
        httpx.AsyncClient() as client,
        httpx.AsyncClient() as kept,
    ):
        assert (
            await kept.get(f"{base}{HEALTH_PATH}")
        ).status_code == 200  # a kept-alive connection
        post = asyncio.create_task(
            client.post(f"{base}/telegram", json=forged(1, "in flight"), headers=headers)
        )
        await asyncio.wait_for(recorder.started.wait(), 10)
        stopping = asyncio.create_task(server.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done()
        # New connections are refused; on one opened before, an update is turned away (503,
        # so that Telegram sends it again, to another worker).
        async with httpx.AsyncClient() as late:
            with pytest.raises(httpx.ConnectError):
                await late.get(f"{base}{HEALTH_PATH}")
        response = await kept.post(f"{base}/telegram", json=forged(2, "late"), headers=headers)
        assert response.status_code == 503
        recorder.gate.set()
        assert (await post).status_code == 200
        await asyncio.wait_for(stopping, 10)
        assert recorder.handled == ["in flight"]


async def test_a_request_given_up_by_its_sender_is_still_handled(
    emu: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram gave up waiting (and will send the update again): the handler finishes, the
    lost answer is only noted, and the server goes on."""
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    headers = {SECRET_HEADER: SECRET}
    async with serving(emu, recorder) as (server, base), httpx.AsyncClient() as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(
                f"{base}/telegram", json=forged(1, "slow"), headers=headers, timeout=0.2
            )
        recorder.gate.set()
        await emu.wait_for(lambda: server.handled == 1, timeout=10)
        response = await client.post(f"{base}/telegram", json=forged(2, "next"), headers=headers)
        assert response.status_code == 200
    assert recorder.handled == ["slow", "next"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
