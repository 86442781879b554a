"""Crash safety: the real bot process is killed with SIGKILL at random moments and restarted.

Every kill moment comes from a seeded `random.Random`; the seed is printed and named in every
failure message, and `CRASH_SEED=<seed>` replays the same kill schedule (the interleaving with
the bot still varies with timing, which is the point: the invariants must hold at any moment).

What must hold after any kill (issue 6):
- every answer whose next statement was shown is stored, with the value pressed for it;
- no answer is stored twice, and nothing is stored that was not pressed;
- each questionnaire resumes at its first unanswered statement;
- scheduled reminders and the close's report reach everyone exactly once. The one accepted
  exception: the Bot API has no idempotency key, so a kill between Telegram accepting a message
  and the database recording it resends that message at the restart. The broadcaster records
  in batches and lets at most `unrecorded_at(rate)` claims be sent and not recorded
  (bot/scheduler/broadcast.py): the tests allow a duplicate only for those claims, which must
  be among the last that many the bot sent before the kill.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import build_application, polling
from bot.scheduler.broadcast import unrecorded_at
from bot.settings import Settings
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from ..completions import complete_in
from .helpers import (
    BotProcess,
    create_session_with_cli,
    midday_zone,
    night_zone,
    selfie_bot,
)

LABELS = {0: "N/A", 1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}
PROGRESS = re.compile(r"Statement (\d+) of (\d+)")
ANSWER_DATA = re.compile(r"a:\d+:([A-HS]\d{1,2}):\d")
ALREADY_COMPLETED = "This questionnaire is already completed"
ALERT_COMPLETED = "This questionnaire is already completed."
RECAP = "Thank you!"


# Seeds of kill schedules that once failed; their tests replay them on every run, beside a
# fresh seed.
CLOSE_REPLAYS = [1685159117, 892939195]


def crash_seed(replay: int | None = None) -> int:
    """The seed of this run's kill moments: a replayed one, CRASH_SEED, else a fresh one."""
    seed = replay or int(os.environ.get("CRASH_SEED") or random.randrange(2**32))
    print(f"crash-safety seed: {seed} (replay with CRASH_SEED={seed})")
    return seed


@contextmanager
def sqlite(database: Path) -> Iterator[sqlite3.Connection]:
    """A short-lived connection to the bot's database, closed afterwards (`with connection`
    alone would only commit)."""
    with closing(sqlite3.connect(database)) as connection:
        yield connection


async def start(bot: BotProcess, context: str) -> None:
    """Start the bot; a failure names the kill schedule (the seed) to replay."""
    try:
        await bot.start()
    except AssertionError as error:
        raise AssertionError(f"{context}: {error}") from None


async def kill(bot: BotProcess, emu: BotApiEmulator) -> None:
    """SIGKILL the bot, then let the emulator take in what the dead process had already
    written (its request count stays the same for a moment)."""
    await bot.kill()
    seen = -1
    while seen != emu.stats.requests:
        seen = emu.stats.requests
        await asyncio.sleep(0.2)


# -- answering -----------------------------------------------------------------------------


@dataclass
class Respondent:
    """One person answering: presses a fixed random value per statement, as told by `plan`."""

    user: EmulatedUser
    profile: str
    plan: dict[int, int]  # 1-based statement position -> the value this person presses
    total: int = 0
    current: ChatMessage | None = None
    codes: dict[int, str] = field(default_factory=dict)  # position -> statement code seen
    presses: int = 0
    finished: bool = False

    def position_of(self, message: ChatMessage) -> int | None:
        """The 1-based statement a message shows (recording its code), None if none."""
        found = PROGRESS.search(message.text or "")
        if found is None:
            return None
        position, total = int(found[1]), int(found[2])
        assert self.total in (0, total)
        self.total = total
        for button in message.buttons:
            data = ANSWER_DATA.fullmatch(button.callback_data or "")
            if data is not None:
                assert self.codes.setdefault(position, data[1]) == data[1]
                break
        return position

    def furthest_shown(self) -> int:
        """The furthest statement this person was ever shown (total + 1: the recap)."""
        furthest = 0
        for message in self.user.messages:
            if RECAP in (message.text or ""):
                return self.total + 1
            found = PROGRESS.search(message.text or "")
            if found is not None:
                furthest = max(furthest, int(found[1]))
        return furthest

    def expected_answers(self, count: int) -> dict[str, int]:
        """The answers to the first `count` statements, as this person pressed them."""
        return {self.codes[p]: self.plan[p] for p in range(1, count + 1)}


