"""The person's side: participants, their unfinished questionnaires and their languages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple, cast

from bot.storage import open_answers as open_answer_queries
from bot.storage.database import dialect_of, fetch_all, fetch_one
from bot.storage.engine import Connection, Row
from bot.storage.records import Participant, Session, from_epoch, to_epoch
from bot.storage.responses import add_response
from bot.storage.sessions import session_columns, session_of
from bot.surveys.background import decode as decode_background
from bot.surveys.vocabulary import Language, Profile

_PARTICIPANT_COLUMNS = """
    id, session_id, telegram_id, chat_id, profile, language, joined_at, completed,
    reminders_muted, reminders_sent, unreachable
"""


_IN_JOIN = ", ".join(
    f"p.{name.strip()} AS {name.strip()}" for name in _PARTICIPANT_COLUMNS.split(",")
)


def _participant(row: Row) -> Participant:
    return Participant(
        id=row["id"],
        session_id=row["session_id"],
        telegram_id=row["telegram_id"],
        chat_id=row["chat_id"],
        profile=cast(Profile, row["profile"]),
        language=cast(Language, row["language"]),
        joined_at=from_epoch(row["joined_at"]),
        completed=bool(row["completed"]),
        reminders_muted=bool(row["reminders_muted"]),
        reminders_sent=row["reminders_sent"],
        unreachable=bool(row["unreachable"]),
    )


async def participant(
    connection: Connection, *, session_id: int, telegram_id: int
) -> Participant | None:
    row = await fetch_one(
        connection,
        f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE session_id = ? AND telegram_id = ?",
        (session_id, telegram_id),
    )
    return _participant(row) if row else None


async def participations(connection: Connection, *, telegram_id: int) -> list[Participant]:
    """Every session this person joined, the most recent first."""
    rows = await fetch_all(
        connection,
        f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE telegram_id = ?"
        " ORDER BY joined_at DESC, id DESC",
        (telegram_id,),
    )
    return [_participant(row) for row in rows]


async def insert_participant(
    connection: Connection,
    *,
    session_id: int,
    telegram_id: int,
    chat_id: int,
    profile: Profile,
    language: Language,
    now: datetime,
    background_step: int | None = None,
) -> Participant | None:
    """A new participant with an empty questionnaire in progress, at the first statement or
    at `background_step` of the questions about them; None when the person joined the session
    a moment ago (in another process)."""
    row = await fetch_one(
        connection,
        """
        INSERT INTO participants (session_id, telegram_id, chat_id, profile, language, joined_at)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, telegram_id) DO NOTHING RETURNING id
        """,
        (session_id, telegram_id, chat_id, profile, language, to_epoch(now)),
    )
    if row is None:
        return None
    participant_id = int(row[0])
    await connection.execute(
        "INSERT INTO progress (participant_id, background_step) VALUES (?, ?)",
        (participant_id, background_step),
    )
    return Participant(
        id=participant_id,
        session_id=session_id,
        telegram_id=telegram_id,
        chat_id=chat_id,
        profile=profile,
        language=language,
        joined_at=from_epoch(to_epoch(now)),
        completed=False,
        reminders_muted=False,
        reminders_sent=0,
        unreachable=False,
    )


def _encode(answers: Mapping[str, int]) -> str:
    return ",".join(f"{code}={value}" for code, value in answers.items())


def _decode(text: str) -> dict[str, int]:
    pairs = (item.partition("=") for item in text.split(",") if item)
    return {code: int(value) for code, _, value in pairs}


class Place(NamedTuple):
    """An unfinished questionnaire: where it stands and the message that shows it."""

    position: int  # the current statement's
    answers: dict[str, int]
    card: int | None  # the live card's message id
    background: Mapping[str, str] = MappingProxyType({})  # the answers about the person
    # The question about the person being shown, or None when a statement is.
    background_step: int | None = None


async def progress(
    connection: Connection, *, participant_id: int, lock: bool = False
) -> Place | None:
    """With `lock`, the row is held until the transaction ends (SQLite's write transactions
    hold the whole database anyway)."""
    held = " FOR UPDATE" if lock and dialect_of(connection) == "postgresql" else ""
    row = await fetch_one(
        connection,
        "SELECT position, answers, card_message_id, background, background_step FROM progress"
        " WHERE participant_id = ?" + held,
        (participant_id,),
    )
    if row is None:
        return None
    return Place(row[0], _decode(row[1]), row[2], decode_background(row[3]), row[4])


class Standing(NamedTuple):
    participant: Participant
    session: Session
    place: Place | None  # None once completed (or after the close)


_STANDING = f"""
    SELECT {_IN_JOIN}, {session_columns("s_")}, pr.position AS pr_position,
        pr.answers AS pr_answers, pr.card_message_id AS pr_card,
        pr.background AS pr_background, pr.background_step AS pr_background_step
    FROM participants p
    JOIN sessions s ON s.id = p.session_id
    JOIN schools sc ON sc.id = s.school_id
    {{join}} progress pr ON pr.participant_id = p.id
    WHERE p.session_id = ? AND p.telegram_id = ?
