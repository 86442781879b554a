"""The questions about the person before the statements, and the open question after them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.clock import FixedClock
from bot.participation.outcomes import (
    AlreadyCompleted,
    BackgroundStep,
    JoinOutcome,
    OpenDone,
    OpenRefused,
    OpenStep,
    Progress,
    Recap,
    SessionClosed,
    Stale,
    StepOutcome,
)
from bot.participation.service import Participation
from bot.sessions.service import CreatedSession, create_session
from bot.storage import Database
from bot.storage import participants as participant_queries
from bot.storage.database import fetch_all
from bot.surveys.background import UNDISCLOSED, default_background
from bot.surveys.bank import Bank
from bot.surveys.open_questions import MAX_ANSWER_CHARS, OpenQuestion
from bot.surveys.respondents import RespondentQuestions

START, END = date(2026, 11, 23), date(2026, 12, 6)
USER = 2002


@pytest.fixture
def participation(db: Database, clock: FixedClock, bank: Bank) -> Participation:
    return Participation(db=db, clock=clock, bank=bank)


@pytest.fixture
async def asking(db: Database, bank: Bank, clock: FixedClock) -> CreatedSession:
    """An open session that asks the questions about the respondents, and teachers an open
    question of the coordinator's own, in Latvian."""
    own = OpenQuestion(profile="teacher", text="Kas jums palīdzētu?", language="lv")
    return await create_session(
        db,
        bank=bank,
        now=clock.now(),
        school_name="Cēsu ģimnāzija",
        coordinator_id=500,
        level="upper-secondary",
        start=START,
        end=END,
        timezone="Europe/Riga",
        questions=RespondentQuestions(background=True, open_questions=(own,)),
    )


async def join(participation: Participation, token: str, user: int = USER) -> JoinOutcome:
    return await participation.join(token=token, telegram_id=user, chat_id=user, language="en")


async def choose(
    participation: Participation, step: BackgroundStep, option: str, user: int = USER
) -> StepOutcome:
    return await participation.answer_background(
        telegram_id=user, session_id=step.session.id, question=step.question.key, option=option
    )


async def answer_all(
    participation: Participation, step: StepOutcome | JoinOutcome, user: int = USER
) -> StepOutcome | JoinOutcome:
    while isinstance(step, Progress):
        step = await participation.answer(
            telegram_id=user, session_id=step.session.id, code=step.item.code, value=4
        )
    return step


async def rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    async with db.read() as connection:
        return [tuple(row) for row in await fetch_all(connection, sql)]


async def test_the_block_comes_first_back_returns_to_it_and_the_response_keeps_its_answers(
    participation: Participation, asking: CreatedSession, db: Database
) -> None:
    asked = default_background().asked("teacher")
    first = await join(participation, asking.invites["teacher"])
    assert isinstance(first, BackgroundStep)
    assert (first.question, first.position, first.count) == (asked[0], 0, len(asked))
    second = await choose(participation, first, asked[0].options[1])
    assert isinstance(second, BackgroundStep) and second.question == asked[1]
    back = await participation.back_background(
        telegram_id=USER, session_id=asking.session_id, question=asked[1].key
    )
    assert isinstance(back, BackgroundStep) and back.previous == asked[0].options[1]
    again = await choose(participation, back, asked[0].options[0])  # changed on the way back
    assert isinstance(again, BackgroundStep)
    statement = await choose(participation, again, UNDISCLOSED)
    assert isinstance(statement, Progress)
    assert statement.position == 0 and statement.background_before

    # Back from the first statement: to the last question, with its answer marked.
    into_block = await participation.back(
        telegram_id=USER, session_id=asking.session_id, code=statement.item.code
    )
    assert isinstance(into_block, BackgroundStep) and into_block.previous == UNDISCLOSED
    # A statement's button is stale while the block is shown; the block's is after it.
    stale = await participation.answer(
        telegram_id=USER, session_id=asking.session_id, code=statement.item.code, value=3
    )
    assert isinstance(stale, Stale) and stale.progress == into_block
    resumed = await participation.resume(telegram_id=USER)
    assert resumed == into_block
    statement = await choose(participation, into_block, UNDISCLOSED)
    assert isinstance(statement, Progress) and statement.position == 0
    old_button = await choose(participation, into_block, asked[1].options[0])
    assert isinstance(old_button, Stale)

    recap = await answer_all(participation, statement)
    assert isinstance(recap, Recap)
    expected = f"{asked[0].key}={asked[0].options[0]},{asked[1].key}={UNDISCLOSED}"
    assert await rows(db, "SELECT profile, background FROM responses") == [("teacher", expected)]
    assert await rows(db, "SELECT count(*) FROM progress") == [(0,)]


