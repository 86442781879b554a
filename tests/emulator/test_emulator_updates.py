"""getUpdates semantics and the HTTP surface, checked with plain HTTP requests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulator import BotApiEmulator

TOKEN = "123456:TEST"


@pytest.fixture
async def http(emu: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{TOKEN}/", timeout=10) as client:
        yield client


async def call(http: httpx.AsyncClient, method: str, **params: Any) -> Any:
    response = await http.post(method, json=params)
    body = response.json()
    assert response.status_code == 200, body
    return body["result"]


async def test_offset_confirms_and_drops_earlier_updates(
    emu: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    user = emu.user(50)
    for text in ("one", "two", "three"):
        await user.send(text)

    updates = await call(http, "getUpdates")
    ids = [u["update_id"] for u in updates]
    assert [u["message"]["text"] for u in updates] == ["one", "two", "three"]
    assert ids == sorted(ids) and ids[1] == ids[0] + 1

    # Without a higher offset nothing is confirmed: the same updates come again.
    assert len(await call(http, "getUpdates", limit=2)) == 2
    assert [u["update_id"] for u in await call(http, "getUpdates", offset=ids[1])] == ids[1:]
    assert await call(http, "getUpdates", offset=ids[2] + 1) == []
    assert emu.pending_updates == []

    await user.send("four")
    await user.send("five")
    last = await call(http, "getUpdates", offset=-1)
    assert [u["message"]["text"] for u in last] == ["five"]
    assert [u["message"]["text"] for u in await call(http, "getUpdates")] == ["five"]


async def test_long_poll_wakes_up_when_an_update_arrives(
    emu: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(call(http, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await emu.user(51).send("wake up")
    updates = await asyncio.wait_for(poll, 2)
    assert [u["message"]["text"] for u in updates] == ["wake up"]
    assert time.monotonic() - started < 1.5


async def test_long_poll_times_out_empty(http: httpx.AsyncClient) -> None:
    started = time.monotonic()
    assert await call(http, "getUpdates", timeout=0.3) == []
    assert 0.25 <= time.monotonic() - started < 2


async def test_newer_poll_terminates_the_older_one(http: httpx.AsyncClient) -> None:
    first = asyncio.create_task(http.post("getUpdates", data={"timeout": "5"}))
    await asyncio.sleep(0.1)
    assert await call(http, "getUpdates") == []
    response = await asyncio.wait_for(first, 2)
    assert response.status_code == 409
    assert response.json()["description"].startswith("Conflict: terminated by other getUpdates")


async def test_allowed_updates_filters_new_updates(
    emu: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    user = emu.user(52)
    await call(http, "getUpdates", allowed_updates=["callback_query"])
    await user.send("ignored by the filter")
    assert await call(http, "getUpdates") == []
    await call(http, "getUpdates", allowed_updates=[])
    await user.send("seen again")
    assert len(await call(http, "getUpdates")) == 1


async def test_encodings_methods_case_and_unknown_methods(
    emu: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    await emu.user(53).send("/start")
    markup = json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]})

    form = await http.post(
        "SENDMESSAGE", data={"chat_id": "53", "text": "form", "reply_markup": markup}
    )
    query = await http.get("sendmessage", params={"chat_id": 53, "text": "query"})
    body = await http.post("sendMessage", json={"chat_id": 53, "text": "json"})
    multipart = await http.post(
        "sendMessage", data={"chat_id": "53", "text": "multipart"}, files={"x": ("x", b"")}
    )
    assert [r.status_code for r in (form, query, body, multipart)] == [200, 200, 200, 200]
    assert form.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "a"
    assert [m.text for m in emu.user(53).messages] == ["form", "query", "json", "multipart"]
    assert emu.call_count("sendMessage") == 4

    unknown = await http.post("sendTelepathy", data={"chat_id": "53"})
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_getme_commands_and_webhook_info(
    emu: BotApiEmulator, http: httpx.AsyncClient
) -> None:
    me = await call(http, "getMe")
    assert me["id"] == 123456 and me["is_bot"] is True
    assert me["username"] == "selfie_test_bot" and me["can_join_groups"] is True

    lv = [{"command": "start", "description": "Sākt"}]
    assert await call(http, "setMyCommands", commands=lv, language_code="lv") is True
    assert await call(http, "getMyCommands", language_code="lv") == lv
    assert await call(http, "getMyCommands") == []
    assert emu.commands(language_code="lv") == lv
    assert await call(http, "deleteMyCommands", language_code="lv") is True
    assert emu.commands(language_code="lv") == []
    bad = await http.post(
        "setMyCommands", json={"commands": [{"command": "Start!", "description": "x"}]}
    )
    assert bad.status_code == 400

    info = await call(http, "getWebhookInfo")
    assert info == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
    remote = await http.post("setWebhook", data={"url": "https://example.org/hook"})
    assert remote.status_code == 400  # the emulator only delivers to loopback addresses
    assert await call(http, "logOut") is True
