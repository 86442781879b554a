import asyncio
from datetime import date, timedelta

import pytest

from bot.clock import FixedClock
from bot.participation.outcomes import (
    AlreadyCompleted,
    InvalidLink,
    NotOpenYet,
    NotParticipating,
    OpeningAwaited,
    OtherGroup,
    Progress,
    Recap,
    SessionCancelled,
    SessionClosed,
    Stale,
    StepOutcome,
)
from bot.participation.service import Participation
from bot.sessions.service import CreatedSession, cancel_session_in, create_session
from bot.storage import Database
from bot.storage import sessions as session_queries
from bot.storage.database import fetch_all, fetch_one
from bot.surveys.bank import Bank
from bot.surveys.vocabulary import NOT_APPLICABLE

USER = 1001


@pytest.fixture
def participation(db: Database, clock: FixedClock, bank: Bank) -> Participation:
    return Participation(db=db, clock=clock, bank=bank)


async def join(participation: Participation, token: str, user: int = USER) -> Progress:
    outcome = await participation.join(token=token, telegram_id=user, chat_id=user, language="en")
    assert isinstance(outcome, Progress), outcome
    return outcome


async def answer(
    participation: Participation, progress: Progress, value: int, user: int = USER
) -> StepOutcome:
    return await participation.answer(
        telegram_id=user, session_id=progress.session.id, code=progress.item.code, value=value
    )


async def count(db: Database, sql: str) -> int:
    async with db.read() as connection:
        row = await fetch_one(connection, sql)
    assert row is not None
    return int(row[0])


async def test_joining_starts_at_the_first_statement(
    participation: Participation, session: CreatedSession, bank: Bank
) -> None:
    progress = await join(participation, session.invites["teacher"])
    assert progress.position == 0
    assert progress.profile == "teacher"
    assert progress.item.code == bank.core("upper-secondary", "teacher")[0].code
    assert progress.total == len(bank.core("upper-secondary", "teacher"))
    assert progress.previous_value is None


async def test_joining_again_resumes_and_another_group_is_refused(
    participation: Participation, session: CreatedSession
) -> None:
    first = await join(participation, session.invites["student"])
    second_step = await answer(participation, first, 4)
    assert isinstance(second_step, Progress) and second_step.position == 1
    again = await join(participation, session.invites["student"])
    assert again.position == 1
    other = await participation.join(
        token=session.invites["teacher"], telegram_id=USER, chat_id=USER, language="en"
    )
    assert other == OtherGroup(session=first.session, profile="student")


async def test_unknown_token(participation: Participation, session: CreatedSession) -> None:
    outcome = await participation.join(token="x" * 32, telegram_id=1, chat_id=1, language="lv")
    assert outcome == InvalidLink()


async def test_nothing_is_recorded_before_the_start_or_after_the_close(
    participation: Participation, db: Database, bank: Bank, clock: FixedClock
) -> None:
    later = await create_session(
        db,
        bank=bank,
        now=clock.now(),
        school_name="Later school",
        coordinator_id=1,
        level="primary",
        start=clock.now().date() + timedelta(days=3),
        end=clock.now().date() + timedelta(days=13),
        timezone="Europe/Riga",
    )
    early = await participation.join(
        token=later.invites["student"], telegram_id=USER, chat_id=USER, language="lv"
    )
    assert isinstance(early, NotOpenYet)
    clock.set(later.period.closes_at)
    late = await participation.join(
        token=later.invites["student"], telegram_id=USER, chat_id=USER, language="lv"
    )
    assert isinstance(late, SessionClosed)
    assert await count(db, "SELECT count(*) FROM participants") == 0
    assert await count(db, "SELECT count(*) FROM responses") == 0


async def test_an_answer_moves_on_and_a_repeated_tap_changes_nothing(
    participation: Participation, session: CreatedSession, db: Database
) -> None:
    first = await join(participation, session.invites["leader"])
    step = await answer(participation, first, 5)
    assert isinstance(step, Progress) and step.position == 1
    repeated = await answer(participation, first, 2)  # the same button pressed again
    assert isinstance(repeated, Stale)
    assert isinstance(repeated.progress, Progress) and repeated.progress.position == 1
    assert await count(db, "SELECT answers = 'A1=5' FROM progress") == 1
    assert await count(db, "SELECT count(*) FROM answers") == 0  # nothing complete yet


