"""What the database keeps about a person, removing it on request, and retention after a close.

A person's data is on the person's side only: participants (with an unfinished questionnaire
in `progress`), the deliveries addressed to their chat, their chosen language, their requests to
be told when a session opens, and, for a coordinator, their coordinator entries, drafts and the
invites they used or issued. Completed
responses are not theirs any more: nothing links them to anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.storage.database import fetch_all
from bot.storage.engine import Connection
from bot.storage.openings import sessions_awaited_by
from bot.storage.participants import participations as participations_of
from bot.storage.participants import user_language
from bot.storage.records import School, Session, to_epoch
from bot.storage.schools import schools_of
from bot.storage.sessions import session_by_id
from bot.surveys.vocabulary import Profile


@dataclass(frozen=True, slots=True)
class Participation:
    session: Session
    profile: Profile
    completed: bool


@dataclass(frozen=True, slots=True)
class Footprint:
    participations: list[Participation]
    schools: list[School]  # those this person coordinates
    # Schools that have a session not yet closed and no other coordinator than this person.
    sole_coordinator_of: list[School]
    language: str | None  # chosen with /language
    # Sessions this person asked to be told of when they open.
    awaited: list[Session] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return (
            not self.participations
            and not self.schools
            and self.language is None
            and not self.awaited
        )


async def footprint(connection: Connection, *, telegram_id: int) -> Footprint:
    participations = []
    for participant in await participations_of(connection, telegram_id=telegram_id):
        session = await session_by_id(connection, session_id=participant.session_id)
        assert session is not None
        participations.append(Participation(session, participant.profile, participant.completed))
    schools = await schools_of(connection, telegram_id=telegram_id)
    sole = await fetch_all(
        connection,
        """
        SELECT c.school_id FROM coordinators c
        WHERE c.telegram_id = ?
          AND NOT EXISTS (SELECT 1 FROM coordinators o
                          WHERE o.school_id = c.school_id AND o.telegram_id != c.telegram_id)
          AND EXISTS (SELECT 1 FROM sessions s
                      WHERE s.school_id = c.school_id AND s.status != 'closed'
                        AND s.cancelled_at IS NULL)
        """,
        (telegram_id,),
    )
    sole_ids = {row["school_id"] for row in sole}
    awaited = []
    for session_id in await sessions_awaited_by(connection, telegram_id=telegram_id):
        awaited_session = await session_by_id(connection, session_id=session_id)
        assert awaited_session is not None
        awaited.append(awaited_session)
    return Footprint(
        participations,
        schools,
        [s for s in schools if s.id in sole_ids],
        await user_language(connection, telegram_id=telegram_id),
        awaited,
    )


async def forget(connection: Connection, *, telegram_id: int) -> None:
    """Remove everything kept about this person, in the caller's transaction. Unfinished
    questionnaires go with them; completed responses stay, as anonymous as they were."""
    chats = [
        row["chat_id"]
        for row in await fetch_all(
            connection, "SELECT chat_id FROM participants WHERE telegram_id = ?", (telegram_id,)
        )
    ]
    await connection.executemany(
        "DELETE FROM deliveries WHERE recipient = ?", [(c,) for c in {telegram_id, *chats}]
    )
    await connection.execute("DELETE FROM participants WHERE telegram_id = ?", (telegram_id,))
    await connection.execute("DELETE FROM user_languages WHERE telegram_id = ?", (telegram_id,))
    await connection.execute("DELETE FROM opening_requests WHERE telegram_id = ?", (telegram_id,))
    await connection.execute("DELETE FROM coordinators WHERE telegram_id = ?", (telegram_id,))
    await connection.execute("DELETE FROM session_drafts WHERE owner = ?", (telegram_id,))
    # Sessions and invites keep their history without saying who: 0 is nobody's id.
    await connection.execute(
        "UPDATE sessions SET created_by = 0 WHERE created_by = ?", (telegram_id,)
    )
    await connection.execute(
        "UPDATE coordinator_invites SET created_by = NULL WHERE created_by = ?", (telegram_id,)
    )
    await connection.execute(
        "UPDATE coordinator_invites SET used_by = 0 WHERE used_by = ?", (telegram_id,)
    )


async def retire(connection: Connection, *, closed_before: datetime) -> int:
    """Delete what was kept about the participants of sessions closed before `closed_before`
    (who they were, which messages reached them, who asked to be told of the opening, a
    language no longer needed); how many rows, all of these together."""
    sessions = "SELECT id FROM sessions WHERE status = 'closed' AND closed_at < ?"
    cutoff = (to_epoch(closed_before),)
    messages = await connection.execute(
        f"DELETE FROM deliveries WHERE session_id IN ({sessions})", cutoff
    )
    requests = await connection.execute(
        f"DELETE FROM opening_requests WHERE session_id IN ({sessions})", cutoff
    )
    people = await fetch_all(
        connection,
        f"SELECT DISTINCT telegram_id FROM participants WHERE session_id IN ({sessions})",
        cutoff,
    )
    if not people:
        return messages.rowcount + requests.rowcount
    cursor = await connection.execute(
        f"DELETE FROM participants WHERE session_id IN ({sessions})", cutoff
    )
    await connection.executemany(
        "DELETE FROM user_languages WHERE telegram_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM participants WHERE telegram_id = ?)"
        " AND NOT EXISTS (SELECT 1 FROM coordinators WHERE telegram_id = ?)",
        [(p["telegram_id"],) * 3 for p in people],
    )
    return messages.rowcount + requests.rowcount + cursor.rowcount
