"""Who may do what: every coordinator action checks the school against the database."""

from __future__ import annotations

from typing import Literal

from bot.storage import schools as school_queries
from bot.storage import sessions as session_queries
from bot.storage.engine import Connection
from bot.storage.records import School, Session

RefusalReason = Literal[
    "not_admin",
    "not_coordinator",
    "no_draft",
    "draft_exists",
    "statements_locked",
    "closed",
    "cancelled",
    "not_closed",
    "remove_self",
    "unknown_school",
    "ambiguous_school",
    "school_exists",
]


class Refused(Exception):
    """The person may not do this, or not now; nothing was changed."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownSchool(Refused):
    """No school, or more than one, goes by the typed name; `suggestions` are the names meant
    or the closest ones."""

    def __init__(self, reason: RefusalReason, suggestions: tuple[str, ...]) -> None:
        super().__init__(reason)
        self.suggestions = suggestions


async def require_school(connection: Connection, *, telegram_id: int, school_id: int) -> School:
    """The school, if this person coordinates it; Refused otherwise (also when it is unknown,
    so nobody learns which schools exist)."""
    school = await school_queries.school_by_id(connection, school_id=school_id)
    if school is None or not await school_queries.is_coordinator(
        connection, school_id=school_id, telegram_id=telegram_id
    ):
        raise Refused("not_coordinator")
    return school


async def require_session(connection: Connection, *, telegram_id: int, session_id: int) -> Session:
    session = await session_queries.session_by_id(connection, session_id=session_id)
    if session is None or not await school_queries.is_coordinator(
        connection, school_id=session.school_id, telegram_id=telegram_id
    ):
        raise Refused("not_coordinator")
    return session
