"""What the end-to-end tests share: the bot's token, the `selfie-bot` command and the bot run
in processes of their own, sessions made with it, and reading the database as a test sees it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.context import BotApplication
from bot.scheduler.jobs import TICK_JOB
from emulator import BotApiEmulator, ChatMessage, EmulatedUser
from emulator.harness import free_port
from tests import postgres

TOKEN = "424242:E2E-test-token"
USERNAME = "selfie_e2e_bot"


def bot_environment(emu: BotApiEmulator, database: Path | str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELFIE_")}
    env |= {
        "SELFIE_BOT_TOKEN": TOKEN,
        "SELFIE_API_URL": emu.base_url,
        "SELFIE_DATABASE": str(database),
        "SELFIE_RATE_LIMIT": "false",
    }
    return env


async def selfie_bot(
    emu: BotApiEmulator, database: Path, *args: str, extra: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run the `selfie-bot` command in a process of its own, as an operator would."""
    process = await spawn_cli(emu, database, *args, extra=extra)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def spawn_cli(
    emu: BotApiEmulator, database: Path | str, *args: str, extra: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    """Start the `selfie-bot` command (`extra` on top of its environment); hand out the process."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--env-file",
        os.devnull,
        *args,
        env=bot_environment(emu, database) | (extra or {}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


# The end-to-end tests that run on PostgreSQL as well as SQLite.
on_both_engines = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)


def db_rows(database: Path | str, sql: str, *parameters: object) -> list[tuple[object, ...]]:
    """What a query (SQLite's `?` placeholders) reads from the bot's database, as another
    process would; a write is committed."""
    if isinstance(database, str):
        return postgres.rows(database, sql, *parameters)
    with closing(sqlite3.connect(database)) as connection, connection:
        return connection.execute(sql, parameters).fetchall()


def progress_of(database: Path | str, telegram_id: int) -> tuple[int, dict[str, int]] | None:
    """A person's unfinished questionnaire, (position, answers), or None when there is none."""
    rows = db_rows(
        database,
        "SELECT g.position, g.answers FROM participants p"
        " JOIN progress g ON g.participant_id = p.id WHERE p.telegram_id = ?",
        telegram_id,
    )
    if not rows:
        return None
    position, answers = rows[0]
    assert isinstance(position, int) and isinstance(answers, str)
    pairs = (item.split("=") for item in answers.split(",") if item)
    return position, {code: int(value) for code, value in pairs}


def today_in(timezone: str) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(timezone)).date()


def zone_at_hour(hour: int) -> str:
    """A fixed-offset time zone where the local hour is about `hour` now, so that a test's
    reminder rules (civil hours) do not depend on when the suite runs."""
    offset = hour - datetime.now(UTC).hour  # local hour = UTC hour + offset
    offset = (offset + 12) % 24 - 12  # into -12..11
    # Etc/GMT zones have inverted signs: Etc/GMT-3 is UTC+3.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def midday_zone() -> str:
    """A zone where it is about noon now: civil hours let reminders through."""
    return zone_at_hour(12)


def night_zone() -> str:
    """A zone where it is about 02:00 now: no reminder round can be due."""
    return zone_at_hour(2)


async def create_session_with_cli(
    emu: BotApiEmulator,
    database: Path,
    *,
    level: str = "upper-secondary",
    school: str = "E2E skola",
    timezone: str = "Europe/Riga",
    questions: tuple[str, ...] = ("--no-background",),
    coordinator: int = 900,
    start: date | None = None,
) -> dict[str, Any]:
    """A two-week session from the command line, by default opening today and asking nothing
    but the statements."""
    # Today is read again when the local day turned between this process and the command's.
    for first in (start or today_in(timezone), today_in(timezone)):
        code, out, err = await selfie_bot(
            emu,
            database,
            "session",
            "create",
            "--school",
            school,
            "--coordinator",
            str(coordinator),
            "--level",
            level,
            "--start",
            first.isoformat(),
            "--end",
            (first + timedelta(days=13)).isoformat(),
            "--timezone",
            timezone,
            *questions,
            "--json",
        )
        if code == 0 or start is not None or first == today_in(timezone):
            break
    assert code == 0, err
    created: dict[str, Any] = json.loads(out)
    return created


class BotProcess:
    """`selfie-bot run` in a subprocess, which a test can kill like a crash would."""

    def __init__(
        self, emu: BotApiEmulator, database: Path, extra: dict[str, str] | None = None
    ) -> None:
        self._env = bot_environment(emu, database) | (extra or {})
        self._emu = emu
        self.process: asyncio.subprocess.Process | None = None
        # stderr is read as it comes, so that a chatty bot never blocks on a full pipe.
        self._stderr: asyncio.Task[bytes] | None = None

    async def start(self, ready: Callable[[], bool] | None = None) -> None:
        """Start the bot and wait until it polls (or until `ready` says so)."""
        polls_before = self._emu.call_count("getUpdates")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--env-file",
            os.devnull,
            "run",
            env=self._env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stderr is not None
        self._stderr = asyncio.create_task(self.process.stderr.read())
        try:
            await self._emu.wait_for(
                ready or (lambda: self._emu.call_count("getUpdates") > polls_before), timeout=30
            )
        except TimeoutError:
            process = self.process
            if process.returncode is None:
                process.kill()
                await process.wait()
            stderr = (await self._stderr).decode()[-3000:]
            raise AssertionError(
                f"the bot did not start (exit {process.returncode}):\n{stderr}"
            ) from None

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> str:
        """Stop gracefully; return what the bot wrote to stderr."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        assert self._stderr is not None
        return (await self._stderr).decode()


async def first_tick_done(application: BotApplication) -> None:
    """Wait for the scheduler's first tick (the next is an hour away in these tests), so that
    its opening notices and writes do not land among the replies a test waits for."""
    assert application.job_queue is not None
    (tick,) = application.job_queue.get_jobs_by_name(TICK_JOB)
    started = datetime.now(UTC)
    while tick.next_t is None or tick.next_t < started + timedelta(minutes=30):
        await asyncio.sleep(0.05)
        assert datetime.now(UTC) - started < timedelta(seconds=10), "the scheduler never ticked"
    # The job queue moves next_t when it starts the tick, which holds the scheduler's lock from
    # its first step (the poll above slept, so it has taken it): wait for the tick to finish.
    async with application.bot_data.scheduler._lock:
        pass


async def say(user: EmulatedUser, text: str) -> ChatMessage:
    """Send a message and return the bot's reply."""
    await user.send(text)
    return await user.wait_for_message()


WEBHOOK_SECRET = "E2E-webhook_secret-424242"
# What the workers are told is the public webhook URL. The emulator delivers to the workers'
# own URLs instead, as a load balancer behind this address would (nothing listens on port 9).
PUBLIC_WEBHOOK_URL = "http://127.0.0.1:9/telegram"


def webhook_environment(
    url: str = PUBLIC_WEBHOOK_URL, secret: str = WEBHOOK_SECRET, port: int | None = None
) -> dict[str, str]:
    env = {"SELFIE_MODE": "webhook", "SELFIE_WEBHOOK_URL": url, "SELFIE_WEBHOOK_SECRET": secret}
    if port is not None:
        env["SELFIE_WEBHOOK_PORT"] = str(port)
    return env


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class WebhookWorker(BotProcess):
    """`selfie-bot run` in webhook mode on a port of its own: one worker of several."""

    def __init__(
        self,
        emu: BotApiEmulator,
        database: Path,
        *,
        public_url: str | None = PUBLIC_WEBHOOK_URL,
        extra: dict[str, str] | None = None,
    ) -> None:
        """`public_url` None: the worker is the webhook URL itself, with no balancer between."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        environment = webhook_environment(public_url or self.url, port=self.port)
        environment |= extra or {}
        super().__init__(emu, database, extra=environment)

    async def start(self, ready: Callable[[], bool] | None = None) -> None:
        """Start the worker and wait until it takes connections (after its services are up)."""
        await super().start(ready or (lambda: _listening(self.port)))


async def register_webhook(
    emu: BotApiEmulator, database: Path, url: str = PUBLIC_WEBHOOK_URL
) -> None:
    """`selfie-bot webhook set`, once for all the workers, as an operator would."""
    code, _, err = await selfie_bot(emu, database, "webhook", "set", extra=webhook_environment(url))
    assert code == 0, err