class Crashes:
    """Kills and restarts the bot; respondents pause while it is down and being re-synced."""

    def __init__(self, bot: BotProcess, emu: BotApiEmulator, seed: int) -> None:
        self.bot = bot
        self.emu = emu
        self.seed = seed
        self.rng = random.Random(seed)
        self.running = asyncio.Event()
        self.killed = asyncio.Event()
        self.kills = 0

    def context(self) -> str:
        return f"seed {self.seed}, after kill {self.kills}"

    async def kill(self) -> None:
        await kill(self.bot, self.emu)
        self.kills += 1
        self.running.clear()
        self.killed.set()

    async def restart(self) -> None:
        """Start again and wait until every update left by the dead process has been handled:
        callback queries still pending are answered only after their transaction commits."""
        pending_ids = {u.update_id for u in self.emu.state.updates}
        pending = [u.payload["id"] for u in self.emu.state.updates if u.kind == "callback_query"]
        await start(self.bot, self.context())
        queries = self.emu.state.callback_queries

        def handled() -> bool:
            left = {u.update_id for u in self.emu.state.updates}
            return not (left & pending_ids) and all(queries[q].answered for q in pending)

        await self.emu.wait_for(handled, timeout=30, description="the pending updates")

    def resume(self) -> None:
        self.killed.clear()
        self.running.set()


async def answer_until_done(person: Respondent, crashes: Crashes) -> None:
    """Press the planned value on the shown statement, wait for the edit, repeat.

    A press the bot never got to (killed) is left to the re-sync after the restart, as a real
    person would write to the bot when nothing happens."""
    rng = random.Random(f"{crashes.seed}:{person.user.id}")
    while True:
        await crashes.running.wait()
        if person.finished:  # e.g. the re-sync found the last answer stored
            return
        message = person.current
        assert message is not None
        position = person.position_of(message)
        if position is None:
            assert RECAP in (message.text or ""), f"{crashes.context()}: {message!r}"
            person.finished = True
            return
        await person.user.click(LABELS[person.plan[position]], message=message)
        person.presses += 1
        edited = asyncio.create_task(person.user.wait_for_edit(message, timeout=20))
        killed = asyncio.create_task(crashes.killed.wait())
        await asyncio.wait({edited, killed}, return_when=asyncio.FIRST_COMPLETED)
        killed.cancel()
        if not edited.done():
            edited.cancel()  # the bot died; the re-sync shows where this person is
        elif edited.exception() is not None:
            if crashes.killed.is_set():
                continue  # the wait timed out because of the kill
            raise AssertionError(f"{crashes.context()}: no edit") from edited.exception()
        await asyncio.sleep(rng.uniform(0, 0.03))  # a moment to read the next statement


def completed_responses(database: Path) -> list[dict[str, int]]:
    """Every completed response's answers (the anonymous side holds nothing else)."""
    with sqlite(database) as connection:
        rows = connection.execute("SELECT response_id, code, value FROM answers").fetchall()
    responses: dict[int, dict[str, int]] = {}
    for response_id, code, value in rows:
        responses.setdefault(response_id, {})[code] = value
    return list(responses.values())


def stored_state(database: Path, person: Respondent) -> tuple[bool, int | None, dict[str, int]]:
    """Whether this person completed, and the position and answers of their unfinished
    questionnaire (None and {} when there is none)."""
    with sqlite(database) as connection:
        completed, position, answers = connection.execute(
            "SELECT p.completed, g.position, g.answers FROM participants p"
            " LEFT JOIN progress g ON g.participant_id = p.id WHERE p.telegram_id = ?",
            (person.user.id,),
        ).fetchone()
    pairs = (item.split("=") for item in (answers or "").split(",") if item)
    return bool(completed), position, {code: int(value) for code, value in pairs}


