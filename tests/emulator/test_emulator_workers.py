"""Webhook delivery to several workers behind one webhook URL, as Telegram and a load
balancer deliver: each chat in order, one update at a time; chats in parallel.

The workers are small tornado servers on loopback ports that log, in one shared list, when
each request begins and how it ends, so order and overlap can be read off the log. A test
holds a chat's requests open with a gate, or has a worker refuse them, and lets go later.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import tornado.web
from telegram import Update
from telegram.ext import ContextTypes, MessageHandler, filters
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from emulator import BotApiEmulator
from emulator.__main__ import parse_args
from emulator.harness import builder_for, running_webhook
from emulator.state import UpdateQueue

TOKEN = "123456:TEST"
# The address the bot registers; the load balancer would listen here. Nothing is served on it.
PUBLIC_URL = "http://127.0.0.1:9/telegram"


@dataclass(frozen=True)
class Seen:
    event: str  # "begin", or how the request ended: "ok", "refused"
    worker: str
    update_id: int
    chat_id: int
    text: str


@dataclass
class Floor:
    """What every worker shares: the log, the gates, and which chats are refused."""

    log: list[Seen] = field(default_factory=list)
    gates: dict[int, asyncio.Event] = field(default_factory=dict)
    refused: set[int] = field(default_factory=set)

    def hold(self, chat_id: int) -> None:
        self.gates[chat_id] = asyncio.Event()

    def release(self, chat_id: int | None = None) -> None:
        for held, gate in self.gates.items():
            if chat_id is None or held == chat_id:
                gate.set()

    def seen(self, event: str, chat_id: int | None = None) -> list[Seen]:
        return [s for s in self.log if s.event == event and chat_id in (None, s.chat_id)]

    def open_requests(self) -> int:
        return len(self.seen("begin")) - len([s for s in self.log if s.event != "begin"])

    def acknowledged_texts(self, chat_id: int) -> list[str]:
        return [s.text for s in self.seen("ok", chat_id)]


class RecordingHandler(tornado.web.RequestHandler):
    def initialize(self, name: str, floor: Floor) -> None:
        self.name = name
        self.floor = floor

    async def post(self) -> None:
        update: dict[str, Any] = json.loads(self.request.body)
        message = update["message"]
        chat_id, text = message["chat"]["id"], message.get("text", "")

        def note(event: str) -> None:
            self.floor.log.append(Seen(event, self.name, update["update_id"], chat_id, text))

        note("begin")
        gate = self.floor.gates.get(chat_id)
        if gate is not None:
            await gate.wait()
        if chat_id in self.floor.refused:
            note("refused")
            self.set_status(500)
        else:
            note("ok")
        self.finish()


class RecordingWorker:
    def __init__(self, name: str, floor: Floor) -> None:
        self.name = name
        app = tornado.web.Application(
            [(r"/hook", RecordingHandler, {"name": name, "floor": floor})]
        )
        self.server = HTTPServer(app)
        sockets = bind_sockets(0, address="127.0.0.1")
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook"
        self.server.add_sockets(sockets)

    async def stop(self) -> None:
        """Like a killed process: the port refuses connections from now on."""
        self.server.stop()
        await self.server.close_all_connections()


@pytest.fixture
async def floor() -> AsyncIterator[Floor]:
    shared = Floor()
    yield shared
    shared.release()  # let held requests finish before their servers close


@pytest.fixture
async def workers(floor: Floor) -> AsyncIterator[list[RecordingWorker]]:
    started = [RecordingWorker(f"w{i}", floor) for i in range(3)]
    yield started
    floor.release()
    for worker in started:
        await worker.stop()


async def api(emu: BotApiEmulator, method: str, **params: Any) -> Any:
    async with httpx.AsyncClient() as client:
        answer = (await client.post(f"{emu.base_url}{emu.token}/{method}", data=params)).json()
    assert answer["ok"], answer
    return answer["result"]


async def until(emu: BotApiEmulator, condition: Callable[[], bool], what: str) -> None:
    await emu.wait_for(condition, timeout=15, description=what)


def assert_each_chat_in_order(floor: Floor, sent: dict[int, list[str]]) -> None:
    """Every update acknowledged once, in the order its chat sent it, and no request of a chat
    began before the chat's previous request had ended."""
    for chat_id, texts in sent.items():
        assert floor.acknowledged_texts(chat_id) == texts
        events = [s for s in floor.log if s.chat_id == chat_id]
        for before, after in itertools.pairwise(events):
            # A chat's log alternates: begin, its end, begin, its end...
            assert (before.event == "begin") != (after.event == "begin"), events
            if before.event == "begin":
                assert after.update_id == before.update_id


