"""The participant's questionnaire as operations on the database.

Every operation that changes something runs in one transaction that first re-reads the state
it depends on (session open, the current statement), so a double tap, a stale button or a
concurrent update changes nothing twice.

A session may ask a few questions about the person before the statements (Back from the first
statement returns to them) and an open question after the questionnaire is complete: the
response is then already on the anonymous side, and the answer joins it there with nothing
that ties the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from bot.clock import Clock
from bot.participation.outcomes import (
    AlreadyCompleted,
    BackgroundStep,
    InvalidLink,
    JoinOutcome,
    NotOpenYet,
    NotParticipating,
    OpenDone,
    OpeningAwaited,
    OpenOutcome,
    OpenRefused,
    OpenStep,
    OtherGroup,
    Progress,
    Recap,
    SessionCancelled,
    SessionClosed,
    Stale,
    Step,
    StepOutcome,
)
from bot.sessions.period import session_state
from bot.storage import Database, session_questions
from bot.storage import open_answers as open_answer_queries
from bot.storage import openings as opening_queries
from bot.storage import participants as participant_queries
from bot.storage import sessions as session_queries
from bot.storage.engine import Connection
from bot.storage.participants import Place
from bot.storage.records import Participant, Session
from bot.surveys.background import Background, BackgroundQuestion, default_background
from bot.surveys.bank import Bank
from bot.surveys.open_questions import MAX_ANSWER_CHARS, OpenQuestion
from bot.surveys.questionnaire import Questionnaire, assemble
from bot.surveys.vocabulary import NOT_APPLICABLE, Language, Profile
from bot.validation import UnsafeText, plain_text


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a group answers in a session, in order."""

    questionnaire: Questionnaire
    background: tuple[BackgroundQuestion, ...]  # before the statements; empty when not asked
    open_question: OpenQuestion | None  # after them


