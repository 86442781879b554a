"""Hostile input (issue 6): property-based fuzzing of everything a person can send the bot.

Callback data, commands, deep-link payloads and free text, from strangers, participants and
coordinators, aimed at other people's sessions, drafts and schools, huge and binary-looking,
and old buttons replayed after the questionnaire moved on or ended. For every example:

* no exception escapes a handler: nothing is logged at ERROR (nor at WARNING by the bot or
  the library: the error handler logs Bot API refusals there), the Bot API refused no call
  (but "message is not modified", which the handlers expect), and nobody sees the generic
  error text;
* nothing is written: every row of every table of the SQLite file is the same afterwards,
  and nobody else gets a message;
* the person gets a clear, short answer: a message gets exactly one reply (at most 300
  characters, or the help text, or the participant's current statement again), a button
  press exactly one answerCallbackQuery with a text (the spinner stops) of at most 200
  characters, Telegram's limit. The one deliberate silence is the calendar's filler button
  ("nop": weekday names and blank days), which answers without a text.

Typed text with a control character or a bidi override (an own statement, a school's name)
is refused with a reply naming the character, and session numbers that no session can have
(0, or past SQLite's integers) get a reply saying what a session number looks like.

The real Application runs in-process against the Bot API emulator over HTTP, with a real
SQLite file, and is started once per test. Hypothesis runs in a worker thread and hands each
example to the bot's event loop (`Bench.run`), so the bot keeps polling between examples.
After each action the bench waits until the bot has taken the update and finished handling
it (the emulator's queue is confirmed and the Application's update queue is joined), so
there are no sleeps, and an extra reply would be seen.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import string
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.context import BotApplication
from bot.handlers.calendar import typed_dates
from bot.handlers.callback_data import (
    Answer,
    Back,
    Certificate,
    ChooseLanguage,
    Continue,
    DraftAction,
    DraftOp,
    Mute,
    SchoolAction,
    SchoolOp,
    SessionAction,
    SessionOp,
    ToggleHelp,
    decode,
    decode_coordination,
)
from bot.handlers.coordinator.session_card import SESSION_NUMBER
from bot.handlers.render import group_name
from bot.i18n import texts
from bot.i18n.formatting import day
from bot.sessions.service import create_session
from bot.settings import load_settings
from bot.storage import Database
from bot.surveys.bank import MAX_TEXT_CHARS, default_bank
from bot.surveys.questionnaire import MAX_OWN_STATEMENTS
from bot.surveys.vocabulary import AREA_CODES, LANGUAGES, PROFILES, Language
from bot.validation import BIDI_CONTROLS, MAX_RECORD_ID, code_point, is_hidden
from emulator import BotApiEmulator, ChatMessage, EmulatedUser
from emulator.state import CallbackAnswer
from tests import postgres

from .helpers import (
    TOKEN,
    USERNAME,
    create_session_with_cli,
    db_rows,
    first_tick_done,
    on_both_engines,
    say,
    today_in,
)

T = TypeVar("T")

ADMIN = 100
COORDINATOR_A = 900  # the coordinator create_session_with_cli registers
COORDINATOR_B = 901
JOINED_B = 902  # redeemed an admin's invite to school B, which is used up now
OUTSIDER_EN = 7001
OUTSIDER_LV = 7002
MIDWAY = 7101  # a teacher of session A, at statement 3
FINISHED = 7102  # a student of session A who completed
RIGA = "Europe/Riga"

MAX_MESSAGE_UTF16 = 4096  # Telegram's limit for a message's text
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback data
MAX_ALERT_CHARS = 200  # Telegram's limit for an answerCallbackQuery text
SHORT_REPLY = 300

COMMANDS = (
    "start",
    "help",
    "language",
    "privacy",
    "forget",
    "newsession",
    "sessions",
    "status",
    "preview",
    "links",
    "results",
    "coordinators",
    "cancel",
    "addschool",
    "invite",
    "schools",
)
UNKNOWN_COMMANDS = ("foo", "admin", "delete", "START", "Status", "start_", "sessions2", "x" * 40)
BUTTON_ACTORS = ("outsider_en", "outsider_lv", "midway", "finished", "coordinator_b")
MESSAGE_ACTORS = ("outsider_en", "outsider_lv", "midway", "finished")
LANGUAGE_OF: dict[str, Language] = {
    "outsider_en": "en",
    "outsider_lv": "lv",
    "midway": "en",
    "finished": "lv",
    "coordinator_a": "lv",
    "coordinator_b": "en",
    "admin": "en",
}

BANK = default_bank()
REAL_CODES = sorted(BANK.statements)
SETTINGS = settings(
    deadline=None,  # each example is a round trip over HTTP and SQLite
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    print_blob=True,
)
ERROR_TEXTS = {texts()(language, "alert.error") for language in LANGUAGES}
HELP_TEXTS = {
    texts().addressed(language, "help.text", register)
    for language in LANGUAGES
    for register in ("staff", "student")
}
# /privacy lists what is kept about the person: long by nature.
LONG_REPLIES = tuple(texts()(language, "privacy.title") for language in LANGUAGES)


# -- what a person may type or press --------------------------------------------------------------

HOSTILE_PIECES = (
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",  # byte-order mark
    "\x00",
    "\x1b[31m",
    "\x7f",
    "\r\n",
    "\t",
    "\x85",
    "🙂",
    "👩‍👩‍👧‍👦",
    "🇱🇻",
    "e\u0301",
    "<b>",
    "</i>",
    "<a href='x'>",
    "&amp;",
    "&#0;",
    "{",
    "}",
    "{school}",
    "{0}",
    "%s",
    "%(x)s",
    "\\",
    "'; DROP TABLE answers; --",
    "@selfie_e2e_bot",
    "/start",
    "#1",
    "²",
    "٣",
    "𝟗",
)
PAYLOAD_ALPHABET = string.ascii_letters + string.digits + "_-"


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def within_message_limit(text: str) -> str:
    """Cut `text` to what Telegram accepts in one message (4096 UTF-16 code units)."""
    while utf16_length(text) > MAX_MESSAGE_UTF16:
        text = text[: len(text) - max(1, (utf16_length(text) - MAX_MESSAGE_UTF16) // 2)]
    return text


def fits_callback(data: str) -> bool:
    return 1 <= len(data.encode()) <= MAX_CALLBACK_BYTES


def hostile_text(max_pieces: int = 40) -> st.SearchStrategy[str]:
    """Any code point but surrogates, mixed with control characters, bidi marks, zero-width
    characters, emoji, markup, format placeholders and digits that are no ASCII digits."""
    piece = st.one_of(
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=8),
        st.sampled_from(HOSTILE_PIECES),
    )
    return st.lists(piece, min_size=1, max_size=max_pieces).map("".join)


def binary_looking() -> st.SearchStrategy[str]:
    raw = st.binary(min_size=1, max_size=300)
    return st.one_of(
        raw.map(lambda b: b.decode("latin-1")),
        raw.map(lambda b: b.decode("utf-8", "replace")),
        raw.map(bytes.hex),
        raw.map(lambda b: "".join(f"\\x{byte:02x}" for byte in b)),
    )


def huge(unit: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A unit repeated up to Telegram's message limit."""
    return st.tuples(unit, st.integers(1, MAX_MESSAGE_UTF16)).map(
        lambda pair: within_message_limit(pair[0] * pair[1])
    )


