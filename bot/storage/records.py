"""Plain records that the query functions return; they know nothing of SQL or Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from bot.surveys.questionnaire import OwnStatement
from bot.surveys.respondents import RespondentQuestions
from bot.surveys.vocabulary import Language, Level, Profile

# "cancelled" is not stored as a status: a cancelled session is marked by `cancelled_at`.
SessionStatus = Literal["draft", "active", "closed", "cancelled"]


def to_epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True, slots=True)
class School:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    school_id: int
    school_name: str
    level: Level
    start_date: date
    end_date: date
    timezone: str
    opens_at: datetime
    closes_at: datetime
    status: SessionStatus
    created_by: int
    closed_at: datetime | None
    # The number people see and type: the school's first session is its number 1.
    number: int = 1
    cancelled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    id: int
    session_id: int
    telegram_id: int
    chat_id: int
    profile: Profile
    language: Language
    joined_at: datetime
    completed: bool
    reminders_muted: bool
    reminders_sent: int
    unreachable: bool


@dataclass(frozen=True, slots=True)
class GroupCount:
    joined: int
    completed: int


@dataclass(frozen=True, slots=True)
class Coordinator:
    telegram_id: int
    name: str | None


@dataclass(frozen=True, slots=True)
class CoordinatorInvite:
    token: str
    school_id: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None


DraftStep = Literal["level", "customise", "dates", "review"]
# What a typed message means while a draft waits for one.
Awaiting = Literal["own_text", "own_help", "own_translation", "open_text", "start_date", "end_date"]
# What a new session asks its respondents unless the coordinator changes it (as on the CLI).
DRAFT_QUESTIONS = RespondentQuestions(background=True)


@dataclass(frozen=True, slots=True)
class PendingOwn:
    """An own statement being written (code None) or one field of one being edited."""

    code: str | None
    text: str = ""
    area: str | None = None
    profiles: frozenset[Profile] = frozenset()
    help: str = ""
    # A new statement: the language it is written in; a translation: its language.
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A coordinator's dialogue: a new session being set up, or changes to `session_id`."""

    id: int
    owner: int
    school_id: int
    session_id: int | None
    step: DraftStep
    awaiting: Awaiting | None
    level: Level | None
    optional: frozenset[str]
    own: tuple[OwnStatement, ...]
    pending: PendingOwn | None
    start: date | None
    end: date | None
    timezone: str
    created_at: datetime
    updated_at: datetime
    questions: RespondentQuestions = DRAFT_QUESTIONS
    # The group whose own open question is being typed (awaiting "open_text").
    writing_open: Profile | None = None
