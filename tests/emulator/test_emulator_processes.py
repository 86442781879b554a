"""Across processes over real HTTP: a bot in a subprocess, and the standalone emulator."""

from __future__ import annotations

import asyncio
import signal
import sys
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from emulator import BotApiEmulator

BOT_SCRIPT = textwrap.dedent(
    """
    import sys
    from telegram.ext import Application, CommandHandler

    async def start(update, context):
        await update.message.reply_text(f"pid-bot says hi to {update.effective_user.first_name}")

    app = (
        Application.builder().token(sys.argv[1]).base_url(sys.argv[2]).base_file_url(sys.argv[3])
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.run_polling(timeout=1, poll_interval=0)
    """
)


@asynccontextmanager
async def process(*args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def test_bot_in_a_subprocess_with_run_polling() -> None:
    async with BotApiEmulator("777:SUB") as emu:
        user = emu.user(70, first_name="Liene")
        async with process("-c", BOT_SCRIPT, emu.token, emu.base_url, emu.base_file_url) as proc:
            await user.send("/start")
            reply = await user.wait_for_message(timeout=15)
            assert reply.text == "pid-bot says hi to Liene"
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 10) == 0
    assert emu.stats.calls["getMe"] == 1


async def test_standalone_emulator_with_control_api() -> None:
    async with process(
        "-m", "emulator", "--port", "0", "--token", "42:CLI", "--username", "cli_bot"
    ) as proc:
        assert proc.stdout is not None
        base_url = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode().strip()
        root = base_url.removesuffix("/bot")
        assert base_url.startswith("http://127.0.0.1:")

        async with httpx.AsyncClient(timeout=5) as http:
            me = (await http.get(f"{base_url}42:CLI/getMe")).json()
            assert me["result"]["username"] == "cli_bot"

            sent = await http.post(f"{root}/_emulator/users/5/send", json={"text": "/start"})
            assert sent.json() == {"message_id": 1}
            updates = (await http.get(f"{base_url}42:CLI/getUpdates")).json()["result"]
            assert updates[0]["message"]["entities"][0]["type"] == "bot_command"

            markup = '{"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}'
            await http.post(
                f"{base_url}42:CLI/sendMessage",
                data={"chat_id": "5", "text": "Ready?", "reply_markup": markup},
            )
            chat = (await http.get(f"{root}/_emulator/users/5/messages?after=0&timeout=1")).json()
            assert [m["text"] for m in chat["messages"]] == ["Ready?"]
            pressed = await http.post(f"{root}/_emulator/users/5/press", json={"button": "Yes"})
            assert "callback_query_id" in pressed.json()

            info = (await http.get(f"{root}/_emulator/info")).json()
            assert info["users"] == [5]
            assert info["stats"]["calls"]["sendMessage"] == 1

        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
