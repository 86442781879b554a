"""Anonymity at rest, read as a forensic auditor would: every page image on disk.

People join and complete at different times and on different days through the real bot (the
emulator over HTTP, a real SQLite file, the clock injected). Then the database file and its
WAL are read page image by page image (every page of the file, every frame of the WAL, old
frames of earlier WAL generations included), live cells and free space alike, looking for what
would tie a completed questionnaire to a person:

- the unfinished questionnaire as it stood beside the person (its answers so far, in the
  person's order), in any image: that is the link itself;
- a page image that holds both a person's Telegram id and a completed response's id;
- in the WAL, any image of a page of the anonymous side, whose order beside the person's pages
  would tell which response appeared when someone completed;
- the same for what the session asks besides the statements: a page image with a person's id
  and their answer to the open question, that answer in the WAL, and any copy of the answers
  about a person or of an open answer other than the one live row that holds it.

The searches are shown to find what they look for: while another process's reader holds an
old snapshot, the WAL cannot be emptied and the link is found there, until the next tick.
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.settings import Settings
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from .helpers import create_session_with_cli

LABELS = {0: "N/A", 1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}
WAL_HEADER = 32
FRAME_HEADER = 24


def page_images(database: Path) -> Iterator[tuple[str, bytes]]:
    """Every page image on disk: the database file's pages, then every WAL frame's page."""
    data = database.read_bytes()
    size = int.from_bytes(data[16:18], "big")
    size = 65536 if size == 1 else size
    for number, offset in enumerate(range(0, len(data), size), start=1):
        yield f"page {number}", data[offset : offset + size]
    wal = database.with_name(database.name + "-wal")
    if wal.exists():
        log = wal.read_bytes()
        if len(log) >= WAL_HEADER:
            size = int.from_bytes(log[8:12], "big")
            step = FRAME_HEADER + size
            for index, offset in enumerate(range(WAL_HEADER, len(log) - step + 1, step)):
                page = int.from_bytes(log[offset : offset + 4], "big")
                yield f"WAL frame {index} (page {page})", log[offset + FRAME_HEADER : offset + step]


def integer_encodings(value: int) -> list[bytes]:
    """How SQLite can hold `value` in a record: big-endian in 6 or 8 bytes."""
    return [value.to_bytes(8, "big"), *([value.to_bytes(6, "big")] if value < 2**47 else [])]


@dataclass
class Person:
    user: EmulatedUser
    profile: str
    values: list[int]
    choices: list[int]  # the button pressed for each question about them
    open_answer: str | None  # typed after completion; None: skipped
    answered: list[tuple[str, int]] = field(default_factory=list)
    statement: ChatMessage | None = None
    background: list[str] = field(default_factory=list)  # "key=option" as the bot keeps them

    def traces(self) -> list[bytes]:
        """The unfinished questionnaire as the bot kept it, at every length from three on."""
        pairs = [f"{code}={value}" for code, value in self.answered]
        return [",".join(pairs[:n]).encode() for n in range(3, len(pairs) + 1)]


async def join(person: Person, link: str) -> None:
    await person.user.open_link(link)
    _, person.statement = await person.user.wait_for_messages(2)
    for choice in person.choices:  # the questions about them come first
        button = person.statement.buttons[choice]
        assert button.callback_data is not None
        _, _, key, option = button.callback_data.split(":")
        person.background.append(f"{key}={option}")
        await person.user.press(button)
        await person.user.wait_for_edit(person.statement)
    assert any(b.text.startswith("N/A") for b in person.statement.buttons)


async def open_question(person: Person) -> None:
    """After completion: answer the open question, or skip it."""
    question = await person.user.wait_for_text("One last question")
    if person.open_answer is None:
        await person.user.click("⏭", message=question)
        await person.user.wait_for_edit(question)
    else:
        await person.user.send(person.open_answer)
        await person.user.wait_for_text("Your answer is saved")


async def answer(person: Person, count: int | None = None) -> bool:
    """Answer `count` statements (all when None); True when the questionnaire is complete."""
    done = 0
    while person.statement is not None and (count is None or done < count):
        message = person.statement
        if not any(b.text.startswith("N/A") for b in message.buttons):
            return True
        code = (message.button("N/A").callback_data or "").split(":")[2]
        value = person.values[len(person.answered)]
        await person.user.click(LABELS[value], message=message)
        await person.user.wait_for_edit(message)
        person.answered.append((code, value))
        done += 1
    assert person.statement is not None
    return not any(b.text.startswith("N/A") for b in person.statement.buttons)


def response_ids(database: Path) -> set[int]:
    with closing(sqlite3.connect(database)) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM responses")}


def links_found(database: Path, done: list[Person]) -> list[str]:
    """Every place on disk that ties one of `done` to their answers."""
    responses = response_ids(database)
    response_bytes = [b for r in responses for b in integer_encodings(r)]
    open_answers = [p.open_answer.encode() for p in done if p.open_answer is not None]
    found: list[str] = []
    for where, image in page_images(database):
        for person in done:
            if any(trace in image for trace in person.traces()):
                found.append(f"{where}: the questionnaire of {person.user.id} beside them")
            person_bytes = integer_encodings(person.user.id)
            if any(p in image for p in person_bytes) and any(r in image for r in response_bytes):
                found.append(f"{where}: {person.user.id} beside a response id")
            if any(p in image for p in person_bytes) and any(a in image for a in open_answers):
                found.append(f"{where}: {person.user.id} beside an open answer")
        if where.startswith("WAL") and any(r in image for r in [*response_bytes, *open_answers]):
            found.append(f"{where}: a page of the anonymous side")
    return found + copies_found(database, done)


def copies_found(database: Path, done: list[Person]) -> list[str]:
    """Any copy on disk of what `done` said about themselves or typed, beyond the one live row
    that holds it (with secure_delete, a row that moved or went leaves zeros behind)."""
    with closing(sqlite3.connect(database)) as connection:
        live = Counter(row[0] for row in connection.execute("SELECT background FROM responses"))
        live.update(row[0] for row in connection.execute("SELECT background FROM progress"))
        live.update(row[0] for row in connection.execute("SELECT text FROM open_answers"))
    texts = {",".join(p.background) for p in done} | {
        p.open_answer for p in done if p.open_answer is not None
    }
    images = [image for _, image in page_images(database)]
    found = []
    for text in sorted(texts):
        on_disk = sum(image.count(text.encode()) for image in images)
        if on_disk != live[text]:
            found.append(f"{text!r}: {on_disk} copies on disk, {live[text]} live")
    return found


async def test_no_page_image_ties_a_completed_questionnaire_to_its_person(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    # Work-based learning: the in-company trainers are a group of their own on both sides.
    created = await create_session_with_cli(
        emu,
        database,
        level="wbl",
        timezone="Europe/Riga",
        questions=("--open-question", "teacher=strength", "--open-question", "leader=support",
                   "--open-question", "trainer=company_change"),
    )  # fmt: skip
    links = created["links"]
    rng = random.Random(20261201)
    with closing(sqlite3.connect(database)) as connection:
        (opens_at,) = connection.execute("SELECT opens_at FROM sessions").fetchone()
    clock = FixedClock(datetime.fromtimestamp(opens_at, UTC) + timedelta(hours=8))
    people: list[Person] = []
    groups = ["leader", "leader", "teacher", "teacher", "trainer", "student"]
    for number, profile in enumerate(groups * 2):
        # Telegram ids as large as real ones, so that their bytes are unmistakable.
        user = emu.user(2**44 + rng.randrange(2**40), language_code="en")
        first = [number // 36 % 6, number // 6 % 6, number % 6]  # no two people start alike
        values = first + [rng.randrange(6) for _ in range(80)]
        # Every person says something different about themselves; teachers and trainers
        # answer the open question, leaders skip it.
        choices = [number % 3, (number // 3) % 3]
        typed = (
            f"Open answer {rng.randrange(10**12)}" if profile in ("teacher", "trainer") else None
        )
        people.append(Person(user, profile, values, choices, typed))
    unfinished = people[-1]

    async with polling(build_application(settings, clock=clock), poll_timeout=1) as app:
        scheduler = app.bot_data.scheduler
        for person in people:
            clock.set(clock.now() + timedelta(minutes=rng.randrange(1, 90)))
            await join(person, links[person.profile])
            await answer(person, 4)
        done: list[Person] = []
        for day, person in enumerate(people[:-1]):
            # One or two completions a day, at different hours, over a week.
            clock.set(clock.now() + timedelta(days=day % 2, hours=rng.randrange(1, 5)))
            if person is people[-2]:
                break
            assert await answer(person)
            if person.profile != "student":
                await open_question(person)
            done.append(person)
        await answer(unfinished, 3)

        assert not links_found(database, done)
        # The search does find what it looks for: a questionnaire still in progress.
        assert any(t in image for _, image in page_images(database) for t in unfinished.traces())

        # Another process holds a snapshot from before the last completion: the WAL cannot be
        # emptied yet, and the link is found in it; the next tick empties it.
        last = people[-2]
        with closing(sqlite3.connect(database, isolation_level=None)) as reader:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM participants").fetchone()
            assert await answer(last)
            done.append(last)
            held = links_found(database, [last])
            assert any("questionnaire of" in line for line in held), held
            reader.execute("COMMIT")
        await scheduler.tick()
        assert not links_found(database, done)
        # The same for the open answer: seen in the WAL while a reader holds it, then gone.
        with closing(sqlite3.connect(database, isolation_level=None)) as reader:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM participants").fetchone()
            await open_question(last)
            held = links_found(database, [last])
            assert any("anonymous side" in line for line in held), held
            reader.execute("COMMIT")
        await scheduler.tick()
        assert not links_found(database, done)

        # The close ends the unfinished questionnaire, and with it the last link.
        with closing(sqlite3.connect(database)) as connection:
            (closes_at,) = connection.execute("SELECT closes_at FROM sessions").fetchone()
        clock.set(datetime.fromtimestamp(closes_at, UTC))
        await scheduler.tick()
        await scheduler.drain()
        assert not links_found(database, [*done, unfinished])

    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT count(*) FROM progress").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM responses").fetchone() == (len(done),)
    assert not links_found(database, [*done, unfinished])