def check_stored(database: Path, person: Respondent, context: str) -> int:
    """What the dead bot left must match what the person saw; returns how many are stored.

    Every statement before the furthest shown one is stored with the pressed value; at most
    one more (pressed, stored, but killed before its edit); the resume position follows from
    the answers. A completed questionnaire has left the person's side: exactly one anonymous
    response holds the answers this person pressed, and nothing of it stays beside them."""
    where = f"{context}, user {person.user.id} ({person.profile})"
    shown = person.furthest_shown()
    completed, position, answers = stored_state(database, person)
    if completed:
        assert position is None and not answers, f"{where}: progress kept after completion"
        expected = person.expected_answers(person.total)
        found = completed_responses(database).count(expected)
        assert found == 1, f"{where}: {found} responses hold this person's answers"
        assert shown - 1 <= person.total <= shown, f"{where}: shown {shown}, completed"
        return person.total
    count = len(answers)
    assert shown - 1 <= count <= shown, f"{where}: shown {shown}, stored {count}: {answers}"
    assert answers == person.expected_answers(count), f"{where}: wrong answers {answers}"
    assert position == count, f"{where}: position {position} with {count} answers"
    return count


async def resync(database: Path, person: Respondent, rng: random.Random, context: str) -> None:
    """After a restart the person either writes to the bot or presses the shown statement's
    button again; either way the bot shows the first unanswered statement (or says the
    questionnaire is complete)."""
    before = person.furthest_shown()
    message = person.current
    assert message is not None
    position = person.position_of(message)
    if rng.random() < 0.5 or position is None:
        context += ", after writing"
        await person.user.send("where was I?")
        message = await person.user.wait_for_message(timeout=20)
        done = ALREADY_COMPLETED in message.content
    else:
        context += ", after pressing again"
        await person.user.click(LABELS[person.plan[position]], message=message)
        done = (await person.user.wait_for_answer(timeout=20)).text == ALERT_COMPLETED
        if not done:  # answered, or out of date: either way the message shows where one is
            await person.user.wait_for_edit(message, timeout=20)
    count = check_stored(database, person, context)
    where = f"{context}, user {person.user.id} ({person.profile})"
    if count == person.total:
        assert done or RECAP in message.content, f"{where}: {message!r}"
        person.finished = True
        return
    assert not done, where
    position = person.position_of(message)
    assert position == count + 1, f"{where}: resumed at {position} with {count} stored"
    assert position >= before, f"{where}: resumed at {position}, {before} was shown"
    person.current = message


