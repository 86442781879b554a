"""The participant's questionnaire as operations on the database.

Every operation that changes something runs in one transaction that first re-reads the state
it depends on (session open, the current statement), so a double tap, a stale button or a
concurrent update changes nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from bot.clock import Clock
from bot.participation.outcomes import (
    AlreadyCompleted,
    InvalidLink,
    JoinOutcome,
    NotOpenYet,
    NotParticipating,
    OpeningAwaited,
    OtherGroup,
    Progress,
    Recap,
    SessionCancelled,
    SessionClosed,
    Stale,
    StepOutcome,
)
from bot.sessions.period import session_state
from bot.storage import Database
from bot.storage import openings as opening_queries
from bot.storage import participants as participant_queries
from bot.storage import sessions as session_queries
from bot.storage.engine import Connection
from bot.storage.participants import Place
from bot.storage.records import Participant, Session
from bot.surveys.bank import Bank
from bot.surveys.questionnaire import Questionnaire, assemble
from bot.surveys.vocabulary import NOT_APPLICABLE, Language, Profile


@dataclass
class Participation:
    db: Database
    clock: Clock
    bank: Bank
    _questionnaires: dict[tuple[int, Profile], Questionnaire] = field(default_factory=dict)

    def forget(self, session_id: int) -> None:
        """Drop cached questionnaires of a session whose statements changed."""
        for key in [key for key in self._questionnaires if key[0] == session_id]:
            del self._questionnaires[key]

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
                return AlreadyCompleted(session=session, profile=participant.profile)
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
        """The current statement of this person's most recent unfinished questionnaire."""
        async with self.db.read() as connection:
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
                    first_outcome = first_outcome or AlreadyCompleted(session, participant.profile)
                    continue
                closed = self._unless_open(session)
                if closed is not None:
                    first_outcome = first_outcome or closed
                    continue
                return await self._progress(connection, session, participant)
        return first_outcome or NotParticipating()

    async def answer(
        self, *, telegram_id: int, session_id: int, code: str, value: int
    ) -> StepOutcome:
        async with self.db.transaction() as connection:
            current = await self._current(connection, telegram_id, session_id, code, lock=True)
            if not isinstance(current, _Current):
                return current
            participant, session, questionnaire, place = current
            answers = {**place.answers, code: value}
            following = _next_unanswered(questionnaire, answers, after=place.position)
            if following is not None:
                await participant_queries.save_progress(
                    connection, participant_id=participant.id, position=following, answers=answers
                )
                return self._at(
                    session, participant, questionnaire, Place(following, answers, place.card)
                )
            counted = {item.code: answers[item.code] for item in questionnaire.items}
            if not await participant_queries.complete(
                connection, participant=participant, answers=counted
            ):
                return AlreadyCompleted(session=session, profile=participant.profile)
        # The WAL still holds the pages as they were before: the link just cut goes with them.
        await self.db.purge()
        return Recap(
            session=session,
            profile=participant.profile,
            language=participant.language,
            answered=len(counted),
            not_applicable=list(counted.values()).count(NOT_APPLICABLE),
            card=place.card,
        )

    async def back(self, *, telegram_id: int, session_id: int, code: str) -> StepOutcome:
        async with self.db.transaction() as connection:
            current = await self._current(connection, telegram_id, session_id, code, lock=True)
            if not isinstance(current, _Current):
                return current
            participant, session, questionnaire, place = current
            if place.position == 0:
                return self._at(session, participant, questionnaire, place)
            earlier = place._replace(position=place.position - 1)
            await participant_queries.save_progress(
                connection,
                participant_id=participant.id,
                position=earlier.position,
                answers=earlier.answers,
            )
            return self._at(session, participant, questionnaire, earlier)

    async def current(self, *, telegram_id: int, session_id: int, code: str) -> StepOutcome:
        """The current statement again (e.g. to toggle its help), if `code` is still current."""
        async with self.db.read() as connection:
            current = await self._current(connection, telegram_id, session_id, code)
            if not isinstance(current, _Current):
                return current
            participant, session, questionnaire, place = current
            return self._at(session, participant, questionnaire, place)

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
            if participant is None or participant.completed:
                return None
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

    async def _questionnaire(
        self, connection: Connection, session: Session, profile: Profile
    ) -> Questionnaire:
        key = (session.id, profile)
        cached = self._questionnaires.get(key)
        if cached is None:
            codes = await session_queries.session_statement_codes(connection, session_id=session.id)
            own = await session_queries.own_statements(connection, session_id=session.id)
            cached = assemble(self.bank, level=session.level, profile=profile, codes=codes, own=own)
            self._questionnaires[key] = cached
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
        return await participant_queries.insert_participant(
            connection,
            session_id=session.id,
            telegram_id=telegram_id,
            chat_id=chat_id,
            profile=profile,
            language=language,
            now=self.clock.now(),
        )

    async def _progress(
        self, connection: Connection, session: Session, participant: Participant
    ) -> Progress:
        questionnaire, place = await self._place(connection, session, participant)
        return self._at(session, participant, questionnaire, place)

    async def _place(
        self,
        connection: Connection,
        session: Session,
        participant: Participant,
        *,
        lock: bool = False,
    ) -> tuple[Questionnaire, Place]:
        """An unfinished participant's questionnaire, current position and answers so far;
        with `lock`, held until the (write) transaction ends."""
        questionnaire = await self._questionnaire(connection, session, participant.profile)
        found = await participant_queries.progress(
            connection, participant_id=participant.id, lock=lock
        )
        position, answers, card = found or Place(0, {}, None)
        return questionnaire, Place(min(position, len(questionnaire) - 1), answers, card)

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
        """Check that `code` is this person's current statement in an open session; with
        `lock`, two taps handled at once (PostgreSQL) take turns, and the second finds the
        statement answered."""
        found = await self._in_progress(connection, telegram_id, session_id)
        if not isinstance(found, tuple):
            return found
        participant, session = found
        questionnaire, place = await self._place(connection, session, participant, lock=lock)
        if questionnaire[place.position].code != code:
            return Stale(self._at(session, participant, questionnaire, place))
        return _Current(participant, session, questionnaire, place)

    @staticmethod
    def _at(
        session: Session,
        participant: Participant,
        questionnaire: Questionnaire,
        place: Place,
    ) -> Progress:
        position, answers, card = place
        item = questionnaire[position]
        return Progress(
            session=session,
            profile=participant.profile,
            language=participant.language,
            position=position,
            total=len(questionnaire),
            item=item,
            previous_value=answers.get(item.code),
            answered=len(answers),
            card=card,
        )


class _Current(NamedTuple):
    participant: Participant
    session: Session
    questionnaire: Questionnaire
    place: Place


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
