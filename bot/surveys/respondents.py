"""What a session asks its respondents besides the statements: whether the block of questions
about themselves comes first (bot/surveys/background.py), and an open question per group at
the end (bot/surveys/open_questions.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.surveys.open_questions import (
    OpenQuestion,
    OpenQuestionError,
    OpenQuestions,
    default_open_questions,
    own_open_question,
)
from bot.surveys.vocabulary import PROFILES, Language, Profile


@dataclass(frozen=True, slots=True)
class RespondentQuestions:
    background: bool = False
    open_questions: tuple[OpenQuestion, ...] = ()

    def open_for(self, profile: Profile) -> OpenQuestion | None:
        return next((q for q in self.open_questions if q.profile == profile), None)


NOTHING_ASKED: Final[RespondentQuestions] = RespondentQuestions()


def open_questions_from(
    *,
    listed: Sequence[str] = (),
    own: Sequence[str] = (),
    language: Language,
    catalogue: OpenQuestions | None = None,
) -> tuple[OpenQuestion, ...]:
    """Open questions as an operator writes them: GROUP=KEY for a listed one, GROUP=TEXT for
    one's own (in `language`); one per group at most. OpenQuestionError says what is wrong."""
    choices = catalogue or default_open_questions()
    chosen: dict[Profile, OpenQuestion] = {}
    for spec, is_listed in [*((s, True) for s in listed), *((s, False) for s in own)]:
        group, separator, value = spec.partition("=")
        group = group.strip()
        if not separator or group not in PROFILES:
            raise OpenQuestionError(
                f"{spec!r}: write GROUP={'KEY' if is_listed else 'TEXT'}, GROUP one of"
                f" {', '.join(PROFILES)}"
            )
        profile: Profile = group
        if profile in chosen:
            raise OpenQuestionError(f"{profile} has more than one open question")
        chosen[profile] = (
            choices.listed_for(value.strip(), profile)
            if is_listed
            else own_open_question(profile, value, language)
        )
    return tuple(chosen[p] for p in PROFILES if p in chosen)