async def test_concurrent_taps_record_once(
    participation: Participation, session: CreatedSession, db: Database
) -> None:
    first = await join(participation, session.invites["teacher"])
    outcomes = await asyncio.gather(*(answer(participation, first, 3) for _ in range(5)))
    assert sum(isinstance(o, Progress) for o in outcomes) == 1
    assert sum(isinstance(o, Stale) for o in outcomes) == 4
    assert (
        await count(db, "SELECT length(answers) - length(replace(answers, '=', '')) FROM progress")
        == 1
    )
    assert await count(db, "SELECT position FROM progress") == 1


async def test_back_shows_the_previous_answer_and_returns_to_the_first_unanswered(
    participation: Participation, session: CreatedSession, db: Database
) -> None:
    progress = await join(participation, session.invites["teacher"])
    for value in (1, 2, 3):
        step = await answer(participation, progress, value)
        assert isinstance(step, Progress)
        progress = step
    assert progress.position == 3
    back = await participation.back(
        telegram_id=USER, session_id=progress.session.id, code=progress.item.code
    )
    assert isinstance(back, Progress)
    back = await participation.back(
        telegram_id=USER, session_id=back.session.id, code=back.item.code
    )
    assert isinstance(back, Progress)
    assert back.position == 1 and back.previous_value == 2
    changed = await answer(participation, back, NOT_APPLICABLE)
    assert isinstance(changed, Progress)
    assert changed.position == 3  # straight back to where they were
    async with db.read() as connection:
        rows = await fetch_all(connection, "SELECT answers FROM progress")
    assert sorted(rows[0][0].split(",")) == ["A1=1", "A2=0", "A3=3"]


async def test_back_on_the_first_statement_stays_there(
    participation: Participation, session: CreatedSession
) -> None:
    first = await join(participation, session.invites["student"])
    outcome = await participation.back(
        telegram_id=USER, session_id=first.session.id, code=first.item.code
    )
    assert isinstance(outcome, Progress) and outcome.position == 0


async def test_completion_recaps_and_cuts_the_link_to_the_person(
    participation: Participation, session: CreatedSession, db: Database, bank: Bank
) -> None:
    progress: object = await join(participation, session.invites["student"])
    values = [1, 2, 3, 4, 5, NOT_APPLICABLE]
    answered = 0
    while isinstance(progress, Progress):
        progress = await answer(participation, progress, values[answered % len(values)])
        answered += 1
    assert isinstance(progress, Recap)
    total = len(bank.core("upper-secondary", "student"))
    assert answered == total == progress.answered
    assert progress.not_applicable == total // 6
    assert await count(db, "SELECT count(*) FROM answers") == total
    assert await count(db, "SELECT count(*) FROM progress") == 0
    assert await count(db, "SELECT completed FROM participants") == 1
    # Nothing in the response rows says whose or when they are, nor does the participant's.
    async with db.read() as connection:
        # The column names of a table, in SQL both engines read.
        if db.dialect == "sqlite":
            columns_of = "SELECT name FROM pragma_table_info('{}')"
        else:
            columns_of = (
                "SELECT column_name AS name FROM information_schema.columns WHERE table_name = '{}'"
            )
        columns = await fetch_all(connection, columns_of.format("responses"))
        person = await fetch_all(connection, columns_of.format("participants"))
    # (`background`: the answers about the respondent, never a name or a time)
    assert {c["name"] for c in columns} == {"id", "session_id", "profile", "background"}
    assert not {c["name"] for c in person} & {"response_id", "completed_at"}
    again = await participation.join(
        token=session.invites["student"], telegram_id=USER, chat_id=USER, language="en"
    )
    assert isinstance(again, AlreadyCompleted)
    assert isinstance(await participation.resume(telegram_id=USER), AlreadyCompleted)