async def test_answers_survive_random_kills(emu: BotApiEmulator, database: Path) -> None:
    """Nine people of three groups answer at once while the bot is SIGKILLed six times at
    random moments: after every kill, the database holds exactly the answers they got past
    (with their values, none twice), every questionnaire resumes at its first unanswered
    statement, and at the end each is complete once, detached from the person."""
    seed = crash_seed()
    created = await create_session_with_cli(emu, database)
    bot = BotProcess(emu, database)
    crashes = Crashes(bot, emu, seed)
    plan_rng = random.Random(seed)
    people = [
        Respondent(
            user=emu.user(10_000 + n, language_code="en"),
            profile=profile,
            plan={p: plan_rng.randrange(6) for p in range(1, 50)},
        )
        for n, profile in enumerate(["leader", "teacher", "student"] * 3)
    ]
    await start(bot, f"seed {seed}")

    async def join(person: Respondent) -> None:
        await person.user.open_link(created["links"][person.profile])
        _, person.current = await person.user.wait_for_messages(2, timeout=20)
        assert person.position_of(person.current) == 1

    await asyncio.gather(*(join(person) for person in people))

    crashes.running.set()
    tasks = [asyncio.create_task(answer_until_done(person, crashes)) for person in people]
    try:
        # Kills at random points of the answering as a whole (jittered by a moment).
        overall = sum(person.total for person in people)
        for target in sorted(crashes.rng.sample(range(10, overall * 4 // 5), 6)):
            await emu.wait_for(
                lambda: sum(person.presses for person in people) >= target,  # noqa: B023
                timeout=60,
                description=f"{target} presses",
            )
            await asyncio.sleep(crashes.rng.uniform(0, 0.05))
            await crashes.kill()
            counts = [check_stored(database, p, crashes.context()) for p in people]
            ahead = sum(c == p.furthest_shown() for c, p in zip(counts, people, strict=True))
            print(f"kill {crashes.kills}: stored {counts}, {ahead} of them not shown yet")
            await crashes.restart()
            resyncs = [
                resync(database, p, crashes.rng, crashes.context())
                for p in people
                if not p.finished
            ]
            await asyncio.gather(*resyncs)
            crashes.resume()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    finally:
        for task in tasks:
            task.cancel()
    await bot.stop()

    context = f"seed {seed}, at the end"
    for person in people:
        assert person.finished, context
        assert check_stored(database, person, context) == person.total, context
    with sqlite(database) as connection:
        stored = connection.execute("SELECT count(*) FROM answers").fetchone()[0]
        responses = connection.execute("SELECT count(*) FROM responses").fetchone()[0]
        participants = connection.execute(
            "SELECT count(*), sum(completed), (SELECT count(*) FROM progress) FROM participants"
        ).fetchone()
    assert stored == sum(person.total for person in people), context
    assert responses == len(people), context
    assert participants == (len(people), len(people), 0), context
    code, out, err = await selfie_bot(
        emu, database, "session", "status", str(created["session_id"]), "--json"
    )
    assert code == 0, err
    assert json.loads(out)["groups"] == {
        group: {"joined": 3, "completed": 3} for group in ("leader", "teacher", "student")
    }, context
    print(f"presses: {sum(p.presses for p in people)}, answers: {stored}, kills: {crashes.kills}")


# -- messages the bot sends on its own -----------------------------------------------------

# What identifies each kind of broadcast message, in English and in Latvian.
FRAGMENTS = [
    ("not finished yet", "reminder:1"),
    ("nav pabeigts", "reminder:1"),
    ("recommended minimum", "nudge:1"),
    ("ieteicamais minimums", "nudge:1"),
    ("reminders have just gone out", "digest:1"),
    ("atgādinājumi tikko izsūtīti", "digest:1"),
    ("has closed", "report"),
    ("ir noslēdzies", "report"),
]
Part = tuple[str, str]  # (the delivery kind it belongs to, "text" or "chart")


def part_of(message: ChatMessage) -> Part:
    if message.photo is not None:
        return ("report", "chart")
    for fragment, kind in FRAGMENTS:
        if fragment in message.content:
            return (kind, "text")
    return (f"unexpected: {message.content[:60]!r}", "text")


class Broadcast:
    """Watches what a group of chats receives from a point on, and what a kill leaves behind."""

    def __init__(self, emu: BotApiEmulator, database: Path, users: list[EmulatedUser]) -> None:
        self.emu = emu
        self.database = database
        self.users = {user.id: user for user in users}
        self.start = {user.id: len(user.messages) for user in users}
        self.last_sends: list[int] = []
        # (chat, kind, part): parts of a claim Telegram accepted but the database had not
        # recorded as sent when the process died. Only these may arrive twice.
        self.in_flight: set[tuple[int, str, str]] = set()

    def received(self, chat: int) -> Counter[Part]:
        return Counter(part_of(m) for m in self.users[chat].messages[self.start[chat] :])

    def delivered(self) -> int:
        return sum(sum(self.received(chat).values()) for chat in self.users)

    def unsettled(self) -> list[tuple[str, int]]:
        with sqlite(self.database) as connection:
            return connection.execute(
                "SELECT kind, recipient FROM deliveries WHERE sent_at IS NULL AND failure IS NULL"
            ).fetchall()

    def record_kill(self, context: str, rate: float) -> None:
        """Right after the kill: which claims were sent and not recorded; at most the
        broadcaster's window at `rate`, all among the last ones sent."""
        window = unrecorded_at(rate)
        sends = [r for r in self.emu.requests if r.method in ("sendMessage", "sendPhoto")]
        self.last_sends = [int(r.params["chat_id"]) for r in sends[-window:]]
        for kind, chat in self.unsettled():
            for part_kind, part in self.received(chat) if chat in self.users else ():
                if part_kind == kind:
                    self.in_flight.add((chat, kind, part))
        claims = {(chat, kind) for chat, kind, _ in self.in_flight}
        assert len(claims) <= window, f"{context}: more than {window} in flight: {self.in_flight}"
        assert all(chat in self.last_sends for chat, _ in claims), (
            f"{context}: {claims} in flight, but the last messages went to {self.last_sends}"
        )

    def check(self, chat: int, claims: dict[str, list[str]], context: str) -> None:
        """Each part of each claim arrived once; a part in flight at the kill at most twice."""
        received = self.received(chat)
        expected = {(kind, part) for kind, parts in claims.items() for part in parts}
        where = f"{context}: chat {chat} got {dict(received)}, in flight {self.in_flight}"
        assert set(received) == expected, where
        for kind, part in expected:
            most = 2 if (chat, kind, part) in self.in_flight else 1
            assert 1 <= received[kind, part] <= most, where


async def kill_during_broadcast(
    bot: BotProcess, broadcast: Broadcast, rng: random.Random, after: int, rate: float
) -> str:
    """Kill once `after` messages arrived (jittered within one sending slot); returns a
    description of the moment for failure messages."""

    def reached() -> bool:  # after 0 messages: once the claims are made, before any is sent
        return broadcast.delivered() >= after and (after > 0 or bool(broadcast.unsettled()))

    await broadcast.emu.wait_for(reached, timeout=30, description=f"{after} broadcast messages")
    await asyncio.sleep(rng.uniform(0, 1 / rate))
    delivered = broadcast.delivered()
    await kill(bot, broadcast.emu)
    return f"killed after {delivered} messages (aimed at {after})"


def settled_sends(database: Path, kind: str) -> list[tuple[int, int | None, str | None]]:
    with sqlite(database) as connection:
        return connection.execute(
            "SELECT recipient, sent_at, failure FROM deliveries WHERE kind = ? ORDER BY recipient",
            (kind,),
        ).fetchall()


async def test_a_reminder_round_killed_midway_reaches_everyone_once(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    """A round of 56 reminders (with the teachers' nudges and the coordinator's digest) is
    SIGKILLed after a random number of messages: after the restart every unfinished
    participant has the reminder, those who finished have none, and each message arrived once;
    twice only the one Telegram had accepted but the dead process had not recorded."""
    seed = crash_seed()
    rng = random.Random(seed)
    created = await create_session_with_cli(emu, database, timezone=midday_zone())
    coordinator = emu.user(900, language_code="en")
    await coordinator.send("/start")
    groups = ["student"] * 40 + ["teacher"] * 12 + ["leader"] * 4
    people = [emu.user(20_000 + n, language_code="en") for n in range(len(groups))]
    finishers = [emu.user(29_000 + n, language_code="en") for n in range(2)]

    # Joining, through the bot, while no reminder is due yet (a round a third into the period).
    async with polling(build_application(settings), poll_timeout=1):

        async def join(user: EmulatedUser, group: str) -> ChatMessage:
            await user.open_link(created["links"][group])
            return (await user.wait_for_messages(2, timeout=20))[1]

        await asyncio.gather(
            *(join(user, group) for user, group in zip(people, groups, strict=True))
        )
        for finisher in finishers:
            statement = await join(finisher, "student")
            while (position := PROGRESS.search(statement.text or "")) is not None:
                await finisher.click(LABELS[int(position[1]) % 6], message=statement)
                await finisher.wait_for_edit(statement)
        await emu.wait_for(
            lambda: [row[1] is not None for row in settled_sends(database, "opening")] == [True],
            timeout=20,
            description="the opening notice",
        )

    # The first round is due now (it falls at 9:00 in a zone where it is about noon).
    rate = 20.0
    bot = BotProcess(
        emu,
        database,
        extra={
            "SELFIE_TICK_SECONDS": "0.5",
            "SELFIE_BROADCAST_RATE": str(rate),
            "SELFIE_REMINDER_FRACTIONS": "0.01",
        },
    )
    broadcast = Broadcast(emu, database, [coordinator, *people, *finishers])
    teachers = [user for user, group in zip(people, groups, strict=True) if group == "teacher"]
    total = len(people) + len(teachers) + 1
    await start(bot, f"seed {seed}")
    moment = await kill_during_broadcast(bot, broadcast, rng, rng.randrange(total), rate)
    context = f"seed {seed}, {moment}"
    print(context)
    broadcast.record_kill(context, rate)
    await start(bot, f"seed {seed}")

    def all_sent() -> bool:
        kinds = ("reminder:1", "nudge:1", "digest:1")
        rows = [row for kind in kinds for row in settled_sends(database, kind)]
        return len(rows) == total and all(sent is not None for _, sent, _ in rows)

    await emu.wait_for(all_sent, timeout=30, description="every claim of the round settled")
    await asyncio.sleep(1.5)  # three more ticks: room for a second round, were there one
    await bot.stop()

    for user, group in zip(people, groups, strict=True):
        claims = {"reminder:1": ["text"]} | ({"nudge:1": ["text"]} if group == "teacher" else {})
        broadcast.check(user.id, claims, context)
    for finisher in finishers:
        broadcast.check(finisher.id, {}, context)
    broadcast.check(coordinator.id, {"digest:1": ["text"]}, context)
    with sqlite(database) as connection:
        counted = dict(
            connection.execute("SELECT telegram_id, reminders_sent FROM participants").fetchall()
        )
        rounds = connection.execute("SELECT session_id, round FROM reminder_rounds").fetchall()
    assert counted == {u.id: 1 for u in people} | {u.id: 0 for u in finishers}, context
    assert rounds == [(created["session_id"], 1)], context
    assert [row[2] for row in settled_sends(database, "reminder:1")] == [None] * len(people)


@pytest.mark.parametrize("replay", [None, *CLOSE_REPLAYS], ids=["fresh", *map(str, CLOSE_REPLAYS)])
async def test_a_close_killed_at_a_random_moment_reports_to_every_coordinator_once(
    emu: BotApiEmulator, settings: Settings, database: Path, replay: int | None
) -> None:
    """Five coordinators; the bot is SIGKILLed at a random moment around the close (before
    it, between the close and the first report, or between any two report messages): after
    the restart the session is closed once and every coordinator has the summary and the
    chart once; twice only a part Telegram had accepted but the dead process had not recorded.

    The session's zone is one where it is night now: the test moves the close to two seconds
    from now, which makes the last day's reminder round due whenever it is daytime there."""
    seed = crash_seed(replay)
    rng = random.Random(seed)
    created = await create_session_with_cli(emu, database, timezone=night_zone())
    session_id = created["session_id"]
    await complete_in(database, session_id, {"teacher": 5})  # results to show: a chart
    coordinators = [emu.user(900, language_code="lv")]
    coordinators += [emu.user(901 + n, language_code="lv") for n in range(4)]
    with sqlite(database) as connection, connection:
        (school_id,) = connection.execute(
            "SELECT school_id FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        connection.executemany(
            "INSERT INTO coordinators (school_id, telegram_id, added_at) VALUES (?, ?, ?)",
            [(school_id, user.id, int(time.time())) for user in coordinators[1:]],
        )
    for user in coordinators:
        await user.send("/start")
    async with polling(build_application(settings), poll_timeout=1):  # the opening notices
        await emu.wait_for(
            lambda: (
                [r[1] is not None for r in settled_sends(database, "opening")]
                == [True] * len(coordinators)
            ),
            timeout=20,
            description="the opening notices",
        )

    rate = 5.0
    bot = BotProcess(
        emu, database, extra={"SELFIE_TICK_SECONDS": "0.3", "SELFIE_BROADCAST_RATE": str(rate)}
    )
    broadcast = Broadcast(emu, database, coordinators)
    await start(bot, f"seed {seed}")
    closes_at = int(time.time()) + 2  # the tick reads it from the database each time
    with sqlite(database) as connection, connection:
        connection.execute(
            "UPDATE sessions SET closes_at = ? WHERE id = ?", (closes_at, session_id)
        )
    after = rng.randrange(-1, 2 * len(coordinators))  # -1: before the close
    if after < 0:
        await asyncio.sleep(rng.uniform(0, closes_at - time.time() - 0.2))
        await kill(bot, emu)
        moment = "killed before the close"
    else:
        moment = await kill_during_broadcast(bot, broadcast, rng, after, rate)
    context = f"seed {seed}, {moment}"
    print(context)
    broadcast.record_kill(context, rate)
    await start(bot, f"seed {seed}")

    def all_sent() -> bool:
        rows = settled_sends(database, "report")
        return len(rows) == len(coordinators) and all(sent is not None for _, sent, _ in rows)

    await emu.wait_for(all_sent, timeout=30, description="every report settled")
    await asyncio.sleep(1)  # room for a duplicate to show up, were there one
    await bot.stop()

    for user in coordinators:
        broadcast.check(user.id, {"report": ["text", "chart"]}, context)
    assert [row[2] for row in settled_sends(database, "report")] == [None] * len(coordinators)
    with sqlite(database) as connection:
        status = connection.execute(
            "SELECT status, closed_at IS NOT NULL FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
    assert status == ("closed", 1), context


async def test_a_kill_between_telegram_and_the_database_repeats_only_what_was_not_recorded(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    """The accepted risk, made to happen on purpose: Telegram accepts reminders, the bot
    cannot record them (the test holds the database's write lock) and is SIGKILLed. After
    the restart only those reminders, at most the broadcaster's window, may arrive twice;
    every other one arrives once."""
    created = await create_session_with_cli(emu, database, timezone=midday_zone())
    people = [emu.user(30_000 + n, language_code="en") for n in range(8)]
    async with polling(build_application(settings), poll_timeout=1):
        for user in people:
            await user.open_link(created["links"]["student"])
            await user.wait_for_messages(2, timeout=20)
    victim = people[3]
    emu.inject_fault("sendMessage", delay=1.0, chat_id=victim.id)
    bot = BotProcess(
        emu, database, extra={"SELFIE_TICK_SECONDS": "0.5", "SELFIE_REMINDER_FRACTIONS": "0.01"}
    )
    broadcast = Broadcast(emu, database, people)
    logged = len(emu.requests)
    await start(bot, "before the kill")
    await emu.wait_for(
        lambda: [
            r
            for r in emu.requests[logged:]
            if r.method == "sendMessage" and int(r.params["chat_id"]) == victim.id
        ],
        timeout=30,
        description="the victim's reminder on its way",
    )
    with closing(sqlite3.connect(database, timeout=10, isolation_level=None)) as lock:
        lock.execute("BEGIN IMMEDIATE")  # the bot can send, but not record what it sent
        await emu.wait_for(
            lambda: broadcast.received(victim.id), timeout=10, description="the reminder"
        )
        await kill(bot, emu)
        lock.execute("ROLLBACK")
    broadcast.record_kill("a kill while recording", settings.broadcast_rate)
    # Sending went on while recording could not, up to the window: here everyone's reminder.
    assert (victim.id, "reminder:1", "text") in broadcast.in_flight

    await start(bot, "after the kill")

    def all_sent() -> bool:
        rows = settled_sends(database, "reminder:1")
        return len(rows) == len(people) and all(sent is not None for _, sent, _ in rows)

    await emu.wait_for(all_sent, timeout=30, description="every reminder settled")
    await asyncio.sleep(1)  # room for a duplicate to show up, were there one
    await bot.stop()
    for user in people:
        broadcast.check(user.id, {"reminder:1": ["text"]}, "a kill while recording")
    print(f"the victim got {broadcast.received(victim.id)}")
