"""The per-chat update processor: one chat's updates one after another, chats side by side."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.serving.ordering import PerChatUpdateProcessor, order_key


def message_update(update_id: int, chat_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "P"},
                "text": f"update {update_id}",
            },
        },
        None,
    )


class Log:
    """Records when each update's handling began and ended; some wait for a release."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.gates: dict[int, asyncio.Event] = {}

    async def handle(self, update: Update) -> None:
        self.events.append(f"begin {update.update_id}")
        gate = self.gates.get(update.update_id)
        if gate is not None:
            await gate.wait()
        else:
            await asyncio.sleep(0)
        self.events.append(f"end {update.update_id}")

    def hold(self, update_id: int) -> asyncio.Event:
        gate = self.gates[update_id] = asyncio.Event()
        return gate


async def until(condition: object, *, rounds: int = 1000) -> None:
    for _ in range(rounds):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


def test_the_key_is_the_chat() -> None:
    assert order_key(message_update(1, 42)) == 42
    assert order_key(object()) is None


async def test_one_chat_waits_for_its_previous_update_and_others_do_not() -> None:
    processor = PerChatUpdateProcessor(4)
    log = Log()
    gate = log.hold(1)
    updates = [message_update(1, 100), message_update(2, 100), message_update(3, 200)]
    tasks = [asyncio.create_task(processor.process_update(u, log.handle(u))) for u in updates]
    await until(lambda: "end 3" in log.events)
    # Chat 200 was handled while chat 100's first update was still running; its second waits.
    assert log.events == ["begin 1", "begin 3", "end 3"]
    gate.set()
    await asyncio.gather(*tasks)
    assert log.events == ["begin 1", "begin 3", "end 3", "end 1", "begin 2", "end 2"]
    assert processor.chats_waiting == 0


async def test_a_chat_keeps_arrival_order_over_many_updates() -> None:
    processor = PerChatUpdateProcessor(8)
    log = Log()
    updates = [message_update(number, 7 + number % 3) for number in range(1, 61)]
    await asyncio.gather(*(processor.process_update(u, log.handle(u)) for u in updates))
    for chat in (7, 8, 9):
        ids = [u.update_id for u in updates if u.effective_chat and u.effective_chat.id == chat]
        begun = [int(e.split()[1]) for e in log.events if e.startswith("begin")]
        assert [i for i in begun if i in ids] == ids


async def test_a_busy_chat_takes_one_slot_only() -> None:
    """Ten waiting updates of one chat leave the other slot to another chat."""
    processor = PerChatUpdateProcessor(2)
    log = Log()
    gate = log.hold(1)
    busy = [message_update(number, 100) for number in range(1, 11)]
    tasks = [asyncio.create_task(processor.process_update(u, log.handle(u))) for u in busy]
    await until(lambda: "begin 1" in log.events)
    other = message_update(99, 200)
    await asyncio.wait_for(processor.process_update(other, log.handle(other)), 5)
    assert log.events == ["begin 1", "begin 99", "end 99"]
    gate.set()
    await asyncio.gather(*tasks)


async def test_no_more_than_the_limit_run_at_once() -> None:
    processor = PerChatUpdateProcessor(3)
    running = 0
    most = 0

    async def handle() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.001)
        running -= 1

    updates = [message_update(number, number) for number in range(1, 21)]
    await asyncio.gather(*(processor.process_update(u, handle()) for u in updates))
    assert most == 3
