"""Creating sessions and reading their participation; plain async functions over the database."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.sessions.period import Period, check_period, session_state
from bot.sessions.rules import check_rules
from bot.sessions.tokens import new_token
from bot.storage import Database, session_questions
from bot.storage import schools as school_queries
from bot.storage import sessions as session_queries
from bot.storage.engine import Connection
from bot.storage.records import GroupCount, Session
from bot.surveys.bank import Bank
from bot.surveys.questionnaire import MAX_OWN_STATEMENTS, OwnStatement
from bot.surveys.respondents import NOTHING_ASKED, RespondentQuestions
from bot.surveys.vocabulary import Level, Profile, profiles_at
from bot.validation import OutOfRange, UnsafeText, plain_text, telegram_user_id

MAX_SCHOOL_NAME = 200
# `created_by` of sessions made from the command line without a coordinator.
OPERATOR = 0


class SessionSetupError(ValueError):
    """The request cannot become a session; the message says why in one line."""


class CannotCancel(ValueError):
    """Only a session that has not opened can be cancelled; `state` is the session's now."""

    def __init__(self, session: Session, state: str) -> None:
        reasons = {
            "cancelled": "is cancelled already",
            "open": "has opened already; it can be closed instead",
            "closed": "is closed",
        }
        super().__init__(f"session {session.id} {reasons.get(state, 'cannot be cancelled')}")
        self.session = session
        self.state = state


@dataclass(frozen=True, slots=True)
class CreatedSession:
    session_id: int
    school_id: int
    period: Period
    invites: dict[Profile, str]
    # The number of the session within its school (the one people see and type).
    number: int = 1


@dataclass(frozen=True, slots=True)
class SessionRequest:
    """A checked request for a session: what `create_session_in` writes."""

    school_name: str
    level: Level
    period: Period
    codes: tuple[str, ...]
    own: tuple[OwnStatement, ...]
    # Checked by bot/surveys/respondents.py; nothing about the respondents unless asked for.
    questions: RespondentQuestions = NOTHING_ASKED


def check_request(
    *,
    bank: Bank,
    now: datetime,
    school_name: str,
    level: Level,
    start: date,
    end: date,
    timezone: str,
    optional_codes: Collection[str] = (),
    own: Sequence[OwnStatement] = (),
    questions: RespondentQuestions = NOTHING_ASKED,
) -> SessionRequest:
    """Validate a session request (PeriodError or SessionSetupError), touching nothing.

    The school's name is taken on one line, its runs of whitespace made single spaces.
    """
    school_name = school_name_of(school_name)
    try:
        for statement in own:
            plain_text(statement.text, what=f"own statement {statement.code}")
            plain_text(statement.help, what=f"the help of own statement {statement.code}")
    except UnsafeText as error:
        raise SessionSetupError(str(error)) from None
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SessionSetupError(f"unknown time zone {timezone!r}") from None
    period = check_period(start, end, timezone, now=now)
    optional = set(optional_codes)
    for code in sorted(optional):
        known = bank.statements.get(code)
        if known is None or known.kind != "optional":
            raise SessionSetupError(f"{code} is not an optional statement")
    if len(own) > MAX_OWN_STATEMENTS:
        raise SessionSetupError(f"a session has at most {MAX_OWN_STATEMENTS} own statements")
    own = [_for_groups_of(level, statement) for statement in own]
    for question in questions.open_questions:
        if question.profile not in profiles_at(level):
            raise SessionSetupError(
                f"the open question for {question.profile}: that group does not answer at"
                f" level {level}"
            )
    codes = tuple(
        s.code for s in bank.statements.values() if s.kind == "core" or s.code in optional
    )
    return SessionRequest(school_name, level, period, codes, tuple(own), questions)


def _for_groups_of(level: Level, statement: OwnStatement) -> OwnStatement:
    """The statement for those of its groups that answer at `level` ("all" names the
    trainers too, who answer at level wbl only)."""
    groups = statement.profiles & set(profiles_at(level))
    if not groups:
        raise SessionSetupError(
            f"own statement {statement.code}: none of its groups answers at level {level}"
        )
    return replace(statement, profiles=frozenset(groups))


def school_name_of(typed: str) -> str:
    """A school's name as stored: on one line with single spaces, 1 to MAX_SCHOOL_NAME
    characters, without control characters (SessionSetupError says which rule it breaks)."""
    try:
        plain_text(typed, what="the school name")
    except UnsafeText as error:
        raise SessionSetupError(str(error)) from None
    name = " ".join(typed.split())
    if not 1 <= len(name) <= MAX_SCHOOL_NAME:
        raise SessionSetupError(f"the school name must be 1 to {MAX_SCHOOL_NAME} characters")
    return name