async def send_all(emu: BotApiEmulator, plan: dict[int, list[str]]) -> None:
    """Each user's messages in order, the users interleaved."""
    longest = max(len(texts) for texts in plan.values())
    for i in range(longest):
        for user_id, texts in plan.items():
            if i < len(texts):
                await emu.user(user_id).send(texts[i])


async def test_chats_go_to_different_workers_at_the_same_time(
    floor: Floor, workers: list[RecordingWorker]
) -> None:
    urls = [worker.url for worker in workers]
    async with BotApiEmulator(TOKEN, webhook_workers=urls, webhook_timeout=30) as emu:
        await api(emu, "setWebhook", url=PUBLIC_URL)
        for chat_id in (11, 12, 13):
            floor.hold(chat_id)
            await emu.user(chat_id).send(f"hello from {chat_id}")

        await until(emu, lambda: floor.open_requests() == 3, "three requests open at once")
        assert {s.worker for s in floor.seen("begin")} == {"w0", "w1", "w2"}
        assert emu.webhook_delivery()["in_flight"] == 3
        assert [w["in_flight"] for w in emu.webhook_delivery()["workers"]] == [1, 1, 1]

        floor.release()
        await emu.wait_until_idle()
        assert emu.stats.webhook_max_in_flight == 3
        assert emu.stats.webhook_deliveries == dict.fromkeys(urls, 1)
        assert PUBLIC_URL not in emu.stats.webhook_deliveries


async def test_a_chat_waits_for_its_acknowledgement_and_holds_back_only_itself(
    floor: Floor, workers: list[RecordingWorker]
) -> None:
    urls = [worker.url for worker in workers[:2]]
    async with BotApiEmulator(TOKEN, webhook_workers=urls, webhook_timeout=30) as emu:
        await api(emu, "setWebhook", url=PUBLIC_URL)
        floor.hold(21)
        plan = {21: ["a1", "a2", "a3"], 22: ["b1", "b2", "b3", "b4"]}
        await send_all(emu, plan)

        await until(emu, lambda: len(floor.seen("ok", 22)) == 4, "the other chat to go through")
        # Chat 21's first update is still unanswered, so its next one was not sent.
        assert [s.text for s in floor.seen("begin", 21)] == ["a1"]
        assert [u["message"]["text"] for u in emu.pending_updates] == ["a1", "a2", "a3"]
        info = await api(emu, "getWebhookInfo")
        assert info["pending_update_count"] == 3

        floor.release(21)
        await emu.wait_until_idle()
        assert_each_chat_in_order(floor, plan)
        # Round robin moved the chat between workers; its order held all the same.
        assert len({s.worker for s in floor.seen("ok", 21)}) == 2


async def test_max_connections_bounds_the_requests_in_flight(
    floor: Floor, workers: list[RecordingWorker]
) -> None:
    urls = [worker.url for worker in workers]
    async with BotApiEmulator(TOKEN, webhook_workers=urls, webhook_timeout=30) as emu:
        await api(emu, "setWebhook", url=PUBLIC_URL, max_connections=2)
        chats = [31, 32, 33, 34, 35]
        for chat_id in chats:
            floor.hold(chat_id)
            await emu.user(chat_id).send("hi")

        def two_open_three_waiting() -> bool:
            delivery = emu.webhook_delivery()
            # A request counts as in flight before the worker has read it.
            return bool(
                delivery["in_flight"] == 2
                and delivery["waiting_for_connection"] == 3
                and len(floor.seen("begin")) == 2
            )

        await until(emu, two_open_three_waiting, "two requests open and three waiting")

        floor.release()
        await emu.wait_until_idle()
        assert sorted(s.chat_id for s in floor.seen("ok")) == chats
        assert emu.stats.webhook_max_in_flight == 2


async def test_a_refused_update_is_retried_and_holds_back_only_its_chat(
    floor: Floor, workers: list[RecordingWorker]
) -> None:
    urls = [worker.url for worker in workers[:2]]
    async with BotApiEmulator(
        TOKEN, webhook_workers=urls, webhook_retry_attempts=10_000, webhook_retry_backoff=0.01
    ) as emu:
        await api(emu, "setWebhook", url=PUBLIC_URL)
        floor.refused.add(41)
        plan = {41: ["a1", "a2"], 42: ["b1", "b2", "b3"]}
        await send_all(emu, plan)

        await until(
            emu,
            lambda: len(floor.seen("ok", 42)) == 3 and len(floor.seen("refused", 41)) >= 2,
            "the other chat through and chat 41 refused twice",
        )
        assert {s.text for s in floor.seen("begin", 41)} == {"a1"}
        assert emu.stats.webhook_retries >= 1
        hook = emu.webhook
        assert hook is not None
        assert (
            hook.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )

        floor.refused.clear()
        await emu.wait_until_idle()
        assert_each_chat_in_order(floor, plan)
        assert emu.stats.webhook_dropped == 0
        assert emu.stats.webhook_failures == len(floor.seen("refused"))


