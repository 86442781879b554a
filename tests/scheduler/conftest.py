"""The scheduler's tests send through a real Bot to the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from emulator import BotApiEmulator

TOKEN = "555:SCHED"
USERNAME = "sched_bot"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(TOKEN, username=USERNAME) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as client:
        yield client
