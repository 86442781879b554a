"""The anonymous side: completed responses and their answers, and nothing about who or when.

A response is written here whole, at completion, under a fresh random id that nothing on the
person's side ever held, and moves a few others of its group to new ids (bot/storage/mixing.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.storage.engine import Connection
from bot.storage.mixing import others, random_id, shuffle
from bot.surveys.vocabulary import Profile


async def _new_row(
    connection: Connection, *, session_id: int, profile: Profile, background: str
) -> int:
    while True:
        response_id = random_id()
        cursor = await connection.execute(
            "INSERT INTO responses (id, session_id, profile, background) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (response_id, session_id, profile, background),
        )
        if cursor.rowcount == 1:
            return response_id


async def _moved(connection: Connection, old: int) -> None:
    """Response `old` under a new id, its answers with it."""
    rows = await connection.execute_fetchall(
        "SELECT session_id, profile, background FROM responses WHERE id = ?", (old,)
    )
    session_id, profile, background = next(iter(rows))
    new = await _new_row(connection, session_id=session_id, profile=profile, background=background)
    await connection.execute("UPDATE answers SET response_id = ? WHERE response_id = ?", (new, old))
    await connection.execute("DELETE FROM responses WHERE id = ?", (old,))


async def add_response(
    connection: Connection,
    *,
    session_id: int,
    profile: Profile,
    answers: Mapping[str, int],
    background: str = "",
) -> None:
    """Write one completed response (with the answers about the respondent, as encoded by
    bot/surveys/background.py), and move up to MIXED others of its group to new ids."""
    writes: list[int | None] = [
        None,  # the new response
        *await others(connection, "responses", session_id=session_id, profile=profile),
    ]
    shuffle(writes)
    for old in writes:
        if old is not None:
            await _moved(connection, old)
            continue
        new = await _new_row(
            connection, session_id=session_id, profile=profile, background=background
        )
        await connection.executemany(
            "INSERT INTO answers (response_id, code, value) VALUES (?, ?, ?)",
            [(new, code, value) for code, value in answers.items()],
        )