async def test_a_dead_workers_share_moves_to_the_others(
    floor: Floor, workers: list[RecordingWorker]
) -> None:
    urls = [worker.url for worker in workers]
    async with BotApiEmulator(TOKEN, webhook_workers=urls, webhook_worker_down_for=60) as emu:
        await api(emu, "setWebhook", url=PUBLIC_URL)
        first = {chat_id: [f"{chat_id}-1", f"{chat_id}-2"] for chat_id in range(51, 57)}
        await send_all(emu, first)
        await emu.wait_until_idle()
        assert {s.worker for s in floor.seen("ok")} == {"w0", "w1", "w2"}
        before = len([s for s in floor.log if s.worker == "w1"])

        await workers[1].stop()
        second = {chat_id: [f"{chat_id}-3", f"{chat_id}-4"] for chat_id in range(51, 57)}
        await send_all(emu, second)
        await emu.wait_until_idle()

        assert len([s for s in floor.log if s.worker == "w1"]) == before
        assert_each_chat_in_order(floor, {c: first[c] + second[c] for c in first})
        acknowledged = [s.update_id for s in floor.seen("ok")]
        assert len(acknowledged) == len(set(acknowledged)) == 24  # nothing lost, nothing twice
        assert emu.stats.webhook_dropped == 0
        assert emu.stats.webhook_worker_failures[workers[1].url] >= 1
        assert [w["up"] for w in emu.webhook_delivery()["workers"]] == [True, False, True]

        # Known to be down, the worker is not tried again (for webhook_worker_down_for).
        failures = emu.stats.webhook_worker_failures[workers[1].url]
        await send_all(emu, {chat_id: [f"{chat_id}-5"] for chat_id in range(51, 57)})
        await emu.wait_until_idle()
        assert len(floor.seen("ok")) == 30
        assert emu.stats.webhook_worker_failures[workers[1].url] == failures
        hook = emu.webhook
        assert hook is not None and hook.last_error_message is not None
        assert hook.last_error_message.startswith("Connection failed")


async def test_least_busy_sends_past_a_worker_that_is_still_busy(
    floor: Floor, workers: list[RecordingWorker]
) -> None:
    urls = [worker.url for worker in workers[:2]]
    async with BotApiEmulator(
        TOKEN, webhook_workers=urls, webhook_policy="least_busy", webhook_timeout=30
    ) as emu:
        await api(emu, "setWebhook", url=PUBLIC_URL)
        floor.hold(61)
        await emu.user(61).send("slow")
        await until(emu, lambda: floor.open_requests() == 1, "the slow request to be open")

        def answered(count: int) -> Callable[[], bool]:
            return lambda: len(floor.seen("ok")) == count

        for count, chat_id in enumerate((62, 63, 64), start=1):
            await emu.user(chat_id).send("quick")
            await until(emu, answered(count), "the quick one to be answered")

        by_chat = {s.chat_id: s.worker for s in floor.seen("begin")}
        assert by_chat == {61: "w0", 62: "w1", 63: "w1", 64: "w1"}
        floor.release()
        await emu.wait_until_idle()


async def test_a_worker_that_times_out_is_left_out_and_the_update_goes_elsewhere(
    floor: Floor, workers: list[RecordingWorker]
) -> None:
    urls = [worker.url for worker in workers[:2]]
    async with BotApiEmulator(
        TOKEN, webhook_workers=urls, webhook_timeout=1.0, webhook_worker_down_for=60
    ) as emu:
        await api(emu, "setWebhook", url=PUBLIC_URL)
        floor.hold(71)  # w0, the first pick, sits on it past the timeout
        await emu.user(71).send("stuck")
        await until(emu, lambda: len(floor.seen("begin", 71)) == 2, "a second attempt")
        floor.release()
        await emu.wait_until_idle()

        attempts = [s.worker for s in floor.seen("begin", 71)]
        assert attempts == ["w0", "w1"]
        # w0 is left out now, though its turn has come round again.
        await emu.user(72).send("next")
        await emu.wait_until_idle()
        assert [s.worker for s in floor.seen("begin", 72)] == ["w1"]
        assert emu.stats.webhook_deliveries[workers[1].url] == 2
        assert emu.stats.webhook_deliveries[workers[0].url] == 0
        hook = emu.webhook
        assert hook is not None and hook.last_error_message is not None
        assert "Timeout" in hook.last_error_message


