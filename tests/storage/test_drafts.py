from dataclasses import replace
from datetime import date, timedelta

from bot.clock import FixedClock
from bot.storage import Database
from bot.storage import drafts as draft_queries
from bot.storage import schools as school_queries
from bot.storage.records import PendingOwn
from bot.surveys.open_questions import OpenQuestion
from bot.surveys.questionnaire import OwnStatement
from bot.surveys.respondents import RespondentQuestions


async def test_a_draft_reads_back_as_saved(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as connection:
        school = await school_queries.insert_school(connection, name="A", now=clock.now())
        draft = await draft_queries.insert_draft(
            connection,
            owner=7,
            school_id=school.id,
            session_id=None,
            step="level",
            level=None,
            optional=frozenset(),
            own=(),
            start=None,
            end=None,
            timezone="Europe/Riga",
            now=clock.now(),
        )
    assert draft is not None
    own = OwnStatement("S2", "C", frozenset({"teacher", "student"}), "Mūsu “skola”", "")
    changed = replace(
        draft,
        step="dates",
        awaiting="end_date",
        level="vet",
        optional=frozenset({"A6", "C9"}),
        own=(own,),
        pending=PendingOwn(code=None, text="t", area="H", profiles=frozenset({"leader"})),
        start=date(2026, 11, 24),
        questions=RespondentQuestions(
            background=False,
            open_questions=(
                OpenQuestion("teacher", key="strength"),
                OpenQuestion("student", text="Kas “tev” palīdz?", language="lv"),
            ),
        ),
        writing_open="leader",
    )
    # A new draft asks about the respondents, and no open question, until told otherwise.
    assert draft.questions == RespondentQuestions(background=True)
    assert draft.writing_open is None
    clock.advance(timedelta(minutes=5))
    async with db.transaction() as connection:
        await draft_queries.save_draft(connection, draft=changed, now=clock.now())
    async with db.read() as connection:
        stored = await draft_queries.draft_of(connection, owner=7)
        nobody = await draft_queries.draft_of(connection, owner=8)
    assert nobody is None
    assert stored is not None
    assert stored == replace(changed, updated_at=clock.now())
    async with db.transaction() as connection:
        assert await draft_queries.delete_draft(connection, draft_id=draft.id)
        assert not await draft_queries.delete_draft(connection, draft_id=draft.id)


async def test_an_invite_is_claimed_once(db: Database, clock: FixedClock) -> None:
    async with db.transaction() as connection:
        school = await school_queries.insert_school(connection, name="A", now=clock.now())
        await school_queries.insert_coordinator_invite(
            connection,
            token="tok",
            school_id=school.id,
            created_by=None,
            now=clock.now(),
            expires_at=clock.now() + timedelta(hours=48),
        )
        assert await school_queries.use_coordinator_invite(
            connection, token="tok", telegram_id=5, now=clock.now()
        )
        assert not await school_queries.use_coordinator_invite(
            connection, token="tok", telegram_id=6, now=clock.now()
        )
        invite = await school_queries.coordinator_invite(connection, token="tok")
    assert invite is not None and invite.used_by == 5
