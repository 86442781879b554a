"""What the participation service answers; handlers turn each of these into a message."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.records import Session
from bot.surveys.questionnaire import Item
from bot.surveys.vocabulary import Language, Profile


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a participant stands: the statement to show now."""

    session: Session
    profile: Profile
    language: Language
    position: int  # 0-based index of `item`
    total: int
    item: Item
    previous_value: int | None  # the answer already given to `item`, after Back
    answered: int = 0  # statements answered so far
    card: int | None = None  # the message that shows the current statement, if known

    @property
    def remaining(self) -> int:
        return self.total - self.answered


@dataclass(frozen=True, slots=True)
class Recap:
    session: Session
    profile: Profile
    language: Language
    answered: int
    not_applicable: int
    card: int | None = None  # the message that showed the last statement


@dataclass(frozen=True, slots=True)
class InvalidLink:
    pass


@dataclass(frozen=True, slots=True)
class NotOpenYet:
    session: Session


@dataclass(frozen=True, slots=True)
class SessionClosed:
    session: Session


@dataclass(frozen=True, slots=True)
class SessionCancelled:
    """The school cancelled the session before it opened: its links lead nowhere."""

    session: Session


@dataclass(frozen=True, slots=True)
class OpeningAwaited:
    """The person will be told when the session opens (`already`: they had asked before)."""

    session: Session
    profile: Profile
    already: bool


@dataclass(frozen=True, slots=True)
class OtherGroup:
    """The person already answers this session in another group."""

    session: Session
    profile: Profile


@dataclass(frozen=True, slots=True)
class AlreadyCompleted:
    session: Session
    profile: Profile


@dataclass(frozen=True, slots=True)
class NotParticipating:
    """No questionnaire in progress for this person (or not theirs)."""


@dataclass(frozen=True, slots=True)
class Stale:
    """A button for a statement that is no longer the current one; nothing was changed."""

    progress: Progress | None


JoinOutcome = (
    InvalidLink
    | NotOpenYet
    | SessionClosed
    | SessionCancelled
    | OtherGroup
    | AlreadyCompleted
    | Progress
)
StepOutcome = (
    NotParticipating
    | SessionClosed
    | SessionCancelled
    | NotOpenYet
    | AlreadyCompleted
    | Stale
    | Progress
    | Recap
)