async def create_session(
    db: Database,
    *,
    bank: Bank,
    now: datetime,
    school_name: str,
    coordinator_id: int | None,
    level: Level,
    start: date,
    end: date,
    timezone: str,
    optional_codes: Collection[str] = (),
    own: Sequence[OwnStatement] = (),
    questions: RespondentQuestions = NOTHING_ASKED,
    year_zone: str | None = None,
) -> CreatedSession:
    """Create the school if new, register the coordinator, and create an active session.

    The session gets every core statement, the chosen optional ones and its own statements,
    and one invite token per profile. Everything happens in one transaction, the school's
    rules (bot/sessions/rules.py) checked in it.
    """
    request = check_request(
        bank=bank,
        now=now,
        school_name=school_name,
        level=level,
        start=start,
        end=end,
        timezone=timezone,
        optional_codes=optional_codes,
        own=own,
        questions=questions,
    )
    async with db.transaction() as connection:
        return await create_session_in(
            connection,
            request=request,
            coordinator_id=coordinator_id,
            now=now,
            year_zone=year_zone,
        )


async def create_session_in(
    connection: Connection,
    *,
    request: SessionRequest,
    coordinator_id: int | None,
    now: datetime,
    year_zone: str | None = None,
) -> CreatedSession:
    """Write a checked request inside the caller's write transaction.

    Without a coordinator (an operator provisioning schools) the session is recorded as
    created by user 0 and the school gets no coordinator here. A coordinator id that is no
    Telegram user id is refused (SessionSetupError), and dates that break the school's rules
    (SessionConflict: school years begin in `year_zone`, the bot's time zone, by default the
    session's), before anything is written.
    """
    if coordinator_id is not None:
        try:
            telegram_user_id(coordinator_id)
        except OutOfRange as error:
            raise SessionSetupError(f"coordinator: {error}") from None
    period = request.period
    school = await school_queries.school_by_name(
        connection, name=request.school_name
    ) or await school_queries.insert_school(connection, name=request.school_name, now=now)
    # Also for a school new here: another process may have created it a moment ago, sessions
    # included.
    await check_rules(
        connection,
        school_id=school.id,
        level=request.level,
        period=period,
        zone=year_zone or period.timezone,
    )
    if coordinator_id is not None:
        await school_queries.add_coordinator(
            connection, school_id=school.id, telegram_id=coordinator_id, now=now
        )
    session_id = await session_queries.insert_session(
        connection,
        school_id=school.id,
        level=request.level,
        start_date=period.start,
        end_date=period.end,
        timezone=period.timezone,
        opens_at=period.opens_at,
        closes_at=period.closes_at,
        created_by=coordinator_id if coordinator_id is not None else OPERATOR,
        now=now,
    )
    await session_queries.add_session_statements(
        connection, session_id=session_id, codes=request.codes
    )
    for statement in request.own:
        await session_queries.insert_own_statement(
            connection, session_id=session_id, statement=statement
        )
    await session_questions.set_respondent_questions(
        connection, session_id=session_id, questions=request.questions
    )
    invites = {profile: new_token() for profile in profiles_at(request.level)}
    for profile, token in invites.items():
        await session_queries.insert_invite(
            connection, token=token, session_id=session_id, profile=profile
        )
    created = await session_queries.session_by_id(connection, session_id=session_id)
    assert created is not None
    return CreatedSession(
        session_id=session_id,
        school_id=school.id,
        period=period,
        invites=invites,
        number=created.number,
    )


async def cancel_session_in(connection: Connection, *, session: Session, now: datetime) -> Session:
    """Cancel a session that has not opened, in the caller's write transaction; CannotCancel
    otherwise. Its links stop working, nothing is sent for it, and it no longer counts toward
    the school's limits."""
    if not await session_queries.cancel_session(connection, session_id=session.id, now=now):
        current = await session_queries.session_by_id(connection, session_id=session.id) or session
        state = session_state(
            status=current.status, opens_at=current.opens_at, closes_at=current.closes_at, now=now
        )
        raise CannotCancel(current, state)
    cancelled = await session_queries.session_by_id(connection, session_id=session.id)
    assert cancelled is not None
    return cancelled


@dataclass(frozen=True, slots=True)
class SessionStatus:
    session: Session
    groups: dict[Profile, GroupCount]


async def session_status(db: Database, *, session_id: int) -> SessionStatus | None:
    async with db.read() as connection:
        session = await session_queries.session_by_id(connection, session_id=session_id)
        if session is None:
            return None
        groups = await session_queries.group_counts(connection, session_id=session_id)
    return SessionStatus(session=session, groups=groups)


async def session_invites(db: Database, *, session_id: int) -> dict[Profile, str]:
    async with db.read() as connection:
        return await session_queries.invites_of(connection, session_id=session_id)
