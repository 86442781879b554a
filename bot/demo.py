"""`selfie-bot demo`: a whole session offline, through the real bot and the local emulator.

Simulated leaders, teachers and students (and in-company trainers, at level wbl) answer over
HTTP exactly as people would, the session closes, and the chart, the PDF report and the CSV
exports are written to a folder.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.reporting.chart import area_chart_png
from bot.reporting.exports import summary_csv
from bot.reporting.formatting import file_name
from bot.reporting.labels import labels
from bot.reporting.pdf import report_pdf
from bot.reporting.service import load_answers_csv, load_results
from bot.sessions.service import create_session
from bot.settings import load_settings
from bot.storage import Database
from bot.surveys.bank import default_bank
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import AREA_CODES, Level, Profile
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

TOKEN = "100000:DEMO-offline-token"
COORDINATOR = 1
# How each group tends to rate each area (A..H): leaders see more strategy, students less.
TENDENCIES: dict[Profile, tuple[float, ...]] = {
    "leader": (4.1, 3.6, 3.9, 3.4, 3.7, 3.5, 3.2, 3.3),
    "teacher": (3.4, 3.3, 3.5, 3.0, 3.6, 3.4, 3.0, 3.1),
    "student": (3.0, 3.2, 3.3, 3.0, 3.5, 3.6, 2.9, 3.4),
    "trainer": (3.0, 2.9, 3.4, 2.8, 3.1, 3.5, 3.0, 3.6),
}
NOT_APPLICABLE_SHARE = 0.05
DEMO_LANGUAGES = ("lv", "en")


@dataclass(frozen=True, slots=True)
class DemoSize:
    leaders: int = 6
    teachers: int = 14
    students: int = 30
    trainers: int = 8  # at level wbl only

    def of(self, profile: Profile) -> int:
        return {
            "leader": self.leaders,
            "teacher": self.teachers,
            "student": self.students,
            "trainer": self.trainers,
        }[profile]


async def run_demo(
    out: Path,
    *,
    size: DemoSize = DemoSize(),
    seed: int = 7,
    level: Level = "upper-secondary",
) -> Path:
    """Run the demo into `out` (created); return the folder."""
    database = out / "demo.sqlite3"
    await asyncio.to_thread(_prepare, out, database)
    rng = random.Random(seed)
    bank = default_bank()
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FixedClock(now)
    async with BotApiEmulator(TOKEN, username="selfie_demo_bot") as emu:
        settings = load_settings(
            None,
            bot_token=TOKEN,
            api_url=emu.base_url,
            database=database,
            rate_limit=False,
            tick_seconds=3600,
        )
        db = await Database.open(database)
        created = await create_session(
            db,
            bank=bank,
            now=now,
            school_name="Demo vidusskola",
            coordinator_id=COORDINATOR,
            level=level,
            start=now.date(),
            end=now.date() + timedelta(days=13),
            timezone="UTC",
        )
        await db.close()
        await emu.user(COORDINATOR, first_name="Koordinatore", language_code="lv").send("/start")
        async with polling(
            build_application(settings, clock=clock, bank=bank), poll_timeout=1
        ) as app:
            people = _people(emu, {p: size.of(p) for p in created.invites})
            limit = asyncio.Semaphore(16)

            async def answer(user: EmulatedUser, profile: Profile) -> None:
                async with limit:
                    await _answer_all(user, created.invites[profile], profile, rng)

            await asyncio.gather(*(answer(user, profile) for user, profile in people))
            scheduler = app.bot_data.scheduler
            clock.set(created.period.closes_at)
            await scheduler.tick()
            await scheduler.drain()

        db = await Database.open(database)
        try:
            results = await load_results(db, session_id=created.session_id, bank=bank)
            assert results is not None
            files: dict[str, bytes] = {}
            for language in DEMO_LANGUAGES:  # the school is Latvian; English for comparison
                files |= await _files(db, results, language)
        finally:
            await db.close()
    await asyncio.to_thread(_write, out, files)
    return out


async def _files(db: Database, results: SessionResults, language: str) -> dict[str, bytes]:
    """A language's files, by their path below the output folder: `<language>/<name>`."""
    bank = default_bank()
    word = labels()
    chart = file_name(results.session, word(language, "export.chart_file"), "png")
    report = file_name(results.session, word(language, "export.report_file"), "pdf")
    answers = await load_answers_csv(db, results=results, bank=bank, language=language)
    summary = summary_csv(results, bank=bank, language=language)
    return {
        f"{language}/{chart}": area_chart_png(results, bank=bank, language=language),
        f"{language}/{report}": report_pdf(results, bank=bank, language=language),
        f"{language}/{answers.name}": answers.content,
        f"{language}/{summary.name}": summary.content,
    }


def _prepare(out: Path, database: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)


def _write(out: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(content)


def _people(emu: BotApiEmulator, counts: dict[Profile, int]) -> list[tuple[EmulatedUser, Profile]]:
    people: list[tuple[EmulatedUser, Profile]] = []
    next_id = 1000
    for profile, count in counts.items():
        for index in range(count):
            next_id += 1
            language = "lv" if index % 3 else "en"
            people.append((emu.user(next_id, language_code=language), profile))
    return people


async def _answer_all(user: EmulatedUser, token: str, profile: Profile, rng: random.Random) -> None:
    """Open the invite and answer until the thanks, with a person's own leaning."""
    await user.start(token)
    _, message = await user.wait_for_messages(2, timeout=30)
    leaning = rng.gauss(0, 0.5)
    while any(b.text.startswith("N/A") for b in message.buttons):  # a statement
        label = _choice(message, profile, leaning, rng)
        await user.click(label, message=message)
        await user.wait_for_edit(message, timeout=30)


def _choice(message: ChatMessage, profile: Profile, leaning: float, rng: random.Random) -> str:
    if rng.random() < NOT_APPLICABLE_SHARE:
        return "N/A"
    area = (message.text or "")[:1]
    mean = TENDENCIES[profile][AREA_CODES.index(area)] if area in AREA_CODES else 3.0
    value = round(min(5.0, max(1.0, rng.gauss(mean + leaning, 0.8))))
    return str(value)


def main(out: Path) -> int:
    folder = asyncio.run(run_demo(out))
    print(f"The demo session is closed; its results are in {folder.resolve()}")
    for path in sorted(folder.glob("*/selfie-*")):
        print(f"  {path}")
    return 0
