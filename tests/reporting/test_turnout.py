from bot.clock import FixedClock
from bot.participation.outcomes import Progress
from bot.participation.service import Participation
from bot.reporting.service import load_results
from bot.reporting.turnout import GroupTurnout, nothing_to_show
from bot.sessions.service import CreatedSession
from bot.storage import Database
from bot.surveys.bank import Bank

from ..completions import complete


async def test_with_no_group_at_the_minimum_size_the_figures_per_group_come_instead(
    db: Database, bank: Bank, clock: FixedClock, session: CreatedSession
) -> None:
    await complete(db, session.session_id, {"teacher": 4, "leader": 1})
    participation = Participation(db=db, clock=clock, bank=bank)
    joined = await participation.join(
        token=session.invites["student"], telegram_id=77, chat_id=77, language="lv"
    )
    assert isinstance(joined, Progress)  # joined, not finished
    results = await load_results(db, session_id=session.session_id, bank=bank, min_group_size=5)
    assert results is not None
    empty = await nothing_to_show(db, results=results)
    assert empty is not None
    assert empty.session.id == session.session_id
    assert empty.min_group_size == 5
    assert empty.groups == (
        GroupTurnout("leader", completed=1, joined=1),
        GroupTurnout("teacher", completed=4, joined=4),
        GroupTurnout("student", completed=0, joined=1),
    )


async def test_a_group_at_the_minimum_size_means_there_are_results(
    db: Database, bank: Bank, session: CreatedSession
) -> None:
    await complete(db, session.session_id, {"teacher": 5, "leader": 1})
    results = await load_results(db, session_id=session.session_id, bank=bank, min_group_size=5)
    assert results is not None
    assert await nothing_to_show(db, results=results) is None


async def test_completed_questionnaires_count_though_their_people_are_gone(
    db: Database, bank: Bank, session: CreatedSession
) -> None:
    """After retention (or /forget) the participants are gone; the anonymous answers stay."""
    await complete(db, session.session_id, {"student": 3})
    async with db.transaction() as connection:
        await connection.execute("DELETE FROM participants")
    results = await load_results(db, session_id=session.session_id, bank=bank)
    assert results is not None
    empty = await nothing_to_show(db, results=results)
    assert empty is not None
    assert GroupTurnout("student", completed=3, joined=3) in empty.groups
