"""A bot process beside the local Bot API emulator, and simulated people driving it.

The benchmarks run the bot as operators do (`selfie-bot run`, a process of its own) so its CPU
time and memory can be read from /proc apart from the emulator's and the driver's, which share
the benchmark's own process.
"""

# The driver's waits take plain `timeout=` seconds, like the emulator's.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import ctypes
import os
import random
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.participation.outcomes import Progress
from bot.participation.service import Participation
from bot.sessions.service import create_session
from bot.storage import Database
from bot.surveys.bank import default_bank
from bot.surveys.vocabulary import Profile
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

TOKEN = "777000:BENCH-token"
USERNAME = "selfie_bench_bot"
COORDINATOR = 1
SCALE_BUTTONS = 6  # 1..5 and N/A come first in every statement keyboard
GROUPS: tuple[Profile, ...] = ("leader", "teacher", "student")  # an upper-secondary session
PROFILE_RATE = 250  # py-spy's samples a second: each stands for 4 ms of a thread's time


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the benchmark dies, so no bot outlives it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


class BotProcess:
    """A bot started as a subprocess against `emu`; `start()` returns seconds until it polls.

    With `profile` (a file path), `py-spy record` (install it into the virtualenv first) samples
    the bot once it polls and writes collapsed stacks there when the bot stops; flamegraph.pl
    and speedscope read them. With `syscalls` (a file path), `strace -c -f` counts the bot's
    system calls from then on, every thread's, and writes its table there when the bot stops:
    epoll_wait is the event loop waking, futex a thread waiting for another. It slows the bot
    down many times: its times are not the bot's, its counts are.
    """

    syscalls: Path | None = None

    def __init__(
        self,
        emu: BotApiEmulator,
        module: str,
        args: list[str],
        env: dict[str, str],
        profile: Path | None = None,
    ):
        self.emu = emu
        self.command = [sys.executable, "-m", module, *args]
        self.profile = profile
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SELFIE_")} | env
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, timeout: float = 60.0) -> float:
        polls = self.emu.call_count("getUpdates")
        began = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *self.command,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        await self.emu.wait_for(lambda: self.emu.call_count("getUpdates") > polls, timeout)
        took = time.perf_counter() - began
        if self.profile is not None:
            spy = Path(sys.executable).with_name("py-spy")
            await asyncio.create_subprocess_exec(
                spy,
                *["record", "-f", "raw", "-o", str(self.profile), "--pid", str(self.pid)],
                # Every thread (aiosqlite's too) under its own name; sampled without pausing
                # the bot, so that the profile costs it as little as can be.
                *["--threads", "--nonblocking", "--rate", str(PROFILE_RATE)],
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        if self.syscalls is not None:
            await asyncio.create_subprocess_exec(
                "strace",
                *["-c", "-f", "-o", str(self.syscalls), "-p", str(self.pid)],
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        return took

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def bot_env(emu: BotApiEmulator, database: str | Path, **settings: str) -> dict[str, str]:
    """Environment for `selfie-bot run` against `emu`, with production defaults otherwise."""
    env = {
        "SELFIE_BOT_TOKEN": emu.token,
        "SELFIE_API_URL": emu.base_url,
        "SELFIE_DATABASE": str(database),
    }
    return env | {f"SELFIE_{name.upper()}": value for name, value in settings.items()}


def survey_bot(
    emu: BotApiEmulator, database: str | Path, profile: Path | None = None, **settings: str
) -> BotProcess:
    args = ["--env-file", os.devnull, "run"]
    return BotProcess(emu, "bot", args, bot_env(emu, database, **settings), profile)


def minimal_bot(
    emu: BotApiEmulator, profile: Path | None = None, poll_interval: float = 0.0
) -> BotProcess:
    env = {
        "SELFIE_BOT_TOKEN": emu.token,
        "SELFIE_API_URL": emu.base_url,
        "SELFIE_POLL_INTERVAL": str(poll_interval),
    }
    return BotProcess(emu, "benchmarks.minimal_bot", [], env, profile)


async def until(user: EmulatedUser, done: Callable[[], bool], timeout: float) -> None:
    """Wait on the user's own chat (not the whole emulator) until `done()` holds."""
    chat = user.chat
    deadline = time.monotonic() + timeout
    while not done():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"user {user.id}: the bot did not answer within {timeout:g} s")
        await chat.bot_acted.wait(remaining)


def shown_statement(user: EmulatedUser) -> ChatMessage | None:
    message = user.last_message
    if message is None or len(message.buttons) < SCALE_BUTTONS:
        return None
    return message if message.buttons[SCALE_BUTTONS - 1].text.startswith("N/A") else None


async def join(user: EmulatedUser, payload: str | None, timeout: float = 120.0) -> ChatMessage:
    """Start the bot (through an invite when `payload`) and return the first statement."""
    await user.start(payload)
    await until(user, lambda: shown_statement(user) is not None, timeout)
    statement = shown_statement(user)
    assert statement is not None
    return statement


async def answer(
    user: EmulatedUser, statement: ChatMessage, rng: random.Random, timeout: float = 120.0
) -> float:
    """Press a random value; return seconds from the press until the bot edited the message."""
    edits = len(statement.edit_seqs)
    button = statement.buttons[rng.randrange(SCALE_BUTTONS)]
    pressed = time.perf_counter()
    await user.press(button)
    await until(user, lambda: len(statement.edit_seqs) > edits, timeout)
    return user.chat.bot_acted.notified_at - pressed


async def open_session(database: str | Path, *, days_ago: int = 0) -> dict[Profile, str]:
    """A two-week session that opened `days_ago` days ago (8: its first planned reminder round
    is due); returns its invite tokens."""
    now = datetime.now(UTC)
    opened = now - timedelta(days=days_ago)
    db = await Database.open(database)
    try:
        created = await create_session(
            db,
            bank=default_bank(),
            now=opened,
            school_name="Bench vidusskola",
            coordinator_id=COORDINATOR,
            level="upper-secondary",
            start=opened.date(),
            end=opened.date() + timedelta(days=13),
            timezone="UTC",
        )
    finally:
        await db.close()
    return created.invites


async def seed_participants(
    database: Path, invites: dict[Profile, str], count: int, *, first_id: int, seed: int = 7
) -> list[int]:
    """`count` people join through the participation service (3 % leaders, 22 % teachers,
    75 % students), each having answered 0-3 statements; returns their Telegram ids."""
    rng = random.Random(seed)
    db = await Database.open(database)
    participation = Participation(db=db, clock=SystemClock(), bank=default_bank())
    ids = list(range(first_id, first_id + count))
    try:
        for telegram_id in ids:
            profile = rng.choices(GROUPS, weights=(3, 22, 75))[0]
            outcome: object = await participation.join(
                token=invites[profile],
                telegram_id=telegram_id,
                chat_id=telegram_id,
                language=rng.choice(("lv", "en")),
            )
            for _ in range(rng.randrange(4)):
                assert isinstance(outcome, Progress), outcome
                outcome = await participation.answer(
                    telegram_id=telegram_id,
                    session_id=outcome.session.id,
                    code=outcome.item.code,
                    value=rng.randrange(6),
                )
    finally:
        await db.close()
    return ids


async def seed_completed(
    database: Path, invites: dict[Profile, str], profile: Profile, count: int, *, first_id: int
) -> None:
    """`count` people of `profile` join and complete their questionnaire through the
    participation service, so that the session's close has a group to show."""
    db = await Database.open(database)
    participation = Participation(db=db, clock=SystemClock(), bank=default_bank())
    try:
        for telegram_id in range(first_id, first_id + count):
            outcome: object = await participation.join(
                token=invites[profile], telegram_id=telegram_id, chat_id=telegram_id, language="lv"
            )
            while isinstance(outcome, Progress):
                outcome = await participation.answer(
                    telegram_id=telegram_id,
                    session_id=outcome.session.id,
                    code=outcome.item.code,
                    value=4,
                )
    finally:
        await db.close()
