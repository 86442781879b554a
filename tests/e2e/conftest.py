"""End-to-end fixtures: the real bot, the local Bot API emulator over HTTP, real SQLite files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings
from emulator import BotApiEmulator

from .helpers import TOKEN, USERNAME


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(TOKEN, username=USERNAME) as emulator:
        yield emulator


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "e2e.sqlite3"


@pytest.fixture
def settings(emu: BotApiEmulator, database: Path) -> Settings:
    return load_settings(
        None, bot_token=TOKEN, api_url=emu.base_url, database=database, rate_limit=False
    )