async def test_buttons_of_someone_else_or_after_the_close_change_nothing(
    participation: Participation, session: CreatedSession, db: Database, clock: FixedClock
) -> None:
    mine = await join(participation, session.invites["teacher"])
    stranger = await answer(participation, mine, 4, user=2002)
    assert stranger == NotParticipating()
    clock.set(session.period.closes_at + timedelta(seconds=1))
    late = await answer(participation, mine, 4)
    assert isinstance(late, SessionClosed)
    assert await count(db, "SELECT count(*) FROM answers") == 0


async def test_resume_finds_the_unfinished_questionnaire(
    participation: Participation, session: CreatedSession
) -> None:
    assert await participation.resume(telegram_id=USER) == NotParticipating()
    first = await join(participation, session.invites["leader"])
    await answer(participation, first, 3)
    resumed = await participation.resume(telegram_id=USER)
    assert isinstance(resumed, Progress) and resumed.position == 1


async def test_language_choice_reaches_the_participant(
    participation: Participation, session: CreatedSession
) -> None:
    first = await join(participation, session.invites["leader"])
    assert first.language == "en"
    await participation.set_language(telegram_id=USER, language="lv")
    assert await participation.language_of(telegram_id=USER) == "lv"
    resumed = await participation.resume(telegram_id=USER)
    assert isinstance(resumed, Progress) and resumed.language == "lv"


async def test_asking_to_be_told_of_the_opening_records_once_and_only_before_it(
    participation: Participation,
    session: CreatedSession,
    db: Database,
    bank: Bank,
    clock: FixedClock,
) -> None:
    later = await create_session(
        db, bank=bank, now=clock.now(), school_name="Cēsu skola", coordinator_id=600,
        level="vet", start=session.period.start + timedelta(days=3),
        end=session.period.start + timedelta(days=12), timezone="Europe/Riga",
    )  # fmt: skip
    token = later.invites["student"]

    async def ask(which: str = token) -> object:
        return await participation.await_opening(
            token=which, telegram_id=USER, chat_id=USER, language="lv"
        )

    first, again = await ask(), await ask()
    assert isinstance(first, OpeningAwaited) and first.profile == "student" and not first.already
    assert isinstance(again, OpeningAwaited) and again.already
    assert await count(db, "SELECT count(*) FROM opening_requests") == 1
    assert isinstance(await ask("no-such-token"), InvalidLink)
    # Once open, asking is joining; nothing more is recorded.
    assert isinstance(await ask(session.invites["teacher"]), Progress)
    assert await count(db, "SELECT count(*) FROM opening_requests") == 1
    clock.set(session.period.closes_at)
    assert isinstance(await ask(session.invites["leader"]), SessionClosed)


async def test_a_cancelled_session_s_links_answer_that_it_was_cancelled(
    participation: Participation, db: Database, bank: Bank, clock: FixedClock
) -> None:
    later = await create_session(
        db, bank=bank, now=clock.now(), school_name="Cēsu skola", coordinator_id=600,
        level="vet", start=date(2026, 12, 1), end=date(2026, 12, 10), timezone="Europe/Riga",
    )  # fmt: skip
    await participation.await_opening(
        token=later.invites["teacher"], telegram_id=USER, chat_id=USER, language="lv"
    )
    async with db.transaction() as connection:
        stored = await session_queries.session_by_id(connection, session_id=later.session_id)
        assert stored is not None
        await cancel_session_in(connection, session=stored, now=clock.now())
    assert await count(db, "SELECT count(*) FROM opening_requests") == 0
    for token in later.invites.values():
        joined = await participation.join(
            token=token, telegram_id=USER, chat_id=USER, language="lv"
        )
        assert isinstance(joined, SessionCancelled)
        asked = await participation.await_opening(
            token=token, telegram_id=USER, chat_id=USER, language="lv"
        )
        assert isinstance(asked, SessionCancelled)
    clock.set(later.period.opens_at + timedelta(days=1))  # not even once its dates have come
    joined = await participation.join(
        token=later.invites["teacher"], telegram_id=USER, chat_id=USER, language="lv"
    )
    assert isinstance(joined, SessionCancelled)
    assert await count(db, "SELECT count(*) FROM participants") == 0
