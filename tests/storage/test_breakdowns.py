"""The tallies behind the breakdowns, from real responses in a real SQLite file."""

from bot.sessions.service import CreatedSession
from bot.storage import Database
from bot.storage.breakdowns import background_tallies
from bot.storage.responses import add_response
from bot.surveys.breakdowns import AreaSums


async def test_responses_with_the_same_answers_are_counted_together(
    db: Database, session: CreatedSession
) -> None:
    responses = [
        ("teacher", "confidence=very", {"A1": 4, "A2": 0, "B1": 2, "S1": 5}),
        ("teacher", "confidence=very", {"A1": 2, "A2": 3, "B1": 0}),
        ("teacher", "confidence=fairly", {"A1": 0, "A2": 0, "B1": 5}),
        ("student", "confidence=very", {"B1": 1}),
        ("student", "", {"B1": 3}),
    ]
    async with db.transaction() as connection:
        for profile, background, answers in responses:
            await add_response(
                connection,
                session_id=session.session_id,
                profile=profile,  # type: ignore[arg-type]
                answers=answers,
                background=background,
            )
        found = await background_tallies(connection, session_id=session.session_id)
    by_key = {(t.profile, t.background): t for t in found}
    assert set(by_key) == {
        ("teacher", "confidence=very"),
        ("teacher", "confidence=fairly"),
        ("student", "confidence=very"),
        ("student", ""),
    }
    very = by_key["teacher", "confidence=very"]
    assert very.respondents == 2
    # N/A and the school's own statements (S1) are left out; A counts 2 people, 3 answers.
    assert very.areas == {"A": AreaSums(2, 3, 9), "B": AreaSums(1, 1, 2)}
    assert by_key["teacher", "confidence=fairly"].areas == {"B": AreaSums(1, 1, 5)}
    assert by_key["student", ""].respondents == 1