async def test_updates_of_a_deleted_webhook_stay_pending_for_get_updates(
    floor: Floor, workers: list[RecordingWorker]
) -> None:
    async with BotApiEmulator(
        TOKEN,
        webhook_workers=[workers[0].url],
        webhook_retry_attempts=10_000,
        webhook_retry_backoff=0.01,
    ) as emu:
        await api(emu, "setWebhook", url=PUBLIC_URL)
        floor.refused.add(81)
        await send_all(emu, {81: ["x1", "x2"], 82: ["y1"]})
        await until(emu, lambda: len(floor.seen("ok", 82)) == 1, "chat 82 through")
        await until(emu, lambda: len(floor.seen("refused", 81)) >= 1, "chat 81 refused")

        await api(emu, "deleteWebhook")
        updates = await api(emu, "getUpdates")
        assert [u["message"]["text"] for u in updates] == ["x1", "x2"]
        await api(emu, "getUpdates", offset=updates[-1]["update_id"] + 1)
        assert emu.pending_updates == []

        # Taken by getUpdates: a new webhook does not send them again.
        floor.refused.clear()
        await api(emu, "setWebhook", url=PUBLIC_URL)
        await emu.user(81).send("x3")
        await emu.wait_until_idle()
        assert floor.acknowledged_texts(81) == ["x3"]


async def test_workers_are_set_through_the_control_api(
    floor: Floor, workers: list[RecordingWorker]
) -> None:
    direct = workers[2]
    async with BotApiEmulator(TOKEN) as emu, httpx.AsyncClient() as client:
        await api(emu, "setWebhook", url=direct.url)
        control = f"{emu.url}/_emulator/webhook/workers"
        answer = await client.post(control, json={"urls": ["http://192.0.2.1/hook"]})
        assert answer.status_code == 400
        assert "loopback" in answer.json()["error"]
        answer = await client.post(control, json={"urls": [workers[0].url, workers[1].url]})
        assert [w["url"] for w in answer.json()["workers"]] == [workers[0].url, workers[1].url]

        await send_all(emu, {91: ["one"], 92: ["two"]})
        await emu.wait_until_idle()
        assert {s.worker for s in floor.seen("ok")} == {"w0", "w1"}

        # No workers: deliveries go to the webhook URL itself again.
        await client.post(control, json={"urls": [], "policy": "least_busy"})
        await emu.user(93).send("three")
        await emu.wait_until_idle()
        assert floor.seen("ok", 93)[0].worker == "w2"
        status = (await client.get(control)).json()
        assert status["workers"] == [] and status["policy"] == "least_busy"
        info = (await client.get(f"{emu.url}/_emulator/info")).json()
        assert info["stats"]["webhook_deliveries"] == {
            workers[0].url: 1,
            workers[1].url: 1,
            direct.url: 1,
        }


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(update.effective_message.text.upper())


async def test_one_webhook_url_without_workers_serves_a_ptb_bot_as_before() -> None:
    async with BotApiEmulator(TOKEN) as emu, AsyncExitStack() as stack:
        app = builder_for(emu).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        await stack.enter_async_context(running_webhook(app))
        assert emu.webhook is not None
        users = [emu.user(user_id) for user_id in (101, 102, 103)]
        for round_ in ("a", "b"):
            for user in users:
                await user.send(f"{round_}{user.id}")
        await emu.wait_for(lambda: all(len(user.messages) == 2 for user in users), timeout=15)
        for user in users:
            assert [m.text for m in user.messages] == [f"A{user.id}", f"B{user.id}"]
        assert emu.stats.webhook_deliveries == {emu.webhook.url: 6}
        assert emu.stats.webhook_posts == 6 and emu.stats.webhook_failures == 0


def test_the_queue_takes_updates_out_of_order() -> None:
    queue = UpdateQueue()
    pushed = [queue.push("message", {"chat": {"id": i % 2}, "text": str(i)}) for i in range(5)]
    first, second, third, fourth, fifth = (u for u in pushed if u is not None)
    assert [u.chat_id for u in pushed if u] == [0, 1, 0, 1, 0]
    assert queue.remove(second) and queue.remove(fourth)
    assert not queue.remove(second)
    assert len(queue) == 3 and [u.update_id for u in queue] == [1, 3, 5]
    assert [u.update_id for u in queue.since(2)] == [3, 5]
    queue.confirm(4)
    assert [u.update_id for u in queue] == [5] and first.done and third.done
    queue.remove(fifth)
    assert len(queue) == 0 and queue.peek(10) == []


def test_the_command_line_takes_several_workers() -> None:
    args = parse_args(
        [
            "--webhook-worker",
            "http://127.0.0.1:9001/hook",
            "--webhook-worker",
            "http://localhost:9002/hook",
            "--webhook-policy",
            "least_busy",
        ]
    )
    assert args.webhook_worker == ["http://127.0.0.1:9001/hook", "http://localhost:9002/hook"]
    assert args.webhook_policy == "least_busy"
    with pytest.raises(SystemExit):
        parse_args(["--webhook-worker", "http://example.org/hook"])