def free_text() -> st.SearchStrategy[str]:
    return (
        st.one_of(
            hostile_text(),
            binary_looking(),
            huge(hostile_text(4)),
            st.from_regex(r"[0-9.\- –/]{1,40}", fullmatch=True),  # date-ish noise
        )
        .map(within_message_limit)
        # Telegram delivers no blank messages; a leading "/" makes a command (tested apart).
        .filter(lambda text: text.strip() != "" and not text.startswith("/"))
    )


def numbers() -> st.SearchStrategy[str]:
    """Ids as people might type or forge them, valid-looking or not."""
    return st.one_of(
        st.integers(0, 10**12 - 1).map(str),
        st.integers(10**12, 10**40).map(str),
        st.integers(-(10**6), -1).map(str),
        st.sampled_from(["", "0", "00", "007", "x", "1e3", "0x1F", "²", "٣", "①", "𝟗", "1 "]),
    )


# Hidden characters that are no whitespace either: a command's arguments keep them.
VISIBLY_HIDDEN = ("\x00", "\x07", "\x1b", "\x7f", "\x80", "\x9f", *sorted(BIDI_CONTROLS))


def with_hidden(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`text` with a control character or a bidi override put in somewhere."""
    return st.builds(
        lambda base, hidden, at: (
            base[: at % (len(base) + 1)] + hidden + base[at % (len(base) + 1) :]
        ),
        text,
        st.sampled_from(VISIBLY_HIDDEN),
        st.integers(0, 400),
    )


def first_hidden(text: str) -> str:
    return next(character for character in text if is_hidden(character))


def mutate(token: str, position: int, replacement: str) -> str:
    """One character of a real token replaced, dropped or added."""
    position %= len(token) + 1
    mutated = token[:position] + replacement + token[position + 1 :]
    return mutated[:64] or "x"


def refused_dates() -> st.SearchStrategy[str]:
    """What a coordinator might type for the first day that the rules refuse: days in the
    past, impossible or in no sensible year, and periods too short, too long or reversed."""
    today = today_in(RIGA)
    formats = st.sampled_from(["{:%d.%m.%Y}", "{:%Y-%m-%d}"])
    past = st.dates(date(2000, 1, 1), today - timedelta(days=1))
    far = st.one_of(st.dates(max_value=date(1999, 12, 31)), st.dates(date(2100, 1, 1)))

    def typed(day: date, form: str) -> str:
        if day.year < 1000:  # strftime would not pad the year
            return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
        return form.format(day)

    single = st.builds(typed, st.one_of(past, far), formats)
    impossible = st.builds(
        "{:02d}.{:02d}.{:04d}".format, st.integers(0, 99), st.integers(0, 99), st.integers(0, 9999)
    ).filter(lambda text: typed_dates(text) is None)
    lengths = st.one_of(st.integers(-400, 5), st.integers(21, 400))  # last day - first day
    ranges = st.builds(
        lambda start, length, form, dash: (
            f"{typed(start, form)}{dash}{typed(start + timedelta(days=length), form)}"
        ),
        st.dates(today, date(2098, 1, 1)),
        lengths,
        formats,
        st.sampled_from([" – ", " - ", " ", "\n", " līdz ", "\u200f–"]),
    )
    return st.one_of(single, impossible, ranges)


# -- the bench ------------------------------------------------------------------------------------


@dataclass
class Observation:
    """What one action made the bot do."""

    new_messages: list[ChatMessage]
    edited: list[ChatMessage]
    answers: list[CallbackAnswer]
    elsewhere: int  # bot messages in other people's chats
    api_errors: list[str]
    records: list[logging.LogRecord]
    changed_tables: list[str]

    def describe(self) -> str:
        return (
            f"replies={[m.content[:120] for m in self.new_messages]} "
            f"edited={[m.content[:120] for m in self.edited]} answers={self.answers} "
            f"elsewhere={self.elsewhere} api_errors={self.api_errors} "
            f"logs={[(r.levelname, r.name, r.getMessage()) for r in self.records]} "
            f"changed={self.changed_tables}"
        )


# Which message shows the current statement follows the press that redrew it (a stale button
# turns its message into the live card): the columns that say so are left out.
SHOWN_AS = {"progress": "participant_id, position, answers"}


@functools.cache
def pg_tables(url: str) -> list[str]:
    found = postgres.rows(
        url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    return [str(name) for (name,) in found]


def snapshot(database: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, SQLite's own (sqlite_sequence) included; PostgreSQL's
    sequences are not, since a refused insert moves them too."""
    if isinstance(database, str):
        tables = pg_tables(database)
        read = postgres.each(
            database, [f'SELECT {SHOWN_AS.get(table, "*")} FROM "{table}"' for table in tables]
        )
        return {table: sorted(found, key=repr) for table, found in zip(tables, read, strict=True)}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: sorted(
                connection.execute(f'SELECT {SHOWN_AS.get(table, "*")} FROM "{table}"').fetchall(),
                key=repr,
            )
            for table in tables
        }


