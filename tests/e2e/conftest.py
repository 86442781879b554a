"""End-to-end fixtures: the real bot, the local Bot API emulator over HTTP, real SQLite files."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings
from emulator import BotApiEmulator
from tests import postgres

from .helpers import TOKEN, USERNAME


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(TOKEN, username=USERNAME) as emulator:
        yield emulator


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | str]:
    """An SQLite file; or, for a test marked `on_both_engines`, also a PostgreSQL database."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield tmp_path / "e2e.sqlite3"
        return
    server: postgres.TestServer = request.getfixturevalue("postgresql_server")
    with server.fresh_database() as url:
        yield url


@pytest.fixture
def settings(emu: BotApiEmulator, database: Path | str) -> Settings:
    return load_settings(
        None, bot_token=TOKEN, api_url=emu.base_url, database=database, rate_limit=False
    )
