"""What the coordinator may see of what a session asked its respondents besides the statements:
the breakdowns by their answers about themselves (bot/surveys/breakdowns.py) and the answers to
the open question, shuffled, of each group that reaches the minimum size."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.surveys.background import Background
from bot.surveys.breakdowns import BackgroundTally, Breakdowns, breakdowns
from bot.surveys.open_questions import OpenQuestion
from bot.surveys.respondents import RespondentQuestions
from bot.surveys.vocabulary import Profile

_shuffle = random.SystemRandom().shuffle


@dataclass(frozen=True, slots=True)
class OpenAnswers:
    question: OpenQuestion
    answers: tuple[str, ...] | None  # in random order; None: the group is too small to be given


@dataclass(frozen=True, slots=True)
class RespondentResults:
    asked: RespondentQuestions
    breakdowns: Breakdowns
    open_answers: tuple[OpenAnswers, ...]  # one per group with an open question, in group order


def respondent_results(
    *,
    asked: RespondentQuestions,
    background: Background,
    tallies: Iterable[BackgroundTally],
    respondents: Mapping[Profile, int],
    open_answers: Mapping[Profile, Sequence[str]],
    min_group_size: int,
) -> RespondentResults:
    shown = {profile for profile, count in respondents.items() if count >= min_group_size}
    found = (
        breakdowns(
            background=background, tallies=tallies, shown=shown, min_group_size=min_group_size
        )
        if asked.background
        else Breakdowns((), ())
    )
    given = []
    for question in asked.open_questions:
        answers: tuple[str, ...] | None = None
        if question.profile in shown:
            mixed = list(open_answers.get(question.profile, ()))
            _shuffle(mixed)
            answers = tuple(mixed)
        given.append(OpenAnswers(question, answers))
    return RespondentResults(asked, found, tuple(given))