"""
_STANDING_ANY = _STANDING.format(join="LEFT JOIN")
# PostgreSQL locks no row on the nullable side of an outer join: the locked reading takes the
# usual case, a questionnaire in progress, and the plain one what is left.
_STANDING_HELD = _STANDING.format(join="JOIN") + " FOR UPDATE OF pr"


async def standing(
    connection: Connection, *, session_id: int, telegram_id: int, lock: bool = False
) -> Standing | None:
    """A participant, their session and their unfinished questionnaire, in one query. With
    `lock`, the questionnaire's row is held until the transaction ends, as `progress` holds it."""
    parameters = (session_id, telegram_id)
    row = None
    if lock and dialect_of(connection) == "postgresql":
        row = await fetch_one(connection, _STANDING_HELD, parameters)
    if row is None:
        row = await fetch_one(connection, _STANDING_ANY, parameters)
    if row is None:
        return None
    place = None
    if row["pr_answers"] is not None:
        place = Place(
            row["pr_position"],
            _decode(row["pr_answers"]),
            row["pr_card"],
            decode_background(row["pr_background"]),
            row["pr_background_step"],
        )
    return Standing(_participant(row), session_of(row, "s_"), place)


async def set_card(connection: Connection, *, participant_id: int, message_id: int) -> int | None:
    """Make `message_id` the live card; the one it replaces, if another."""
    row = await fetch_one(
        connection,
        "SELECT card_message_id FROM progress WHERE participant_id = ?",
        (participant_id,),
    )
    await connection.execute(
        "INSERT INTO progress (participant_id, card_message_id) VALUES (?, ?)"
        " ON CONFLICT (participant_id) DO UPDATE SET card_message_id = excluded.card_message_id",
        (participant_id, message_id),
    )
    previous = row[0] if row else None
    return previous if previous != message_id else None


async def save_progress(
    connection: Connection,
    *,
    participant_id: int,
    position: int,
    answers: Mapping[str, int],
    background: str = "",
    background_step: int | None = None,
) -> None:
    """Where the questionnaire stands now: `background` as bot/surveys/background.py encodes
    the answers about the person."""
    await connection.execute(
        "INSERT INTO progress (participant_id, position, answers, background, background_step)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (participant_id) DO UPDATE"
        " SET position = excluded.position, answers = excluded.answers,"
        " background = excluded.background, background_step = excluded.background_step",
        (participant_id, position, _encode(answers), background, background_step),
    )


async def complete(
    connection: Connection,
    *,
    participant: Participant,
    answers: Mapping[str, int],
    background: str = "",
    open_question: bool = False,
) -> bool:
    """Hand a finished questionnaire to the anonymous side and keep only a flag here (and,
    when the session has an open question for the group, that it is still before the person),
    in the caller's transaction; False when it was completed a moment ago (a second tap
    handled by another process). The caller purges the database afterwards (`Database.purge`)."""
    # The flag first: its row lock makes a second completion wait, then find it set.
    flagged = await connection.execute(
        "UPDATE participants SET completed = 1 WHERE id = ? AND completed = 0", (participant.id,)
    )
    if flagged.rowcount != 1:
        return False
    await add_response(
        connection,
        session_id=participant.session_id,
        profile=participant.profile,
        answers=answers,
        background=background,
    )
    if open_question:
        await open_answer_queries.set_pending(connection, participant_id=participant.id)
    await connection.execute("DELETE FROM progress WHERE participant_id = ?", (participant.id,))
    return True


async def drop_unfinished(connection: Connection, *, session_id: int) -> int:
    """Delete the unfinished questionnaires of a session, and the open questions still before
    people (at its close); how many questionnaires."""
    await open_answer_queries.drop_pending_of_session(connection, session_id=session_id)
    cursor = await connection.execute(
        "DELETE FROM progress WHERE participant_id IN"
        " (SELECT id FROM participants WHERE session_id = ? AND completed = 0)",
        (session_id,),
    )
    return cursor.rowcount


async def set_participant_language(
    connection: Connection, *, telegram_id: int, language: Language
) -> None:
    await connection.execute(
        "UPDATE participants SET language = ? WHERE telegram_id = ?", (language, telegram_id)
    )


async def user_language(connection: Connection, *, telegram_id: int) -> Language | None:
    row = await fetch_one(
        connection, "SELECT language FROM user_languages WHERE telegram_id = ?", (telegram_id,)
    )
    return cast(Language, row["language"]) if row else None


async def set_user_language(
    connection: Connection, *, telegram_id: int, language: Language
) -> None:
    await connection.execute(
        "INSERT INTO user_languages (telegram_id, language) VALUES (?, ?)"
        " ON CONFLICT (telegram_id) DO UPDATE SET language = excluded.language",
        (telegram_id, language),
    )


async def set_reminders_muted(
    connection: Connection, *, session_id: int, telegram_id: int, muted: bool
) -> bool:
    cursor = await connection.execute(
        "UPDATE participants SET reminders_muted = ? WHERE session_id = ? AND telegram_id = ?",
        (int(muted), session_id, telegram_id),
    )
    return cursor.rowcount == 1
