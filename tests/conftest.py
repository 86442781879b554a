"""Fixtures shared by the whole suite: real SQLite files, a settable clock, the shipped bank."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from bot.clock import FixedClock
from bot.sessions.service import CreatedSession, create_session
from bot.storage import Database
from bot.surveys.bank import Bank, default_bank
from tests import postgres

# Property tests explore new examples on developers' machines; CI replays a fixed set, so that
# a run there is reproducible (hypothesis prints how to replay any failure it finds).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Noon in Riga on a Monday; tests move the clock from here.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
START = date(2026, 11, 23)
END = date(2026, 12, 6)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def bank() -> Bank:
    return default_bank()


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[postgres.TestServer]:
    """One throwaway PostgreSQL server for the whole run (or the one the developer names)."""
    with postgres.server_for_tests() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | Path]:
    """Where a test's database lives: an SQLite file, or a new database on the server."""
    if request.param == "sqlite":
        yield tmp_path / "selfie.sqlite3"
        return
    server: postgres.TestServer = request.getfixturevalue("postgresql_server")
    with server.fresh_database() as url:
        yield url


@pytest.fixture
async def db(database_target: str | Path) -> AsyncIterator[Database]:
    database = await Database.open(database_target)
    yield database
    await database.close()


@pytest.fixture
async def session(db: Database, bank: Bank, clock: FixedClock) -> CreatedSession:
    """An open upper-secondary session of 14 days, starting today."""
    return await create_session(
        db,
        bank=bank,
        now=clock.now(),
        school_name="Rīgas 1. vidusskola",
        coordinator_id=500,
        level="upper-secondary",
        start=START,
        end=END,
        timezone="Europe/Riga",
    )
