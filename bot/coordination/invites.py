"""One-use coordinator invites that expire after 48 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.sessions.tokens import new_token
from bot.storage import schools as school_queries
from bot.storage.engine import Connection
from bot.storage.records import School

INVITE_LIFETIME = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    token: str
    school: School
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Joined:
    school: School
    already: bool  # they coordinated the school before; the invite is still used up


@dataclass(frozen=True, slots=True)
class Expired:
    pass


@dataclass(frozen=True, slots=True)
class UsedUp:
    pass


RedeemOutcome = Joined | Expired | UsedUp


async def issue_invite(
    connection: Connection, *, school: School, created_by: int | None, now: datetime
) -> IssuedInvite:
    token = new_token()
    expires_at = now + INVITE_LIFETIME
    await school_queries.insert_coordinator_invite(
        connection,
        token=token,
        school_id=school.id,
        created_by=created_by,
        now=now,
        expires_at=expires_at,
    )
    return IssuedInvite(token=token, school=school, expires_at=expires_at)


async def redeem_invite(
    connection: Connection,
    *,
    token: str,
    telegram_id: int,
    name: str | None,
    now: datetime,
) -> RedeemOutcome | None:
    """Use the invite and add the coordinator in the caller's transaction.

    None when `token` is not a coordinator invite at all (it may be a participant's).
    """
    invite = await school_queries.coordinator_invite(connection, token=token)
    if invite is None:
        return None
    if invite.used_by is not None:
        return UsedUp()
    if now >= invite.expires_at:
        return Expired()
    school = await school_queries.school_by_id(connection, school_id=invite.school_id)
    assert school is not None  # invites go with their school (ON DELETE CASCADE)
    if not await school_queries.use_coordinator_invite(
        connection, token=token, telegram_id=telegram_id, now=now
    ):
        return UsedUp()
    added = await school_queries.add_coordinator(
        connection, school_id=school.id, telegram_id=telegram_id, now=now, name=name
    )
    return Joined(school=school, already=not added)
