"""What the participation service answers; handlers turn each of these into a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.storage.records import Session
from bot.surveys.background import BackgroundQuestion
from bot.surveys.open_questions import OpenQuestion
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
    background_before: bool = False  # the questions about the person come first (Back)

    @property
    def remaining(self) -> int:
        return self.total - self.answered


@dataclass(frozen=True, slots=True)
class BackgroundStep:
    """A question about the person, in the block before the statements."""

    session: Session
    profile: Profile
    language: Language
    question: BackgroundQuestion
    position: int  # 0-based among the group's questions
    count: int  # the group's questions
    previous: str | None  # the answer already given, after Back
    total: int  # the statements that follow
    answered: int = 0  # statements answered so far
    card: int | None = None

    @property
    def remaining(self) -> int:
        return self.total - self.answered


@dataclass(frozen=True, slots=True)
class OpenStep:
    """The session's open question, before a person who completed the questionnaire."""

    session: Session
    profile: Profile
    language: Language
    question: OpenQuestion
    card: int | None = None


# What a participant sees now: a statement, a question about them or the open question.
Step = Progress | BackgroundStep | OpenStep


@dataclass(frozen=True, slots=True)
class Recap:
    session: Session
    profile: Profile
    language: Language
    answered: int
    not_applicable: int
    card: int | None = None  # the message that showed the last statement
    open_question: OpenStep | None = None  # asked next, when the session has one


@dataclass(frozen=True, slots=True)
class OpenDone:
    """The open question was answered (saved apart from everything else) or skipped."""

    session: Session
    profile: Profile
    language: Language
    skipped: bool
    card: int | None = None  # the message that asked it


OpenProblem = Literal["too_long", "unsafe", "empty"]


@dataclass(frozen=True, slots=True)
class OpenRefused:
    """A typed answer that was not saved, and why; the question is still open."""

    step: OpenStep
    problem: OpenProblem
    length: int = 0
    character: str = ""


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
    """A button for a step that is no longer the current one; nothing was changed."""

    progress: Step | None


JoinOutcome = (
    InvalidLink
    | NotOpenYet
    | SessionClosed
    | SessionCancelled
    | OtherGroup
    | AlreadyCompleted
    | Step
)
StepOutcome = (
    NotParticipating
    | SessionClosed
    | SessionCancelled
    | NotOpenYet
    | AlreadyCompleted
    | Stale
    | Step
    | Recap
)
# After the open question: answered or skipped, refused, or what the person stands at now.
OpenOutcome = OpenDone | OpenRefused | StepOutcome
