"""One more process for the sender's election: the bot's scheduler alone, as a webhook worker
runs it beside its web server, without taking updates (a second `getUpdates` caller would
only get 409s).

    SELFIE_DATABASE=... SELFIE_BOT_TOKEN=... python -m benchmarks.sender [--rate N]

Configured like `selfie-bot run` (SELFIE_* variables): every SELFIE_LEADER_SECONDS it tries
to become the sender, or checks that it still is; while it leads it ticks every
SELFIE_TICK_SECONDS. It prints `leading` when it becomes the sender and `following` when it
starts without being it, so that a test or a benchmark can tell where the lock is. The leader
tests (tests/e2e/test_leader.py) and benchmarks/leader_bench.py start two and kill one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from time import monotonic

from bot.app import build_scheduler
from bot.botapi import connected_bot
from bot.clock import SystemClock
from bot.participation.service import Participation
from bot.scheduler.work import Scheduler
from bot.settings import load_settings
from bot.storage import Database
from bot.surveys.bank import default_bank


class SenderProcess:
    """This module run as a process of its own, which says on stdout when it leads."""

    def __init__(self, env: dict[str, str], rate: float | None = None) -> None:
        self.env = env
        self.rate = rate
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        rate = ["--rate", str(self.rate)] if self.rate is not None else []
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.sender",
            *rate,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for line in self.process.stdout:
            self.lines.append(line.decode().strip())

    async def said(self, word: str) -> None:
        """Wait until the process has said `word` (`leading`, `following`)."""
        async with asyncio.timeout(120):
            while word not in self.lines:
                assert self.process is not None and self.process.returncode is None, "it died"
                await asyncio.sleep(0.05)

    async def kill(self) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        if self._reader is not None:
            await self._reader


async def serve(rate: float | None) -> None:
    settings = load_settings(os.devnull)
    clock = SystemClock()
    bank = default_bank()
    db = await Database.open(settings.database_target)
    try:
        async with connected_bot(settings) as bot:
            scheduler = build_scheduler(
                settings,
                db=db,
                clock=clock,
                bank=bank,
                participation=Participation(db=db, clock=clock, bank=bank),
                bot=bot,
            )
            if rate is not None:  # past the settings' cap, for an emulator without a limit
                scheduler.broadcaster.rate = rate
            try:
                await _stand(scheduler, settings.leader_seconds, settings.tick_seconds)
            finally:
                await scheduler.stop()
    finally:
        await db.close()


async def _stand(scheduler: Scheduler, every: float, tick_every: float) -> None:
    ticked = float("-inf")
    said: str | None = None
    while True:
        leading = await scheduler.campaign()
        state = "leading" if leading else "following"
        if state != said:
            print(state, flush=True)
            said = state
        if leading and monotonic() - ticked >= tick_every:
            ticked = monotonic()
            await scheduler.tick()
        await asyncio.sleep(min(every, tick_every))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sender")
    parser.add_argument("--rate", type=float, default=None, help="messages a second")
    asyncio.run(serve(parser.parse_args().rate))
