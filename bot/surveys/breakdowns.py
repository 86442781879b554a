"""Area means broken down by the answers about the respondents, only where nobody stands out.

Each group is broken down on its own, one question at a time; two questions are never crossed.
Since the group's own figures are shown, whoever reads a breakdown can subtract: a subgroup
left out would be the difference. So a question is broken down only when every non-empty
subgroup ("prefer not to say" and "not asked" included) has at least `min_group_size`
respondents, and when it has two at least (one subgroup would tell everyone's answer).

Two breakdowns of one group can be subtracted from each other too: with 6 teachers "under 5
years" and 5 "not very confident", of whom 5 are the same people, the difference is one
teacher. So a further question joins the group's breakdowns only if every non-empty cell of
the questions taken so far, crossed (never shown, only checked), still reaches the minimum;
then every set of respondents that sums of shown figures can isolate is a union of such cells.
An area is checked the same way over the respondents who gave it a 1–5 answer, and left blank
in every breakdown of the group where a cell falls short.

The storage layer aggregates the responses by their stored answers about the respondent
(bot/storage/breakdowns.py); this module knows no SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from bot.surveys.background import Background, BackgroundQuestion, decode
from bot.surveys.vocabulary import AREA_CODES, PROFILES, Profile

# The subgroup of responses without an answer to a question (completed before it was asked).
NOT_ANSWERED: Final[str] = ""


@dataclass(frozen=True, slots=True)
class AreaSums:
    respondents: int  # with at least one 1–5 answer in the area
    answers: int  # 1–5 answers
    total: int  # their sum


@dataclass(frozen=True, slots=True)
class BackgroundTally:
    """The completed responses of a group that gave the same answers about themselves."""

    profile: Profile
    background: str  # as stored (bot/surveys/background.py); "" when not asked
    respondents: int
    areas: Mapping[str, AreaSums] = field(hash=False)  # the bank's areas A–H


@dataclass(frozen=True, slots=True)
class Subgroup:
    option: str  # an option, UNDISCLOSED or NOT_ANSWERED
    respondents: int
    means: Mapping[str, float] = field(hash=False)  # area -> mean, for the areas shown


@dataclass(frozen=True, slots=True)
class Breakdown:
    profile: Profile
    question: BackgroundQuestion
    areas: tuple[str, ...]  # the areas shown
    subgroups: tuple[Subgroup, ...]  # the non-empty ones, in the order of the options


@dataclass(frozen=True, slots=True)
class Breakdowns:
    shown: tuple[Breakdown, ...]
    # The questions of shown groups that are not broken down, and why not is always the same:
    # some subgroup would be smaller than the minimum.
    withheld: tuple[tuple[Profile, BackgroundQuestion], ...]


def breakdowns(
    *,
    background: Background,
    tallies: Iterable[BackgroundTally],
    shown: Collection[Profile],
    min_group_size: int,
) -> Breakdowns:
    """The breakdowns of the groups in `shown` (those that reach the minimum themselves)."""
    found: list[Breakdown] = []
    withheld: list[tuple[Profile, BackgroundQuestion]] = []
    by_group: dict[Profile, list[tuple[dict[str, str], BackgroundTally]]] = {}
    for tally in tallies:
        by_group.setdefault(tally.profile, []).append((decode(tally.background), tally))
    for profile in PROFILES:
        cells = by_group.get(profile)
        if profile not in shown or not cells:
            continue
        accepted: list[BackgroundQuestion] = []
        for question in background.asked(profile):
            if _subgroups_count(cells, question) >= 2 and _every_cell_reaches(
                cells, [*accepted, question], min_group_size, _respondents
            ):
                accepted.append(question)
            else:
                withheld.append((profile, question))
        areas = tuple(
            area
            for area in AREA_CODES
            if any(area in tally.areas for _, tally in cells)
            and _every_cell_reaches(cells, accepted, min_group_size, _in_area(area))
        )
        found += [_breakdown(profile, question, cells, areas) for question in accepted]
    return Breakdowns(tuple(found), tuple(withheld))


Cells = Sequence[tuple[Mapping[str, str], BackgroundTally]]


def _respondents(tally: BackgroundTally) -> int:
    return tally.respondents


def _in_area(area: str) -> Callable[[BackgroundTally], int]:
    def count(tally: BackgroundTally) -> int:
        sums = tally.areas.get(area)
        return sums.respondents if sums is not None else 0

    return count


def _subgroups_count(cells: Cells, question: BackgroundQuestion) -> int:
    return len({answers.get(question.key, NOT_ANSWERED) for answers, _ in cells})


def _every_cell_reaches(
    cells: Cells,
    questions: Sequence[BackgroundQuestion],
    minimum: int,
    count: Callable[[BackgroundTally], int],
) -> bool:
    """Whether every non-empty cell of `questions` crossed holds `minimum` people or more."""
    crossed: dict[tuple[str, ...], int] = {}
    for answers, tally in cells:
        key = tuple(answers.get(q.key, NOT_ANSWERED) for q in questions)
        crossed[key] = crossed.get(key, 0) + count(tally)
    return all(total >= minimum for total in crossed.values() if total > 0)


def _breakdown(
    profile: Profile, question: BackgroundQuestion, cells: Cells, areas: tuple[str, ...]
) -> Breakdown:
    subgroups = []
    for option in (*question.choices, NOT_ANSWERED):
        members = [t for given, t in cells if given.get(question.key, NOT_ANSWERED) == option]
        respondents = sum(tally.respondents for tally in members)
        if respondents == 0:
            continue
        means: dict[str, float] = {}
        for area in areas:
            sums = [t.areas[area] for t in members if area in t.areas]
            if answered := sum(s.answers for s in sums):
                means[area] = sum(s.total for s in sums) / answered
        subgroups.append(Subgroup(option, respondents, means))
    return Breakdown(profile, question, areas, tuple(subgroups))