@dataclass
class Participation:
    db: Database
    clock: Clock
    bank: Bank
    background: Background = field(default_factory=default_background)
    _plans: dict[tuple[int, Profile], _Plan] = field(default_factory=dict)

    def forget(self, session_id: int) -> None:
        """Drop cached questionnaires of a session whose statements changed."""
        # A copy of the keys first: a unit of work on the database's thread may add a plan.
        for key in [key for key in tuple(self._plans) if key[0] == session_id]:
            del self._plans[key]

    async def join(
        self, *, token: str, telegram_id: int, chat_id: int, language: Language
    ) -> JoinOutcome:
        async with self.db.transaction() as connection:
            found = await session_queries.invite(connection, token=token)
            if found is None:
                return InvalidLink()
            session_id, profile = found
            session = await session_queries.session_by_id(connection, session_id=session_id)
            if session is None:
                return InvalidLink()
            closed = self._unless_open(session)
            if closed is not None:
                return closed
            participant = await participant_queries.participant(
                connection, session_id=session_id, telegram_id=telegram_id
            ) or await self._insert_participant(
                connection, session, profile, telegram_id, chat_id, language
            )
            if participant is None:  # joined a moment ago, in another process
                participant = await participant_queries.participant(
                    connection, session_id=session_id, telegram_id=telegram_id
                )
                assert participant is not None
            if participant.profile != profile:
                return OtherGroup(session=session, profile=participant.profile)
            if participant.completed:
                return await self._after_completion(connection, session, participant)
            return await self._progress(connection, session, participant)

    async def await_opening(
        self, *, token: str, telegram_id: int, chat_id: int, language: Language
    ) -> JoinOutcome | OpeningAwaited:
        """Ask to be told when the session of this invite opens. Once it is open this is
        joining it; a closed, cancelled or unknown session answers why not."""
        async with self.db.transaction() as connection:
            found = await session_queries.invite(connection, token=token)
            if found is None:
                return InvalidLink()
            session = await session_queries.session_by_id(connection, session_id=found[0])
            if session is None:
                return InvalidLink()
            outcome = self._unless_open(session)
            if isinstance(outcome, NotOpenYet):
                added = await opening_queries.add_request(
                    connection,
                    session_id=session.id,
                    telegram_id=telegram_id,
                    chat_id=chat_id,
                    profile=found[1],
                    language=language,
                    now=self.clock.now(),
                )
                return OpeningAwaited(session=session, profile=found[1], already=not added)
            if outcome is not None:
                return outcome
        return await self.join(
            token=token, telegram_id=telegram_id, chat_id=chat_id, language=language
        )

    async def resume(self, *, telegram_id: int) -> StepOutcome:
        """The current step of this person's most recent unfinished questionnaire (or the open
        question after a completed one)."""
        async with self.db.read() as connection:
            found = await self._latest(connection, telegram_id)
            if not isinstance(found, tuple):
                return found
            participant, session = found
            if participant.completed:
                return await self._after_completion(connection, session, participant)
            return await self._progress(connection, session, participant)

    async def answer(
        self, *, telegram_id: int, session_id: int, code: str, value: int
    ) -> StepOutcome:
        async def work(connection: Connection) -> StepOutcome | _Completed:
            current = await self._current(connection, telegram_id, session_id, code, lock=True)
            if not isinstance(current, _Current):
                return current
            participant, session, plan, place = current
            questionnaire = plan.questionnaire
            answers = {**place.answers, code: value}
            following = _next_unanswered(questionnaire, answers, after=place.position)
            if following is not None:
                moved = place._replace(position=following, answers=answers)
                await self._save(connection, participant, moved)
                return self._at(session, participant, plan, moved)
            counted = {item.code: answers[item.code] for item in questionnaire.items}
            if not await participant_queries.complete(
                connection,
                participant=participant,
                answers=counted,
                background=self.background.encode(participant.profile, place.background),
                open_question=plan.open_question is not None,
            ):  # a second tap, handled by another process a moment ago
                return AlreadyCompleted(session=session, profile=participant.profile)
            return _Completed(current, counted)

        outcome = await self.db.run(work)
        if not isinstance(outcome, _Completed):
            return outcome
        # The WAL still holds the pages as they were before: the link just cut goes with them.
        await self.db.purge()
        participant, session, plan, place = outcome.current
        counted = outcome.answers
        return Recap(
            session=session,
            profile=participant.profile,
            language=participant.language,
            answered=len(counted),
            not_applicable=list(counted.values()).count(NOT_APPLICABLE),
            card=place.card,
            open_question=(
                OpenStep(session, participant.profile, participant.language, plan.open_question)
                if plan.open_question is not None
                else None
            ),
        )

    async def back(self, *, telegram_id: int, session_id: int, code: str) -> StepOutcome:
        async def work(connection: Connection) -> StepOutcome:
            current = await self._current(connection, telegram_id, session_id, code, lock=True)
            if not isinstance(current, _Current):
                return current
            participant, session, plan, place = current
            if place.position > 0:
                earlier = place._replace(position=place.position - 1)
            elif plan.background:  # from the first statement to the last question about them
                earlier = place._replace(background_step=len(plan.background) - 1)
            else:
                return self._at(session, participant, plan, place)
            await self._save(connection, participant, earlier)
            return self._at(session, participant, plan, earlier)

        return await self.db.run(work)

    async def answer_background(
        self, *, telegram_id: int, session_id: int, question: str, option: str
    ) -> StepOutcome:
        """Record an answer about the person, if `question` is the one shown; then the next
        question, or the statements after the last."""

        async def work(connection: Connection) -> StepOutcome:
            current = await self._current_question(
                connection, telegram_id, session_id, question, lock=True
            )
            if not isinstance(current, _Current):
                return current
            participant, session, plan, place = current
            assert place.background_step is not None
            if option not in plan.background[place.background_step].choices:
                return Stale(self._at(session, participant, plan, place))  # a forged button
            step = place.background_step + 1
            moved = place._replace(
                background={**place.background, question: option},
                background_step=step if step < len(plan.background) else None,
            )
            await self._save(connection, participant, moved)
            return self._at(session, participant, plan, moved)

        return await self.db.run(work)

    async def back_background(
        self, *, telegram_id: int, session_id: int, question: str
    ) -> StepOutcome:
        async def work(connection: Connection) -> StepOutcome:
            current = await self._current_question(
                connection, telegram_id, session_id, question, lock=True
            )
            if not isinstance(current, _Current):
                return current
            participant, session, plan, place = current
            assert place.background_step is not None
            if place.background_step == 0:
                return self._at(session, participant, plan, place)
            earlier = place._replace(background_step=place.background_step - 1)
            await self._save(connection, participant, earlier)
            return self._at(session, participant, plan, earlier)

        return await self.db.run(work)

    async def skip_open(self, *, telegram_id: int, session_id: int) -> OpenDone | StepOutcome:
        async with self.db.transaction() as connection:
            found = await self._open(connection, telegram_id, session_id)
            if not isinstance(found, OpenStep):
                return found
            participant = await participant_queries.participant(
                connection, session_id=session_id, telegram_id=telegram_id
            )
            assert participant is not None
            await open_answer_queries.drop_pending(connection, participant_id=participant.id)
        return OpenDone(found.session, found.profile, found.language, skipped=True, card=found.card)

    async def write(self, *, telegram_id: int, text: str) -> OpenOutcome:
        """A typed message: the answer to the open question when that is what the person has
        before them (saved apart from their response, or refused with nothing saved), else
        their current step, shown again."""
        async with self.db.read() as connection:
            found = await self._latest(connection, telegram_id)
            if not isinstance(found, tuple):
                return found
            participant, session = found
            if not participant.completed:
                return await self._progress(connection, session, participant)
            step = await self._after_completion(connection, session, participant)
        if not isinstance(step, OpenStep):
            return step
        answer = text.strip()
        if not answer:
            return OpenRefused(step, "empty")
        if len(answer) > MAX_ANSWER_CHARS:
            return OpenRefused(step, "too_long", length=len(answer))
        try:
            plain_text(answer, what="the answer")
        except UnsafeText as error:
            return OpenRefused(step, "unsafe", character=error.character)
        async with self.db.transaction() as connection:
            # Taken in the same transaction that writes the answer: a second message, or a
            # Skip pressed meanwhile, finds nothing left to answer.
            if not await open_answer_queries.drop_pending(
                connection, participant_id=participant.id
            ):
                return AlreadyCompleted(session, participant.profile)
            await open_answer_queries.add_open_answer(
                connection, session_id=session.id, profile=participant.profile, text=answer
            )
        # As after a completion: the WAL holds the person's pending row beside the answer.
        await self.db.purge()
        return OpenDone(step.session, step.profile, step.language, skipped=False, card=step.card)

    async def current(self, *, telegram_id: int, session_id: int, code: str) -> StepOutcome:
        """The current statement again (e.g. to toggle its help), if `code` is still current."""
        async with self.db.read() as connection:
            current = await self._current(connection, telegram_id, session_id, code)
            if not isinstance(current, _Current):
                return current
            participant, session, plan, place = current
            return self._at(session, participant, plan, place)

    async def standing(self, *, telegram_id: int, session_id: int) -> StepOutcome:
        """Where this person stands in one session, whatever their current statement."""
        async with self.db.read() as connection:
            found = await self._in_progress(connection, telegram_id, session_id)
            if not isinstance(found, tuple):
                return found
            participant, session = found
            return await self._progress(connection, session, participant)

    async def replace_card(
        self, *, telegram_id: int, session_id: int, message_id: int
    ) -> int | None:
        """Record `message_id` as the message that shows this person's current statement; the
        card it replaces, whose buttons should go, if there was another."""
        async with self.db.transaction() as connection:
            participant = await participant_queries.participant(
                connection, session_id=session_id, telegram_id=telegram_id
            )
            if participant is None:
                return None
            if participant.completed:  # the open question's message, while it is open
                return await open_answer_queries.set_pending_card(
                    connection, participant_id=participant.id, message_id=message_id
                )
            return await participant_queries.set_card(
                connection, participant_id=participant.id, message_id=message_id
            )

    async def completed_session(self, *, telegram_id: int, session_id: int) -> Session | None:
        """The session, if this person completed its questionnaire (for a certificate)."""
        async with self.db.read() as connection:
            participant = await participant_queries.participant(
                connection, session_id=session_id, telegram_id=telegram_id
            )
            if participant is None or not participant.completed:
                return None
            return await session_queries.session_by_id(connection, session_id=session_id)

    async def set_muted(self, *, telegram_id: int, session_id: int, muted: bool) -> bool:
        async with self.db.transaction() as connection:
            return await participant_queries.set_reminders_muted(
                connection, session_id=session_id, telegram_id=telegram_id, muted=muted
            )

    async def latest_profile(self, *, telegram_id: int) -> Profile | None:
        """The group this person joined most recently, if any."""
        async with self.db.read() as connection:
            found = await participant_queries.participations(connection, telegram_id=telegram_id)
        return found[0].profile if found else None

    async def language_of(self, *, telegram_id: int) -> Language | None:
        async with self.db.read() as connection:
            return await participant_queries.user_language(connection, telegram_id=telegram_id)

    async def set_language(self, *, telegram_id: int, language: Language) -> None:
        async with self.db.transaction() as connection:
            await participant_queries.set_user_language(
                connection, telegram_id=telegram_id, language=language
            )
            await participant_queries.set_participant_language(
                connection, telegram_id=telegram_id, language=language
            )

    # Internals

    def _unless_open(
        self, session: Session
    ) -> NotOpenYet | SessionClosed | SessionCancelled | None:
        state = session_state(
            status=session.status,
            opens_at=session.opens_at,
            closes_at=session.closes_at,
            now=self.clock.now(),
        )
        if state == "open":
            return None
        if state == "closed":
            return SessionClosed(session=session)
        if state == "cancelled":
            return SessionCancelled(session=session)
        return NotOpenYet(session=session)

    async def _latest(
        self, connection: Connection, telegram_id: int
    ) -> tuple[Participant, Session] | StepOutcome:
        """This person's most recent participation with something still to answer in an open
        session, or the outcome that says why there is none."""
        participations = await participant_queries.participations(
            connection, telegram_id=telegram_id
        )
        first_outcome: StepOutcome | None = None
        for participant in participations:
            session = await session_queries.session_by_id(
                connection, session_id=participant.session_id
            )
            assert session is not None
            if participant.completed:
                pending, _ = await open_answer_queries.pending_card(
                    connection, participant_id=participant.id
                )
                if not pending:
                    first_outcome = first_outcome or AlreadyCompleted(session, participant.profile)
                    continue
            closed = self._unless_open(session)
            if closed is not None:
                first_outcome = first_outcome or closed
                continue
            return participant, session
        return first_outcome or NotParticipating()

    async def _plan(self, connection: Connection, session: Session, profile: Profile) -> _Plan:
        key = (session.id, profile)
        cached = self._plans.get(key)
        if cached is None:
            codes = await session_queries.session_statement_codes(connection, session_id=session.id)
            own = await session_queries.own_statements(connection, session_id=session.id)
            asked = await session_questions.respondent_questions(connection, session_id=session.id)
            cached = _Plan(
                questionnaire=assemble(
                    self.bank, level=session.level, profile=profile, codes=codes, own=own
                ),
                background=self.background.asked(profile) if asked.background else (),
                open_question=asked.open_for(profile),
            )
            self._plans[key] = cached
        return cached

    async def _insert_participant(
        self,
        connection: Connection,
        session: Session,
        profile: Profile,
        telegram_id: int,
        chat_id: int,
        language: Language,
    ) -> Participant | None:
        plan = await self._plan(connection, session, profile)
        return await participant_queries.insert_participant(
            connection,
            session_id=session.id,
            telegram_id=telegram_id,
            chat_id=chat_id,
            profile=profile,
            language=language,
            now=self.clock.now(),
            background_step=0 if plan.background else None,
        )

    async def _progress(
        self, connection: Connection, session: Session, participant: Participant
    ) -> Step:
        plan, place = await self._place(connection, session, participant)
        return self._at(session, participant, plan, place)

    async def _after_completion(
        self, connection: Connection, session: Session, participant: Participant
    ) -> OpenStep | AlreadyCompleted | SessionClosed | SessionCancelled | NotOpenYet:
        """The open question, if it is still before this person who completed."""
        pending, card = await open_answer_queries.pending_card(
            connection, participant_id=participant.id
        )
        plan = await self._plan(connection, session, participant.profile)
        if not pending or plan.open_question is None:
            return AlreadyCompleted(session=session, profile=participant.profile)
        return self._unless_open(session) or OpenStep(
            session, participant.profile, participant.language, plan.open_question, card
        )

    async def _open(
        self, connection: Connection, telegram_id: int, session_id: int
    ) -> OpenStep | StepOutcome:
        participant = await participant_queries.participant(
            connection, session_id=session_id, telegram_id=telegram_id
        )
        if participant is None:
            return NotParticipating()
        session = await session_queries.session_by_id(connection, session_id=session_id)
        assert session is not None
        if not participant.completed:
            return Stale(await self._progress(connection, session, participant))
        return await self._after_completion(connection, session, participant)

    async def _save(self, connection: Connection, participant: Participant, place: Place) -> None:
        await participant_queries.save_progress(
            connection,
            participant_id=participant.id,
            position=place.position,
            answers=place.answers,
            background=self.background.encode(participant.profile, place.background),
            background_step=place.background_step,
        )

    async def _place(
        self,
        connection: Connection,
        session: Session,
        participant: Participant,
        *,
        lock: bool = False,
    ) -> tuple[_Plan, Place]:
        """An unfinished participant's plan, and where they stand in it; with `lock`, held
        until the (write) transaction ends, so that two taps handled at once take turns."""
        plan = await self._plan(connection, session, participant.profile)
        found = await participant_queries.progress(
            connection, participant_id=participant.id, lock=lock
        )
        return plan, _within(plan, found or Place(0, {}, None))

    async def _in_progress(
        self, connection: Connection, telegram_id: int, session_id: int
    ) -> tuple[Participant, Session] | StepOutcome:
        """This person's unfinished participation in an open session, or why there is none."""
        participant = await participant_queries.participant(
            connection, session_id=session_id, telegram_id=telegram_id
        )
        if participant is None:
            return NotParticipating()
        session = await session_queries.session_by_id(connection, session_id=session_id)
        assert session is not None
        if participant.completed:
            return AlreadyCompleted(session=session, profile=participant.profile)
        return self._unless_open(session) or (participant, session)

    async def _current(
        self,
        connection: Connection,
        telegram_id: int,
        session_id: int,
        code: str,
        *,
        lock: bool = False,
    ) -> _Current | StepOutcome:
        """Check that `code` is this person's current statement in an open session."""
        found = await self._standing(connection, telegram_id, session_id, lock=lock)
        if isinstance(found, _Current) and (
            found.place.background_step is not None
            or found.plan.questionnaire[found.place.position].code != code
        ):
            return Stale(self._at(found.session, found.participant, found.plan, found.place))
        return found

    async def _current_question(
        self,
        connection: Connection,
        telegram_id: int,
        session_id: int,
        key: str,
        *,
        lock: bool = False,
    ) -> _Current | StepOutcome:
        """Check that `key` is the question about the person shown now in an open session."""
        found = await self._standing(connection, telegram_id, session_id, lock=lock)
        if isinstance(found, _Current):
            step = found.place.background_step
            if step is None or found.plan.background[step].key != key:
                return Stale(self._at(found.session, found.participant, found.plan, found.place))
        return found

    async def _standing(
        self, connection: Connection, telegram_id: int, session_id: int, *, lock: bool
    ) -> _Current | StepOutcome:
        """Where this person stands in an unfinished participation in an open session, or
        why there is none: one query, and the plan (read once per session and group)."""
        found = await participant_queries.standing(
            connection, session_id=session_id, telegram_id=telegram_id, lock=lock
        )
        if found is None:
            return NotParticipating()
        participant, session, place = found
        if participant.completed:
            return AlreadyCompleted(session=session, profile=participant.profile)
        closed = self._unless_open(session)
        if closed is not None:
            return closed
        plan = await self._plan(connection, session, participant.profile)
        return _Current(participant, session, plan, _within(plan, place or Place(0, {}, None)))

    @staticmethod
    def _at(session: Session, participant: Participant, plan: _Plan, place: Place) -> Step:
        questionnaire = plan.questionnaire
        if place.background_step is not None:
            question = plan.background[place.background_step]
            return BackgroundStep(
                session=session,
                profile=participant.profile,
                language=participant.language,
                question=question,
                position=place.background_step,
                count=len(plan.background),
                previous=place.background.get(question.key),
                total=len(questionnaire),
                answered=len(place.answers),
                card=place.card,
            )
        item = questionnaire[place.position]
        return Progress(
            session=session,
            profile=participant.profile,
            language=participant.language,
            position=place.position,
            total=len(questionnaire),
            item=item,
            previous_value=place.answers.get(item.code),
            answered=len(place.answers),
            card=place.card,
            background_before=bool(plan.background),
        )


class _Current(NamedTuple):
    participant: Participant
    session: Session
    plan: _Plan
    place: Place


class _Completed(NamedTuple):
    """An answer that completed the questionnaire: the standing before it, and what counted."""

    current: _Current
    answers: dict[str, int]


def _within(plan: _Plan, place: Place) -> Place:
    """`place` held inside the plan (which may be shorter than when it was saved)."""
    step = place.background_step
    return place._replace(
        position=min(place.position, len(plan.questionnaire) - 1),
        background_step=(
            min(step, len(plan.background) - 1) if step is not None and plan.background else None
        ),
    )


def _next_unanswered(
    questionnaire: Questionnaire, answers: dict[str, int], *, after: int
) -> int | None:
    """The first unanswered statement after `after`, wrapping round; None when all are done."""
    count = len(questionnaire)
    for step in range(1, count + 1):
        position = (after + step) % count
        if questionnaire[position].code not in answers:
            return position
    return None