async def test_a_forged_answer_or_question_changes_nothing(
    participation: Participation, asking: CreatedSession, db: Database
) -> None:
    first = await join(participation, asking.invites["student"])
    assert isinstance(first, BackgroundStep)
    forged = await choose(participation, first, "no_such_option")
    assert isinstance(forged, Stale) and forged.progress == first
    other = await participation.answer_background(
        telegram_id=USER, session_id=asking.session_id, question="teaching_years", option="from_5"
    )
    assert isinstance(other, Stale)
    assert await rows(db, "SELECT background, background_step FROM progress") == [("", 0)]


async def test_a_session_that_does_not_ask_starts_at_the_statements_with_no_way_back(
    participation: Participation, session: CreatedSession, db: Database
) -> None:
    first = await join(participation, session.invites["teacher"])
    assert isinstance(first, Progress) and not first.background_before
    same = await participation.back(
        telegram_id=USER, session_id=session.session_id, code=first.item.code
    )
    assert same == first
    recap = await answer_all(participation, first)
    assert isinstance(recap, Recap) and recap.open_question is None
    assert await rows(db, "SELECT background FROM responses") == [("",)]


async def complete_teacher(
    participation: Participation, asking: CreatedSession, user: int = USER
) -> Recap:
    step: StepOutcome | JoinOutcome = await join(participation, asking.invites["teacher"], user)
    while isinstance(step, BackgroundStep):
        step = await choose(participation, step, UNDISCLOSED, user)
    recap = await answer_all(participation, step, user)
    assert isinstance(recap, Recap)
    return recap


async def test_the_open_question_follows_completion_and_its_answer_is_kept_apart(
    participation: Participation, asking: CreatedSession, db: Database
) -> None:
    recap = await complete_teacher(participation, asking)
    assert isinstance(recap.open_question, OpenStep)
    assert recap.open_question.question.text == "Kas jums palīdzētu?"
    # The response is complete already; the question waits, after a restart too.
    assert await rows(db, "SELECT count(*) FROM responses") == [(1,)]
    assert isinstance(await participation.resume(telegram_id=USER), OpenStep)
    joined = await join(participation, asking.invites["teacher"])
    assert isinstance(joined, OpenStep)

    too_long = await participation.write(telegram_id=USER, text="x" * (MAX_ANSWER_CHARS + 1))
    assert isinstance(too_long, OpenRefused) and too_long.problem == "too_long"
    assert too_long.length == MAX_ANSWER_CHARS + 1
    unsafe = await participation.write(telegram_id=USER, text="Labi\u202e")
    assert isinstance(unsafe, OpenRefused) and unsafe.character == "\u202e"
    assert await rows(db, "SELECT count(*) FROM open_answers") == [(0,)]

    text = "  Vairāk laika kopīgai plānošanai.  "
    done = await participation.write(telegram_id=USER, text=text)
    assert isinstance(done, OpenDone) and not done.skipped
    assert await rows(db, "SELECT profile, text FROM open_answers") == [("teacher", text.strip())]
    columns = await rows(
        db,
        "SELECT name FROM pragma_table_info('open_answers')"
        if db.dialect == "sqlite"
        else "SELECT column_name FROM information_schema.columns WHERE table_name = 'open_answers'",
    )
    assert {c[0] for c in columns} == {"id", "session_id", "profile", "text"}
    assert await rows(db, "SELECT count(*) FROM open_pending") == [(0,)]
    # Answered once: another message is no second answer.
    assert isinstance(await participation.write(telegram_id=USER, text="Vēl"), AlreadyCompleted)
    assert await rows(db, "SELECT count(*) FROM open_answers") == [(1,)]


async def test_skipping_leaves_no_answer_and_the_close_ends_an_open_question(
    participation: Participation, asking: CreatedSession, db: Database, clock: FixedClock
) -> None:
    await complete_teacher(participation, asking)
    skipped = await participation.skip_open(telegram_id=USER, session_id=asking.session_id)
    assert isinstance(skipped, OpenDone) and skipped.skipped
    again = await participation.skip_open(telegram_id=USER, session_id=asking.session_id)
    assert isinstance(again, AlreadyCompleted)
    assert await rows(db, "SELECT count(*) FROM open_answers") == [(0,)]

    # Another teacher leaves the question open until the close: then it is gone.
    await complete_teacher(participation, asking, USER + 1)
    clock.set(clock.now() + timedelta(days=30))
    late = await participation.write(telegram_id=USER + 1, text="Par vēlu")
    assert isinstance(late, SessionClosed)
    async with db.transaction() as connection:
        await participant_queries.drop_unfinished(connection, session_id=asking.session_id)
    assert await rows(db, "SELECT count(*) FROM open_pending") == [(0,)]
    assert await rows(db, "SELECT count(*) FROM open_answers") == [(0,)]
    assert await rows(db, "SELECT count(*) FROM responses") == [(2,)]
