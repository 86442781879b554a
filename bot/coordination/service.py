"""The coordinator's and the admin's operations on the database.

Every operation runs in one transaction that first checks the person's rights against the
database, so a removed coordinator or a stale button changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.clock import Clock
from bot.coordination import drafts, school_names
from bot.coordination.access import Refused, UnknownSchool, require_school, require_session
from bot.coordination.completion import GroupCompletion, completion
from bot.coordination.drafts import DraftScope
from bot.coordination.invites import IssuedInvite, RedeemOutcome, issue_invite, redeem_invite
from bot.participation.service import Participation
from bot.sessions.follow_up import MONTHS, AlreadyFollowed, Offer, proposed_period
from bot.sessions.period import Period, SessionState, session_state
from bot.sessions.rules import check_rules
from bot.sessions.service import (
    MAX_SCHOOL_NAME,
    cancel_session_in,
    check_request,
    create_session_in,
)
from bot.storage import Database, session_questions
from bot.storage import drafts as draft_queries
from bot.storage import follow_ups as follow_up_queries
from bot.storage import schools as school_queries
from bot.storage import sessions as session_queries
from bot.storage.engine import Connection
from bot.storage.records import Coordinator, Draft, School, Session
from bot.surveys.bank import Bank
from bot.surveys.questionnaire import OwnStatement, Questionnaire, assemble
from bot.surveys.respondents import NOTHING_ASKED, RespondentQuestions
from bot.surveys.vocabulary import Level, Profile
from bot.validation import plain_text, without_hidden

DraftChange = Callable[[Draft, DraftScope], Draft]


@dataclass(frozen=True, slots=True)
class SessionSummary:
    session: Session
    state: SessionState


@dataclass(frozen=True, slots=True)
class Overview:
    draft: Draft | None
    sessions: list[SessionSummary]


@dataclass(frozen=True, slots=True)
class StatusReport:
    session: Session
    state: SessionState
    groups: list[GroupCompletion]


@dataclass(frozen=True, slots=True)
class Saved:
    session: Session
    created: bool
    invites: dict[Profile, str]


@dataclass(frozen=True, slots=True)
class DraftView:
    """A draft with what its screens show: the school and, for changes, the session."""

    draft: Draft
    school: School
    session: Session | None


@dataclass
class Coordination:
    db: Database
    clock: Clock
    bank: Bank
    participation: Participation
    admins: frozenset[int]
    timezone: str
    minimums: Mapping[Profile, int]

    # Admins

    def is_admin(self, telegram_id: int) -> bool:
        return telegram_id in self.admins

    def _require_admin(self, telegram_id: int) -> None:
        if not self.is_admin(telegram_id):
            raise Refused("not_admin")

    async def add_school(self, *, admin: int, name: str) -> School:
        """Refused, or UnsafeText for a name with control characters; nothing is written."""
        self._require_admin(admin)
        plain_text(name, what="the school name")
        name = " ".join(name.split())
        if not 1 <= len(name) <= MAX_SCHOOL_NAME:
            raise Refused("unknown_school")
        async with self.db.transaction() as connection:
            if await school_queries.school_by_name(connection, name=name) is not None:
                raise Refused("school_exists")
            return await school_queries.insert_school(connection, name=name, now=self.clock.now())

    async def schools(self, *, admin: int) -> list[tuple[School, int, int]]:
        self._require_admin(admin)
        async with self.db.read() as connection:
            return await school_queries.all_schools(connection)

    async def invite_coordinator(
        self, *, user: int, school_id: int | None = None, school_name: str | None = None
    ) -> IssuedInvite:
        """A one-use invite: admins for any school, coordinators for their own."""
        async with self.db.transaction() as connection:
            if school_name is not None:
                self._require_admin(user)
                school = await self._school_named(connection, school_name)
            else:
                assert school_id is not None
                if self.is_admin(user):
                    found = await school_queries.school_by_id(connection, school_id=school_id)
                    if found is None:
                        raise Refused("unknown_school")
                    school = found
                else:
                    school = await require_school(connection, telegram_id=user, school_id=school_id)
            return await issue_invite(
                connection, school=school, created_by=user, now=self.clock.now()
            )

    @staticmethod
    async def _school_named(connection: Connection, typed: str) -> School:
        """The school an admin means by a typed name, ignoring case and diacritics; refused
        with the names meant, or the closest names, when it is not exactly one."""
        exact = await school_queries.school_by_name(connection, name=typed.strip())
        if exact is not None:
            return exact
        schools = [school for school, _, _ in await school_queries.all_schools(connection)]
        found = school_names.matching(typed, schools)
        if len(found) == 1:
            return found[0]
        if found:
            names = tuple(s.name for s in found[: school_names.SUGGESTIONS * 2])
            raise UnknownSchool("ambiguous_school", names)
        near = school_names.closest(typed, schools)
        raise UnknownSchool("unknown_school", tuple(s.name for s in near))

    async def redeem(self, *, token: str, user: int, name: str | None) -> RedeemOutcome | None:
        """Use a coordinator invite. `name` comes from the Telegram profile: it cannot be
        refused, so its control characters and bidi overrides are dropped instead."""
        if name is not None:
            name = without_hidden(name) or None
        async with self.db.transaction() as connection:
            return await redeem_invite(
                connection, token=token, telegram_id=user, name=name, now=self.clock.now()
            )

    # Co-coordinators

    async def team(self, *, user: int, school_id: int) -> tuple[School, list[Coordinator]]:
        async with self.db.read() as connection:
            school = await require_school(connection, telegram_id=user, school_id=school_id)
            return school, await school_queries.coordinator_entries(connection, school_id=school_id)

    async def remove_coordinator(self, *, user: int, school_id: int, telegram_id: int) -> bool:
        if telegram_id == user:
            raise Refused("remove_self")
        async with self.db.transaction() as connection:
            await require_school(connection, telegram_id=user, school_id=school_id)
            return await school_queries.remove_coordinator(
                connection, school_id=school_id, telegram_id=telegram_id
            )

    async def schools_of(self, *, user: int) -> list[School]:
        async with self.db.read() as connection:
            return await school_queries.schools_of(connection, telegram_id=user)

    # Sessions

    def state_of(self, session: Session) -> SessionState:
        return session_state(
            status=session.status,
            opens_at=session.opens_at,
            closes_at=session.closes_at,
            now=self.clock.now(),
        )

    async def overview(self, *, user: int) -> Overview:
        async with self.db.read() as connection:
            draft = await draft_queries.draft_of(connection, owner=user)
            sessions = await session_queries.sessions_coordinated_by(connection, telegram_id=user)
        if draft is not None and draft.session_id is not None:
            draft = None  # changes to a session are not a session of their own
        return Overview(
            draft=draft,
            sessions=[SessionSummary(s, self.state_of(s)) for s in sessions],
        )

    async def numbered(self, *, user: int, number: int) -> list[SessionSummary]:
        """The sessions with this number in the schools this person coordinates (one per
        school: a number is the school's own)."""
        overview = await self.overview(user=user)
        return [summary for summary in overview.sessions if summary.session.number == number]

    async def cancel(self, *, user: int, session_id: int) -> Session:
        """Cancel a session that has not opened: Refused, or CannotCancel, with nothing
        changed otherwise."""
        async with self.db.transaction() as connection:
            session = await require_session(connection, telegram_id=user, session_id=session_id)
            return await cancel_session_in(connection, session=session, now=self.clock.now())

    async def session(self, *, user: int, session_id: int) -> SessionSummary:
        async with self.db.read() as connection:
            session = await require_session(connection, telegram_id=user, session_id=session_id)
        return SessionSummary(session, self.state_of(session))

    async def status(self, *, user: int, session_id: int) -> StatusReport:
        async with self.db.read() as connection:
            session = await require_session(connection, telegram_id=user, session_id=session_id)
            counts = await session_queries.group_counts(connection, session_id=session_id)
        return StatusReport(
            session=session,
            state=self.state_of(session),
            groups=completion(counts, self.minimums),
        )

    async def preview(self, *, user: int, session_id: int, profile: Profile) -> Questionnaire:
        """The questionnaire as `profile` sees it; nothing is recorded."""
        async with self.db.read() as connection:
            session = await require_session(connection, telegram_id=user, session_id=session_id)
            codes = await session_queries.session_statement_codes(connection, session_id=session_id)
            own = await session_queries.own_statements(connection, session_id=session_id)
        return assemble(self.bank, level=session.level, profile=profile, codes=codes, own=own)

    async def asked(self, *, user: int, session_id: int) -> RespondentQuestions:
        """What the session asks its respondents besides the statements."""
        async with self.db.read() as connection:
            await require_session(connection, telegram_id=user, session_id=session_id)
            return await session_questions.respondent_questions(connection, session_id=session_id)

    async def links(self, *, user: int, session_id: int) -> tuple[Session, dict[Profile, str]]:
        """The session's invite links; Refused('cancelled') once they lead nowhere."""
        async with self.db.read() as connection:
            session = await require_session(connection, telegram_id=user, session_id=session_id)
            if session.status == "cancelled":
                raise Refused("cancelled")
            return session, await session_queries.invites_of(connection, session_id=session_id)

    # The follow-up of a closed session

    async def follow_up_offer(self, *, user: int, session_id: int) -> Offer | AlreadyFollowed:
        """The follow-up session proposed from a closed session's results."""
        async with self.db.read() as connection:
            return await self._follow_up(connection, user, session_id, self.clock.now())

    async def schedule_follow_up(
        self, *, user: int, session_id: int, months: int, start: date
    ) -> Saved | Offer | AlreadyFollowed:
        """Create the follow-up proposed `months` on, scheduled, with its invites: the closed
        session's level, optional and own statements. The Offer comes back instead when the
        proposal no longer starts on `start` (the button is older than the dates), and
        AlreadyFollowed when the follow-up exists, so that pressing twice creates one.

        Raises Refused, PeriodError or SessionSetupError with nothing changed.
        """
        now = self.clock.now()
        async with self.db.transaction() as connection:
            closed = await require_session(connection, telegram_id=user, session_id=session_id)
            # Two presses at once (two workers) take turns here; the second finds the first's.
            await school_queries.lock_school(connection, school_id=closed.school_id)
            found = await self._follow_up(connection, user, session_id, now)
            if isinstance(found, AlreadyFollowed):
                return found
            period = found.periods.get(months)
            if period is None or period.start != start:
                return found
            session = found.session
            codes = await session_queries.session_statement_codes(connection, session_id=session.id)
            own = await session_queries.own_statements(connection, session_id=session.id)
            asked = await session_questions.respondent_questions(connection, session_id=session.id)
            saved = await self._create(
                connection,
                user=user,
                school_name=session.school_name,
                level=session.level,
                start=period.start,
                end=period.end,
                timezone=session.timezone,
                optional=self._optional_only(codes),
                own=own,
                questions=asked,
                now=now,
            )
            await follow_up_queries.record_follow_up(
                connection, session_id=saved.session.id, follows=session.id
            )
        return saved

    async def _follow_up(
        self, connection: Connection, user: int, session_id: int, now: datetime
    ) -> Offer | AlreadyFollowed:
        """What a follow-up of the closed session would be, or the one it has."""
        session = await require_session(connection, telegram_id=user, session_id=session_id)
        if self.state_of(session) != "closed":
            raise Refused("not_closed")
        existing = await follow_up_queries.follow_up_of(connection, session_id=session_id)
        if existing is not None:
            return AlreadyFollowed(existing)
        codes = await session_queries.session_statement_codes(connection, session_id=session_id)
        own = await session_queries.own_statements(connection, session_id=session_id)
        return Offer(
            session=session,
            periods={months: proposed_period(session, months, now=now) for months in MONTHS},
            optional=len(self._optional_only(codes)),
            own=len(own),
        )

    # Drafts

    async def draft(self, *, user: int) -> DraftView | None:
        async with self.db.read() as connection:
            draft = await draft_queries.draft_of(connection, owner=user)
            if draft is None:
                return None
            return await self._view(connection, draft)

    async def start_draft(self, *, user: int, school_id: int) -> DraftView:
        """A new session for the school; Refused('draft_exists') while another draft waits."""
        now = self.clock.now()
        async with self.db.transaction() as connection:
            school = await require_school(connection, telegram_id=user, school_id=school_id)
            if await draft_queries.draft_of(connection, owner=user) is not None:
                raise Refused("draft_exists")
            draft = await draft_queries.insert_draft(
                connection,
                owner=user,
                school_id=school.id,
                session_id=None,
                step="level",
                level=None,
                optional=frozenset(),
                own=(),
                start=None,
                end=None,
                timezone=self.timezone,
                now=now,
            )
            if draft is None:  # started a moment ago, by another press
                raise Refused("draft_exists")
            return DraftView(draft, school, None)

    async def edit_session(self, *, user: int, session_id: int, dates: bool) -> DraftView:
        """Changes to a session: its statements until it opens, its dates until it closes."""
        now = self.clock.now()
        async with self.db.transaction() as connection:
            session = await require_session(connection, telegram_id=user, session_id=session_id)
            state = self.state_of(session)
            if state in ("closed", "cancelled"):
                raise Refused("closed" if state == "closed" else "cancelled")
            if not dates and state == "open":
                raise Refused("statements_locked")
            if await draft_queries.draft_of(connection, owner=user) is not None:
                raise Refused("draft_exists")
            codes = await session_queries.session_statement_codes(connection, session_id=session_id)
            own = await session_queries.own_statements(connection, session_id=session_id)
            asked = await session_questions.respondent_questions(connection, session_id=session_id)
            draft = await draft_queries.insert_draft(
                connection,
                owner=user,
                school_id=session.school_id,
                session_id=session.id,
                step="customise",
                level=session.level,
                optional=frozenset(self._optional_only(codes)),
                own=tuple(own),
                start=session.start_date,
                end=session.end_date,
                timezone=session.timezone,
                now=now,
                questions=asked,
            )
            if draft is None:
                raise Refused("draft_exists")
            scope = DraftScope(now=now, bank=self.bank, session=session)
            if dates:
                draft = drafts.show_dates(draft, scope)
                await draft_queries.save_draft(connection, draft=draft, now=now)
            school = await require_school(connection, telegram_id=user, school_id=session.school_id)
            return DraftView(draft, school, session)

    async def change(self, *, user: int, draft_id: int, change: DraftChange) -> DraftView:
        """Apply one rule of `drafts` to the person's draft and store the result.

        Raises Refused (not theirs, gone, rights lost), DraftError, PeriodError or UnsafeText
        (the input is refused); in every such case nothing is stored.
        """
        now = self.clock.now()
        async with self.db.transaction() as connection:
            draft, view = await self._own_draft(connection, user, draft_id)
            scope = DraftScope(now=now, bank=self.bank, session=view.session)
            changed = change(draft, scope)
            if (
                changed.level
                and changed.start
                and changed.end
                and ((changed.start, changed.end) != (draft.start, draft.end))
            ):
                # The school's rules are told when the dates are chosen, not only at saving.
                await check_rules(
                    connection,
                    school_id=view.school.id,
                    level=changed.level,
                    period=Period(changed.start, changed.end, changed.timezone),
                    zone=self.timezone,
                    changing=draft.session_id,
                )
            await draft_queries.save_draft(connection, draft=changed, now=now)
            return replace(view, draft=changed)

    async def discard(self, *, user: int, draft_id: int | None = None) -> bool:
        async with self.db.transaction() as connection:
            draft = await draft_queries.draft_of(connection, owner=user)
            if draft is None or (draft_id is not None and draft.id != draft_id):
                return False
            return await draft_queries.delete_draft(connection, draft_id=draft.id)

    async def save(self, *, user: int, draft_id: int) -> Saved:
        """Activate a new session, or apply changes to an existing one; the draft goes away.

        Raises Refused, DraftError, PeriodError or SessionSetupError with nothing changed.
        """
        now = self.clock.now()
        async with self.db.transaction() as connection:
            draft, view = await self._own_draft(connection, user, draft_id)
            if draft.level is None or draft.start is None or draft.end is None:
                raise drafts.DraftError("incomplete")
            if view.session is None:
                saved = await self._create(
                    connection,
                    user=user,
                    school_name=view.school.name,
                    level=draft.level,
                    start=draft.start,
                    end=draft.end,
                    timezone=draft.timezone,
                    optional=draft.optional,
                    own=draft.own,
                    questions=draft.questions,
                    now=now,
                )
                await draft_queries.delete_draft(connection, draft_id=draft.id)
                return saved
            session = await self._apply_changes(connection, draft, view.session, now)
            await draft_queries.delete_draft(connection, draft_id=draft.id)
            invites = await session_queries.invites_of(connection, session_id=session.id)
        self.participation.forget(session.id)
        return Saved(session=session, created=False, invites=invites)

    async def _create(
        self,
        connection: Connection,
        *,
        user: int,
        school_name: str,
        level: Level,
        start: date,
        end: date,
        timezone: str,
        optional: Collection[str],
        own: Sequence[OwnStatement],
        now: datetime,
        questions: RespondentQuestions = NOTHING_ASKED,
    ) -> Saved:
        """A new session in the caller's transaction, checked as every new session is (the
        school's rules included: SessionConflict)."""
        request = check_request(
            bank=self.bank,
            now=now,
            school_name=school_name,
            level=level,
            start=start,
            end=end,
            timezone=timezone,
            optional_codes=optional,
            own=own,
            questions=questions,
        )
        created = await create_session_in(
            connection, request=request, coordinator_id=user, now=now, year_zone=self.timezone
        )
        session = await session_queries.session_by_id(connection, session_id=created.session_id)
        assert session is not None
        return Saved(session=session, created=True, invites=created.invites)

    async def _apply_changes(
        self, connection: Connection, draft: Draft, session: Session, now: datetime
    ) -> Session:
        state = self.state_of(session)
        if state in ("closed", "cancelled"):
            raise Refused("closed" if state == "closed" else "cancelled")
        codes = await session_queries.session_statement_codes(connection, session_id=session.id)
        own = await session_queries.own_statements(connection, session_id=session.id)
        asked = await session_questions.respondent_questions(connection, session_id=session.id)
        questions_changed = draft.questions != asked
        if (
            draft.optional != self._optional_only(codes)
            or list(draft.own) != own
            or questions_changed
        ):
            if state == "open":
                raise Refused("statements_locked")
            assert draft.start is not None and draft.end is not None
            # Not yet open, so the rules of a new session apply to the whole request.
            request = check_request(
                bank=self.bank,
                now=now,
                school_name=session.school_name,
                level=session.level,
                start=draft.start,
                end=draft.end,
                timezone=session.timezone,
                optional_codes=draft.optional,
                own=draft.own,
                questions=draft.questions,
            )
            await session_queries.replace_statements(
                connection, session_id=session.id, codes=request.codes, own=request.own
            )
            await session_questions.set_respondent_questions(
                connection, session_id=session.id, questions=request.questions
            )
        assert draft.start is not None and draft.end is not None
        if (draft.start, draft.end) != (session.start_date, session.end_date):
            scope = DraftScope(now=now, bank=self.bank, session=session)
            period = drafts.check_dates(draft, scope, draft.start, draft.end)
            await check_rules(
                connection,
                school_id=session.school_id,
                level=session.level,
                period=period,
                zone=self.timezone,
                changing=session.id,
            )
            await session_queries.update_dates(
                connection,
                session_id=session.id,
                start_date=period.start,
                end_date=period.end,
                opens_at=period.opens_at,
                closes_at=period.closes_at,
            )
        changed = await session_queries.session_by_id(connection, session_id=session.id)
        assert changed is not None
        return changed

    def _optional_only(self, codes: frozenset[str]) -> frozenset[str]:
        return frozenset(
            code
            for code in codes
            if (statement := self.bank.statements.get(code)) and statement.kind == "optional"
        )

    async def _own_draft(
        self, connection: Connection, user: int, draft_id: int
    ) -> tuple[Draft, DraftView]:
        draft = await draft_queries.draft_of(connection, owner=user)
        if draft is None or draft.id != draft_id:
            raise Refused("no_draft")
        return draft, await self._view(connection, draft)

    async def _view(self, connection: Connection, draft: Draft) -> DraftView:
        school = await require_school(
            connection, telegram_id=draft.owner, school_id=draft.school_id
        )
        session = None
        if draft.session_id is not None:
            session = await require_session(
                connection, telegram_id=draft.owner, session_id=draft.session_id
            )
        return DraftView(draft, school, session)
