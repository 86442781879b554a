"""Answers to the open question: on the anonymous side, apart from every response.

An answer names neither a response nor a person, and is written, like a response, under a
random id while a few others of its group move to new ones (bot/storage/mixing.py). On the
person's side, `open_pending` says only that someone who completed may still answer.
"""

from __future__ import annotations

from typing import cast

from bot.storage.database import fetch_all, fetch_one
from bot.storage.engine import Connection
from bot.storage.mixing import others, random_id, shuffle
from bot.surveys.vocabulary import Profile


async def _insert(connection: Connection, *, session_id: int, profile: Profile, text: str) -> None:
    while True:
        cursor = await connection.execute(
            "INSERT INTO open_answers (id, session_id, profile, text) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (random_id(), session_id, profile, text),
        )
        if cursor.rowcount == 1:
            return


async def add_open_answer(
    connection: Connection, *, session_id: int, profile: Profile, text: str
) -> None:
    writes: list[int | None] = [
        None,  # the new answer
        *await others(connection, "open_answers", session_id=session_id, profile=profile),
    ]
    shuffle(writes)
    for old in writes:
        if old is None:
            await _insert(connection, session_id=session_id, profile=profile, text=text)
            continue
        row = await fetch_one(connection, "SELECT text FROM open_answers WHERE id = ?", (old,))
        assert row is not None
        await connection.execute("DELETE FROM open_answers WHERE id = ?", (old,))
        await _insert(connection, session_id=session_id, profile=profile, text=row["text"])


async def open_answers(connection: Connection, *, session_id: int) -> dict[Profile, list[str]]:
    """A session's answers per group, in the order of their random ids."""
    rows = await fetch_all(
        connection,
        "SELECT profile, text FROM open_answers WHERE session_id = ? ORDER BY profile, id",
        (session_id,),
    )
    found: dict[Profile, list[str]] = {}
    for row in rows:
        found.setdefault(cast(Profile, row["profile"]), []).append(row["text"])
    return found


async def set_pending(connection: Connection, *, participant_id: int) -> None:
    await connection.execute(
        "INSERT INTO open_pending (participant_id) VALUES (?) ON CONFLICT DO NOTHING",
        (participant_id,),
    )


async def pending_card(connection: Connection, *, participant_id: int) -> tuple[bool, int | None]:
    """Whether the open question is before this participant, and the message that asks it."""
    row = await fetch_one(
        connection,
        "SELECT card_message_id FROM open_pending WHERE participant_id = ?",
        (participant_id,),
    )
    return (row is not None, row[0] if row is not None else None)


async def set_pending_card(
    connection: Connection, *, participant_id: int, message_id: int
) -> int | None:
    """Make `message_id` the message that asks the question; the one it replaces, if another."""
    _, previous = await pending_card(connection, participant_id=participant_id)
    await connection.execute(
        "UPDATE open_pending SET card_message_id = ? WHERE participant_id = ?",
        (message_id, participant_id),
    )
    return previous if previous != message_id else None


async def drop_pending(connection: Connection, *, participant_id: int) -> bool:
    cursor = await connection.execute(
        "DELETE FROM open_pending WHERE participant_id = ?", (participant_id,)
    )
    return cursor.rowcount == 1


async def drop_pending_of_session(connection: Connection, *, session_id: int) -> None:
    await connection.execute(
        "DELETE FROM open_pending WHERE participant_id IN"
        " (SELECT id FROM participants WHERE session_id = ?)",
        (session_id,),
    )