def bot_messages(user: EmulatedUser) -> list[ChatMessage]:
    return [m for m in user.history if m.from_bot]


@dataclass
class Bench:
    """The running bot, its database, and people in every situation."""

    emu: BotApiEmulator
    database: Path
    application: BotApplication
    caplog: pytest.LogCaptureFixture
    loop: asyncio.AbstractEventLoop
    session_a: int
    session_b: int
    session_c: int  # opens in three days
    school_a: int
    school_b: int
    users: dict[str, EmulatedUser] = field(default_factory=dict)
    draft_a: int = 0  # COORDINATOR_A's draft, waiting for an own statement's text
    draft_b: int = 0  # COORDINATOR_B's draft, waiting for the first day
    tokens: dict[str, str] = field(default_factory=dict)  # "a.teacher" -> invite token
    used_invite: str = ""
    replays: dict[str, list[str]] = field(default_factory=dict)  # whose -> old payloads
    targets: dict[str, list[ChatMessage]] = field(default_factory=dict)  # where they press
    statement: str = ""  # MIDWAY's current statement, as shown
    midway_code: str = ""

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` in the bot's event loop (from hypothesis' thread)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    async def settle(self) -> None:
        """Wait until the bot has taken every update and finished handling it."""
        await self.emu.wait_for(
            lambda: len(self.emu.state.updates) == 0, 10, "the bot to take the update"
        )
        await asyncio.wait_for(self.application.update_queue.join(), 20)

    async def observe(
        self, user: EmulatedUser, action: Callable[[], Awaitable[object]]
    ) -> Observation:
        await self.settle()
        before = snapshot(self.database)
        messages = len(bot_messages(user))
        edits = {m.message_id: m.edits for m in bot_messages(user)}
        answers = len(user.answers)
        elsewhere = self._elsewhere(user)
        errors = len(self.emu.errors)
        records = len(self.caplog.records)
        await action()
        await self.settle()
        after = snapshot(self.database)
        now = bot_messages(user)
        return Observation(
            new_messages=now[messages:],
            edited=[m for m in now[:messages] if m.edits != edits.get(m.message_id, 0)],
            answers=user.answers[answers:],
            elsewhere=self._elsewhere(user) - elsewhere,
            api_errors=[
                f"{e.method} -> {e.status} {e.description}" for e in self.emu.errors[errors:]
            ],
            records=self.caplog.records[records:],
            changed_tables=[t for t in sorted({*before, *after}) if before.get(t) != after.get(t)],
        )

    def _elsewhere(self, user: EmulatedUser) -> int:
        return sum(
            1
            for chat_id, chat in self.emu.state.chats.items()
            if chat_id != user.id
            for message in chat.history
            if message.from_bot
        )

    def legit_button(self, actor: str, data: str) -> bool:
        """A button this person may really press (it may write): no hostile input."""
        participates = {"midway": {self.session_a}, "finished": {self.session_a}}.get(actor, set())
        match decode(data):
            case ChooseLanguage():
                return True  # anyone may choose a language; it is remembered
            case Answer(session_id, code) | Back(session_id, code) | ToggleHelp(session_id, code):
                return (
                    actor == "midway" and session_id == self.session_a and code == self.midway_code
                )
            case Continue(session_id) | Mute(session_id):
                return session_id in participates
            case Certificate(session_id):
                return actor == "finished" and session_id == self.session_a
        if actor != "coordinator_b":
            return False
        match decode_coordination(data):
            case DraftAction(draft_id):
                return draft_id == self.draft_b
            case SessionAction(session_id):
                return session_id == self.session_b
            case SchoolAction(school_id):
                return school_id == self.school_b
        return False


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["start"][0]


def payloads(message: ChatMessage) -> list[str]:
    return [b.callback_data for b in message.buttons if b.callback_data]


def db_value(database: Path | str, sql: str) -> Any:
    return db_rows(database, sql)[0][0]


async def click(user: EmulatedUser, message: ChatMessage, label: str, seen: list[str]) -> None:
    """Press a button, remembering every payload the message showed before."""
    seen.extend(payloads(message))
    await user.click(label, message=message)
    await user.wait_for_edit(message)


@asynccontextmanager
async def bench_for(
    emu: BotApiEmulator, database: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Bench]:
    """Three sessions, two drafts, a used invite and people in every situation; the bot runs."""
    created = await create_session_with_cli(emu, database)  # school A, session A
    today = today_in(RIGA)
    clock = FixedClock(datetime.now(UTC))
    db = await Database.open(database)
    try:
        other = await create_session(
            db,
            bank=BANK,
            now=clock.now(),
            school_name="Otra skola",
            coordinator_id=COORDINATOR_B,
            level="primary",
            start=today,
            end=today + timedelta(days=9),
            timezone=RIGA,
        )
        future = await create_session(
            db,
            bank=BANK,
            now=clock.now(),
            school_name="Nākotnes skola",
            coordinator_id=None,
            level="vet",
            start=today + timedelta(days=3),
            end=today + timedelta(days=12),
            timezone=RIGA,
        )
    finally:
        await db.close()
    bot_settings = load_settings(
        None,
        bot_token=TOKEN,
        api_url=emu.base_url,
        database=database,
        rate_limit=False,
        admins=str(ADMIN),
        tick_seconds=3600,
    )
    caplog.set_level(logging.WARNING)
    async with polling(build_application(bot_settings, clock=clock), poll_timeout=1) as app:
        await first_tick_done(app)
        bench = Bench(
            emu=emu,
            database=database,
            application=app,
            caplog=caplog,
            loop=asyncio.get_running_loop(),
            session_a=created["session_id"],
            session_b=other.session_id,
            session_c=future.session_id,
            school_a=db_value(
                database, f"SELECT school_id FROM sessions WHERE id = {created['session_id']}"
            ),
            school_b=other.school_id,
        )
        bench.tokens |= {f"a.{p}": token_of(link) for p, link in created["links"].items()}
        bench.tokens |= {f"b.{p}": token for p, token in other.invites.items()}
        bench.tokens |= {f"c.{p}": token for p, token in future.invites.items()}
        users = bench.users
        for name, user_id in (
            ("outsider_en", OUTSIDER_EN),
            ("outsider_lv", OUTSIDER_LV),
            ("midway", MIDWAY),
            ("finished", FINISHED),
            ("coordinator_a", COORDINATOR_A),
            ("coordinator_b", COORDINATOR_B),
            ("admin", ADMIN),
        ):
            users[name] = emu.user(user_id, language_code=LANGUAGE_OF[name])
        seen: dict[str, list[str]] = {name: [] for name in users}

        # Strangers have a hint message each, to press forged buttons on.
        for name in ("outsider_en", "outsider_lv"):
            bench.targets[name] = [await say(users[name], "hi")]

        # A teacher at statement 3, with an older message still showing statement 1.
        midway = users["midway"]
        await midway.open_link(created["links"]["teacher"])
        _, old = await midway.wait_for_messages(2)
        current = await say(midway, "where was I?")
        await click(midway, current, "5", seen["midway"])
        await click(midway, current, "N/A", seen["midway"])
        seen["midway"] += payloads(old)
        bench.targets["midway"] = [old, current]
        bench.statement = current.content
        answer = decode(current.button("1").callback_data)
        assert isinstance(answer, Answer)
        bench.midway_code = answer.code

        # A student who completed, having seen every payload of the questionnaire.
        finished = users["finished"]
        await finished.open_link(created["links"]["student"])
        _, statement = await finished.wait_for_messages(2)
        while any(b.text.startswith("N/A") for b in statement.buttons):
            await click(finished, statement, "3", seen["finished"])
        bench.targets["finished"] = [statement]

        # Coordinator A: a draft waiting for an own statement's text.
        coordinator_a = users["coordinator_a"]
        screen = await say(coordinator_a, "/newsession")
        await click(coordinator_a, screen, "Vidējā", seen["coordinator_a"])  # upper secondary
        await click(coordinator_a, screen, "✏️", seen["coordinator_a"])
        await click(coordinator_a, screen, "➕", seen["coordinator_a"])
        seen["coordinator_a"] += payloads(screen)
        bench.draft_a = db_value(
            database, f"SELECT id FROM session_drafts WHERE owner = {COORDINATOR_A}"
        )

        # Coordinator B: a draft waiting for the first day; their sessions and their team.
        coordinator_b = users["coordinator_b"]
        screen = await say(coordinator_b, "/newsession")
        await click(coordinator_b, screen, "Primary", seen["coordinator_b"])
        await click(coordinator_b, screen, "Next: dates", seen["coordinator_b"])
        sessions = await say(coordinator_b, "/sessions")
        team = await say(coordinator_b, "/coordinators")
        for message in (screen, sessions, team):
            seen["coordinator_b"] += payloads(message)
        bench.draft_b = db_value(
            database, f"SELECT id FROM session_drafts WHERE owner = {COORDINATOR_B}"
        )
        bench.targets["coordinator_b"] = [screen, sessions, team]

        # An admin's invite to school B, already redeemed.
        invite = await say(users["admin"], "/invite Otra skola")
        link = next(word for word in invite.content.split() if word.startswith("https://t.me/"))
        bench.used_invite = token_of(link)
        joined = emu.user(JOINED_B, language_code="en")
        await joined.open_link(link)
        assert "Otra skola" in (await joined.wait_for_message()).content

        # Old payloads: the participants' own ones that are no longer live, and everyone's.
        for name, pool in seen.items():
            bench.replays[name] = sorted({p for p in pool if not bench.legit_button(name, p)})
        assert bench.replays["midway"] and bench.replays["finished"]

        await bench.settle()
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
        assert app.job_queue is not None
        soon = datetime.now(UTC) + timedelta(minutes=5)
        due = [job.name for job in app.job_queue.jobs() if job.next_t and job.next_t < soon]
        assert not due, f"scheduled jobs would run during the fuzzing: {due}"
        yield bench


def fuzz(
    strategy: st.SearchStrategy[T], check: Callable[[T], None], examples: int
) -> Callable[[], None]:
    """A hypothesis run of `check` over `strategy`, for a worker thread (asyncio.to_thread)."""

    @settings(SETTINGS, max_examples=examples)
    @given(strategy)
    def run(case: T) -> None:
        check(case)

    return run


# -- assertions -----------------------------------------------------------------------------------


def assert_harmless(observation: Observation, case: object) -> None:
    """No escaped exception, nothing written, nobody else disturbed, no error text."""
    where = f"{case!r}: {observation.describe()}"
    loud = [
        r
        for r in observation.records
        if r.levelno >= logging.ERROR
        or (r.levelno >= logging.WARNING and r.name.split(".")[0] in ("bot", "telegram"))
    ]
    assert not loud, where
    assert not [e for e in observation.api_errors if "not modified" not in e], where
    assert not observation.changed_tables, where
    assert observation.elsewhere == 0, where
    shown = [m.content for m in observation.new_messages + observation.edited]
    shown += [a.text or "" for a in observation.answers]
    assert not ERROR_TEXTS.intersection(shown), where


def assert_one_short_reply(
    observation: Observation, case: object, *, long_ok: Iterable[str] = ()
) -> ChatMessage:
    where = f"{case!r}: {observation.describe()}"
    assert len(observation.new_messages) == 1, where
    # A reply that shows the statement again takes the buttons off the older card.
    assert all(not m.buttons for m in observation.edited), where
    assert not observation.answers, where
    (reply,) = observation.new_messages
    assert reply.content.strip(), where
    assert (
        len(reply.content) <= SHORT_REPLY
        or reply.content in set(long_ok)
        or reply.content.startswith(LONG_REPLIES)
    ), where
    return reply


def assert_one_answer(
    observation: Observation, query_id: str, case: object, *, silent_ok: bool = False
) -> CallbackAnswer:
    where = f"{case!r}: {observation.describe()}"
    assert len(observation.answers) == 1, where
    (answer,) = observation.answers
    assert answer.callback_query_id == query_id, where
    assert silent_ok or (answer.text or "").strip(), where
    assert len(answer.text or "") <= MAX_ALERT_CHARS, where
    assert not observation.new_messages, where
    return answer


def is_nop(data: str) -> bool:
    """The calendar's filler buttons (weekday names, blank days) answer without a text."""
    action = decode_coordination(data)
    return isinstance(action, DraftAction) and action.op == DraftOp.NOTHING


# -- strategies that need the bench ---------------------------------------------------------------

OPS = sorted({op.value for ops in (DraftOp, SessionOp, SchoolOp) for op in ops})


def forged_data(bench: Bench) -> st.SearchStrategy[str]:
    """Forged and garbled button payloads (1-64 bytes, as Telegram allows): near-valid
    mutations of the participants' and the coordinators' formats, real payloads replayed by
    someone else, and noise."""
    sessions = st.one_of(
        st.sampled_from([bench.session_a, bench.session_b, bench.session_c]).map(str), numbers()
    )
    codes = st.one_of(
        st.sampled_from(REAL_CODES),
        st.from_regex(r"[A-HS][0-9]{1,2}", fullmatch=True),
        st.sampled_from(["", "Z1", "a1", "A", "S11", "A1:3", "A01"]),
        hostile_text(2),
    )
    values = st.one_of(
        st.integers(0, 5).map(str), st.sampled_from(["6", "9", "-1", "10", "x", "", "05", "²"])
    )
    participant = st.one_of(
        st.builds("a:{}:{}:{}".format, sessions, codes, values),
        st.builds("b:{}:{}".format, sessions, codes),
        st.builds("h:{}:{}:{}".format, sessions, codes, st.sampled_from(["0", "1", "2", ""])),
        st.builds("{}:{}".format, st.sampled_from("cmzCM"), sessions),
        st.builds("l:{}".format, st.sampled_from(["de", "LV", "xx", "", "lvv", "ru", "l:lv"])),
    )
    garbled = st.builds(
        lambda kind, target, op, arg: f"{kind}:{target}:{op}" + (f":{arg}" if arg else ""),
        st.sampled_from(["d", "s", "k", "D", "x", ""]),
        st.one_of(sessions, numbers()),
        st.one_of(st.sampled_from(OPS), st.sampled_from(["zz", "A", "stt", "toolong", ""])),
        st.one_of(
            st.just(""),
            st.sampled_from(["202613", "202600", "999912", "20260230", "S11", "teacher.de"]),
            numbers(),
            hostile_text(2),
        ),
    )
    replayed = st.sampled_from(sorted({p for pool in bench.replays.values() for p in pool}))
    garbage = st.one_of(hostile_text(16), binary_looking())
    return st.one_of(participant, garbled, replayed, garbage).filter(fits_callback)


def aimed_data(bench: Bench) -> st.SearchStrategy[str]:
    """Well-formed coordinator payloads, every operation, aimed at the sessions, drafts and
    schools of others (and at ones that do not exist)."""
    targets = {
        "d": [bench.draft_a, bench.draft_b, bench.draft_b + 100],
        "s": [bench.session_a, bench.session_b, bench.session_c, bench.session_c + 100],
        "k": [bench.school_a, bench.school_b, bench.school_b + 100],
    }
    today = today_in(RIGA)
    arguments = {
        "lvl": ["primary", "vet", "upper-secondary"],
        "opt": ["A", "H"],
        "tog": ["A6", "B9", "H1"],
        "ov": ["S1", "S10"],
        "oe": ["S1.text", "S2.groups"],
        "od": ["S3"],
        "oa": ["C"],
        "og": ["leader", "student"],
        "cal": [f"{today:%Y%m}", "209912"],
        "day": [f"{today + timedelta(days=1):%Y%m%d}", f"{today:%Y%m%d}"],
        "pv": ["", "leader.lv", "student.en"],
        "rm": [str(COORDINATOR_A), str(JOINED_B), "1"],
        "rmy": [str(COORDINATOR_A), str(JOINED_B), "1"],
    }

    def well_formed(kind: str, ops: Iterable[str]) -> st.SearchStrategy[str]:
        def payload(target: int, op: str, pick: int) -> str:
            choices = arguments.get(op, [""])
            arg = choices[pick % len(choices)]
            return f"{kind}:{target}:{op}" + (f":{arg}" if arg else "")

        return st.builds(
            payload, st.sampled_from(targets[kind]), st.sampled_from(sorted(ops)), st.integers(0, 2)
        )

    return st.one_of(
        well_formed("d", (op.value for op in DraftOp)),
        well_formed("s", (op.value for op in SessionOp)),
        well_formed("k", (op.value for op in SchoolOp)),
    )


def own_old_buttons(bench: Bench) -> st.SearchStrategy[tuple[str, str, int]]:
    """The participants' own buttons, replayed after the questionnaire moved on or ended, on
    the message they came from or on the current one."""
    return st.one_of(
        *(
            st.tuples(st.just(owner), st.sampled_from(bench.replays[owner]), st.integers(0, 1))
            for owner in ("midway", "finished")
        )
    )


def invalid_own_draft_buttons(bench: Bench) -> st.SearchStrategy[str]:
    """Forged buttons on coordinator B's own draft (waiting for its first day) that no screen
    of the draft offers now: each is refused, and the draft stays as it was."""
    d = bench.draft_b
    today = today_in(RIGA)

    def real_date(text: str) -> bool:
        try:
            date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return False
        return True

    bad_months = st.one_of(
        st.builds(
            "{:04d}{:02d}".format, st.integers(0, 9999), st.sampled_from([0, *range(13, 100)])
        ),
        st.builds(
            "{:04d}{:02d}".format,
            st.sampled_from([0, 1, 1000, 1999, 2100, 9998, 9999]),
            st.integers(1, 12),
        ),
    )
    impossible_days = st.builds(
        "{:04d}{:02d}{:02d}".format, st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)
    ).filter(lambda text: not real_date(text))
    past_days = st.dates(date(2000, 1, 1), today - timedelta(days=1)).map("{:%Y%m%d}".format)
    far_days = st.dates(date(2100, 1, 1)).map("{:%Y%m%d}".format)
    optional = {s.code for s in BANK.optional("primary")}
    unknown = st.from_regex(r"[A-H][0-9]{1,2}", fullmatch=True).filter(lambda c: c not in optional)
    own = st.integers(1, MAX_OWN_STATEMENTS).map("S{}".format)
    parts = st.sampled_from(["text", "help", "area", "groups"])
    return st.one_of(
        bad_months.map(lambda month: f"d:{d}:cal:{month}"),
        st.one_of(impossible_days, past_days, far_days).map(lambda day: f"d:{d}:day:{day}"),
        unknown.map(lambda code: f"d:{d}:tog:{code}"),
        own.map(lambda code: f"d:{d}:od:{code}"),
        st.builds(lambda code, part: f"d:{d}:oe:{code}.{part}", own, parts),
        st.sampled_from(AREA_CODES).map(lambda area: f"d:{d}:oa:{area}"),
        st.sampled_from(PROFILES).map(lambda profile: f"d:{d}:og:{profile}"),
        st.sampled_from(
            ["ogd", "go", "rev", "zz", "pv", "card", "lvl:university", "lvl", "tog", "cal", "day"]
        ).map(lambda op: f"d:{d}:{op}"),
    )


def commands(bench: Bench) -> st.SearchStrategy[str]:
    """Every command and some unknown ones, with or without a bot name, with random
    arguments: numbers, other sessions' numbers, names, hostile, huge and binary text."""
    names = st.one_of(st.sampled_from(COMMANDS), st.sampled_from(UNKNOWN_COMMANDS))
    suffixes = st.sampled_from(["", "", f"@{USERNAME}", "@other_bot", "@"])
    separators = st.sampled_from([" ", "  ", "\n", "\t", " \u200b"])
    ids = [bench.session_a, bench.session_b, bench.session_c, bench.school_a, bench.school_b]
    arguments = st.one_of(
        st.just(""),
        numbers(),
        numbers().map("#{}".format),
        st.sampled_from(ids).map(str),
        st.sampled_from(["Otra skola", "E2E skola", "Nākotnes skola", "<b>x</b>", "{school}"]),
        hostile_text(8),
        huge(hostile_text(3)),
        binary_looking(),
    )
    return st.builds(
        lambda name, suffix, separator, argument: within_message_limit(
            f"/{name}{suffix}{separator}{argument}" if argument else f"/{name}{suffix}"
        ),
        names,
        suffixes,
        separators,
        arguments,
    )


def foreign_session_commands(bench: Bench) -> st.SearchStrategy[str]:
    """A coordinator's commands about sessions that are not theirs (numbers their school has
    not given, other schools' ids among them), and the admins' commands."""
    others = st.one_of(
        st.sampled_from([bench.session_a, bench.session_c, bench.session_c + 100]).map(str),
        st.sampled_from([bench.session_a, bench.session_c]).map("#{}".format),
        numbers(),
        hostile_text(4),
    )

    def names_own_session(text: str) -> bool:
        arguments = text.split()[1:]  # as the command handler reads them
        if not arguments:
            return True  # then the command is about the coordinator's only session
        number = SESSION_NUMBER.fullmatch(arguments[0])
        # Numbers are the school's: session B is the first, number 1, of Otra skola.
        return number is not None and int(number[1]) == 1

    session_command = st.builds(
        "/{} {}".format, st.sampled_from(["status", "preview", "links", "results"]), others
    ).filter(lambda text: not names_own_session(text))
    admin_command = st.builds(
        "/{} {}".format,
        st.sampled_from(["addschool", "invite", "schools"]),
        st.one_of(st.sampled_from(["Otra skola", "E2E skola", "Jauna skola"]), hostile_text(4)),
    )
    return st.one_of(session_command, admin_command).map(within_message_limit)


def deep_links(bench: Bench) -> st.SearchStrategy[tuple[str, str]]:
    """("link", payload) opened as a t.me link, or ("typed", text) sent as "/start <text>":
    random and mutated tokens, real tokens of other groups and sessions, a used coordinator
    invite, and anything at all typed after /start."""
    real = sorted({*bench.tokens.values(), bench.used_invite})
    payload_like = st.one_of(
        st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
        st.builds(
            mutate,
            st.sampled_from(real),
            st.integers(0, 64),
            st.sampled_from(["", *PAYLOAD_ALPHABET]),
        ),
    )
    typed = st.one_of(hostile_text(8), huge(hostile_text(3)), binary_looking())
    return st.one_of(
        st.tuples(st.just("link"), payload_like),
        st.tuples(st.just("link"), st.sampled_from(real)),
        st.tuples(st.just("typed"), typed.map(lambda text: within_message_limit(f"/start {text}"))),
    )


# -- the tests ------------------------------------------------------------------------------------


@on_both_engines
async def test_forged_garbled_and_replayed_buttons_change_nothing(
    emu: BotApiEmulator, database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with bench_for(emu, database, caplog) as bench:

        def press(actor: str, data: str, where: int) -> tuple[Observation, str]:
            user = bench.users[actor]
            targets = bench.targets[actor]
            target = targets[where % len(targets)]
            query: list[str] = []

            async def act() -> None:
                query.append(await user.press(target, data, force=True))

            return bench.run(bench.observe(user, act)), query[0]

        def not_theirs(case: tuple[str, str, int]) -> None:
            actor, data, where = case
            assume(not bench.legit_button(actor, data))
            observation, query_id = press(actor, data, where)
            assert_harmless(observation, case)
            assert_one_answer(observation, query_id, case, silent_ok=is_nop(data))
            for message in observation.edited:  # a stale button's message, brought up to date
                assert actor == "midway", (case, observation.describe())
                assert message.content == bench.statement, (case, observation.describe())

        def own_draft(data: str) -> None:
            observation, query_id = press("coordinator_b", data, 0)
            assert_harmless(observation, data)
            answer = assert_one_answer(observation, query_id, data)
            assert answer.show_alert, (data, observation.describe())
            assert not observation.edited, (data, observation.describe())

        anyone = st.sampled_from(BUTTON_ACTORS)
        where = st.integers(0, 2)
        forged = st.tuples(anyone, forged_data(bench), where)
        await asyncio.to_thread(fuzz(forged, not_theirs, 80))
        aimed = st.tuples(anyone, aimed_data(bench), where)
        await asyncio.to_thread(fuzz(aimed, not_theirs, 60))
        await asyncio.to_thread(fuzz(own_old_buttons(bench), not_theirs, 40))
        await asyncio.to_thread(fuzz(invalid_own_draft_buttons(bench), own_draft, 60))

    # The replayed buttons really were old ones: nobody moved on.
    positions = db_rows(
        database,
        "SELECT p.telegram_id, g.position FROM participants p"
        " JOIN progress g ON g.participant_id = p.id",
    )
    assert positions == [(MIDWAY, 2)]


@on_both_engines
async def test_hostile_commands_deep_links_and_free_text_change_nothing(
    emu: BotApiEmulator, database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    t = texts()
    async with bench_for(emu, database, caplog) as bench:
        long_ok = {*HELP_TEXTS, bench.statement}

        def send(actor: str, text: str) -> Observation:
            user = bench.users[actor]

            async def act() -> None:
                await user.send(text)

            return bench.run(bench.observe(user, act))

        # Commands, from people who are neither coordinators nor admins.
        def command(case: tuple[str, str]) -> None:
            actor, text = case
            observation = send(actor, text)
            assert_harmless(observation, case)
            assert_one_short_reply(observation, case, long_ok=long_ok)

        await asyncio.to_thread(
            fuzz(st.tuples(st.sampled_from(MESSAGE_ACTORS), commands(bench)), command, 80)
        )

        # A coordinator asking about other schools' sessions, or for an admin's powers.
        def foreign(text: str) -> None:
            observation = send("coordinator_b", text)
            assert_harmless(observation, text)
            assert_one_short_reply(observation, text)

        await asyncio.to_thread(fuzz(foreign_session_commands(bench), foreign, 30))

        # Deep links.
        def deep_link(case: tuple[str, tuple[str, str]]) -> None:
            actor, (how, value) = case
            name = {token: name for name, token in bench.tokens.items()}.get(
                value if how == "link" else ""
            )
            if name is not None:
                # A stranger following a real invite joins, which is no hostile input, and a
                # participant's own link resumes their questionnaire.
                assume(name.startswith("c.") or actor in ("midway", "finished"))
                assume(name.startswith(("a.", "c.")) and (actor, name) != ("midway", "a.teacher"))
            user = bench.users[actor]

            async def act() -> None:
                if how == "link":
                    await user.start(value)
                else:
                    await user.send(value)

            observation = bench.run(bench.observe(user, act))
            assert_harmless(observation, case)
            reply = assert_one_short_reply(observation, case, long_ok=long_ok).content
            language = LANGUAGE_OF[actor]
            own_group = {"midway": "teacher", "finished": "student"}.get(actor)
            if how == "link" and value == bench.used_invite:
                assert reply == t(language, "team.used"), (case, reply)
            elif how == "link" and name is None:
                assert reply == t(language, "start.invalid_link"), (case, reply)
            elif name is not None and name.startswith("c."):
                opens = today_in(RIGA) + timedelta(days=3)
                assert "Nākotnes skola" in reply and day(opens, language) in reply, (case, reply)
            elif name == f"a.{own_group}":
                assert reply == t(language, "start.already_completed"), (case, reply)
            elif name is not None and own_group is not None:
                group = group_name(language, own_group)  # type: ignore[arg-type]
                assert reply == t(language, "start.other_group", group=group), (case, reply)

        await asyncio.to_thread(
            fuzz(st.tuples(st.sampled_from(MESSAGE_ACTORS), deep_links(bench)), deep_link, 60)
        )

        # Free text: from strangers, participants, and a coordinator whose draft waits for a
        # date (and gets none it can read).
        def free(case: tuple[str, str]) -> None:
            actor, message = case
            if actor == "coordinator_b":
                assume(typed_dates(message) is None)
            observation = send(actor, message)
            assert_harmless(observation, case)
            reply = assert_one_short_reply(observation, case, long_ok=long_ok).content
            language = LANGUAGE_OF[actor]
            expected = {
                "outsider_en": t(language, "start.no_link"),
                "outsider_lv": t(language, "start.no_link"),
                "midway": bench.statement,
                "finished": t(language, "start.already_completed"),
                "coordinator_b": t(language, "draft.bad_typed_date"),
            }[actor]
            assert reply == expected, (case, reply)

        actors = st.sampled_from([*MESSAGE_ACTORS, "coordinator_b"])
        await asyncio.to_thread(fuzz(st.tuples(actors, free_text()), free, 80))

        # Dates typed for the first day that the rules refuse.
        refusals = {
            t(language, key)
            for language in LANGUAGES
            for key in (
                "draft.bad_typed_date",
                "period.end_before_start",
                "period.too_short",
                "period.too_long",
                "period.starts_in_past",
            )
        }

        def first_day(message: str) -> None:
            observation = send("coordinator_b", message)
            assert_harmless(observation, message)
            reply = assert_one_short_reply(observation, message).content
            assert reply in refusals, (message, reply)

        await asyncio.to_thread(fuzz(refused_dates(), first_day, 40))

        # An own statement's text, far too long.
        def own_statement(message: str) -> None:
            observation = send("coordinator_a", message)
            assert_harmless(observation, message)
            reply = assert_one_short_reply(observation, message).content
            length = len(" ".join(message.split()))
            assert reply == t(
                "lv",
                "draft.error.text_too_long",
                length=length,
                limit=MAX_TEXT_CHARS,
                max_own=MAX_OWN_STATEMENTS,
            ), (message, reply)

        too_long = huge(hostile_text(4)).filter(
            lambda m: len(" ".join(m.split())) > MAX_TEXT_CHARS and not m.startswith("/")
        )
        await asyncio.to_thread(fuzz(too_long, own_statement, 30))

        # An own statement's text with a control character or a bidi override in it.
        def hidden_in_statement(message: str) -> None:
            observation = send("coordinator_a", message)
            assert_harmless(observation, message)
            reply = assert_one_short_reply(observation, message).content
            character = code_point(first_hidden(message))
            assert reply == t("lv", "input.control_character", character=character), (
                message,
                reply,
            )

        hidden_statements = with_hidden(hostile_text(8)).filter(
            lambda m: 0 < len(" ".join(m.split())) <= MAX_TEXT_CHARS and not m.startswith("/")
        )
        await asyncio.to_thread(fuzz(hidden_statements, hidden_in_statement, 30))

        # A school an admin adds with a control character or a bidi override in its name.
        def hidden_in_school(name: str) -> None:
            message = within_message_limit(f"/addschool {name}")
            observation = send("admin", message)
            assert_harmless(observation, message)
            reply = assert_one_short_reply(observation, message).content
            character = code_point(first_hidden(" ".join(message.split()[1:])))
            assert reply == t("en", "input.control_character", character=character), (
                message,
                reply,
            )

        await asyncio.to_thread(fuzz(with_hidden(hostile_text(8)), hidden_in_school, 20))

        # Session numbers that no session can have: 0, and past SQLite's integers.
        def out_of_range(message: str) -> None:
            observation = send("coordinator_b", message)
            assert_harmless(observation, message)
            reply = assert_one_short_reply(observation, message).content
            assert reply == t("en", "sessions.bad_number"), (message, reply)

        impossible = st.one_of(
            st.integers(MAX_RECORD_ID + 1, 10**40).map(str), st.sampled_from(["0", "00", "#0"])
        )
        commands_with_numbers = st.builds(
            "/{} {}{}".format,
            st.sampled_from(["status", "preview", "links", "results"]),
            st.sampled_from(["", "#"]),
            impossible,
        )
        await asyncio.to_thread(fuzz(commands_with_numbers, out_of_range, 20))
