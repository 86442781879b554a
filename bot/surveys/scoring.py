"""Scoring a session: what the coordinator may see, computed from tallies.

The storage layer aggregates the answers in SQL into tallies (counts of each value 0..5 per
statement and group); this module turns them into `SessionResults`. It knows no SQL and no
Telegram.

Rules that shape every figure:

- N/A (value 0) is counted, but left out of every mean.
- Anonymity: a group with fewer completed respondents than `min_group_size` is never shown on
  its own: it has no area score, no per-statement figures and no place in the highlights or in
  the progress. `SessionResults.suppressed` lists those groups with their count so that the
  report can say why they are missing. A group with no respondents at all is simply absent.
- Area scores cover the bank statements; the school's own statements are reported separately,
  so that areas stay comparable between schools and between sessions.
- Over all groups, a statement's mean is the mean of its group means: each group weighs the
  same, so the largest group (usually students) does not drown out the others.
- Strengths and areas for improvement compare like with like. Each shown group has its own,
  ranked on its own means (as SELFIE shows each group's view). For the school as a whole only
  statements that the same groups have figures for are ranked, by the mean of the group means:
  the groups do not answer the same statements (students are not asked about leadership, say),
  and a mean over fewer groups is not comparable with one over all of them. The groups are all
  the shown ones, unless some answer statements of their own (in-company trainers). Equal means
  keep the bank's order, so the lists never depend on anything but the answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from bot.storage.records import Session
from bot.surveys.bank import Bank
from bot.surveys.questionnaire import OwnStatement
from bot.surveys.respondent_results import RespondentResults
from bot.surveys.vocabulary import AREA_CODES, NOT_APPLICABLE, PROFILES, Level, Profile, profiles_at

DEFAULT_MIN_GROUP_SIZE: Final[int] = 5
DEFAULT_HIGHLIGHTS: Final[int] = 3  # strengths per group, and as many areas for improvement
DEFAULT_SCHOOL_HIGHLIGHTS: Final[int] = 5
DEFAULT_DISAGREEMENTS: Final[int] = 3
# Group means closer than half a scale point are not reported as a disagreement: with the
# small groups of one school, a few answers move a mean that much.
MIN_DISAGREEMENT: Final[float] = 0.5

# Counts of each answer value, indexed by the value: counts[0] is N/A, counts[1..5] the scale.
Counts = tuple[int, int, int, int, int, int]
NO_COUNTS: Final[Counts] = (0, 0, 0, 0, 0, 0)


# Inputs: what the storage layer aggregates.


@dataclass(frozen=True, slots=True)
class StatementTally:
    code: str
    profile: Profile
    counts: Counts


@dataclass(frozen=True, slots=True)
class SessionTallies:
    """Everything aggregated about one session's completed responses."""

    session: Session
    codes: frozenset[str]  # the bank statements the session uses
    respondents: Mapping[Profile, int]  # completed responses per group
    area_respondents: Mapping[tuple[str, Profile], int]  # with a 1–5 answer in the area
    statements: Sequence[StatementTally]


# Outputs.


@dataclass(frozen=True, slots=True)
class Distribution:
    counts: Counts

    @property
    def not_applicable(self) -> int:
        return self.counts[NOT_APPLICABLE]

    @property
    def answered(self) -> int:
        """Answers on the 1–5 scale, the ones behind the mean."""
        return sum(self.counts[1:])

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def mean(self) -> float | None:
        answered = self.answered
        if answered == 0:
            return None
        return sum(value * self.counts[value] for value in range(1, 6)) / answered


@dataclass(frozen=True, slots=True)
class GroupParticipation:
    profile: Profile
    respondents: int
    shown: bool


@dataclass(frozen=True, slots=True)
class AreaScore:
    area: str
    profile: Profile
    mean: float | None  # None when the group gave no 1–5 answer in the area
    respondents: int  # respondents with at least one 1–5 answer in the area
    answers: int  # 1–5 answers behind the mean


@dataclass(frozen=True, slots=True)
class StatementResult:
    code: str
    area: str
    # The shown groups that were asked the statement, with their answers (N/A included).
    groups: Mapping[Profile, Distribution] = field(hash=False)
    own_text: str | None = None  # the school's wording, for its own statements only

    @property
    def own(self) -> bool:
        return self.own_text is not None

    def group_means(self) -> dict[Profile, float]:
        means = {profile: d.mean for profile, d in self.groups.items()}
        return {profile: mean for profile, mean in means.items() if mean is not None}

    @property
    def mean(self) -> float | None:
        """The mean of the group means (each group weighs the same)."""
        means = list(self.group_means().values())
        return sum(means) / len(means) if means else None


@dataclass(frozen=True, slots=True)
class Highlight:
    """A statement among the strongest or weakest of a group, or of the school."""

    code: str
    area: str
    mean: float  # the group's mean; for the school, the mean of `group_means`
    group_means: Mapping[Profile, float] = field(hash=False)


@dataclass(frozen=True, slots=True)
class Highlights:
    """Strengths and areas for improvement, drawn from the statements that every group of
    `groups` has figures for: one group's own view, or the school's over several groups."""

    groups: tuple[Profile, ...]
    compared: int  # statements ranked
    strengths: tuple[Highlight, ...]  # highest mean first
    improvements: tuple[Highlight, ...]  # lowest mean first


@dataclass(frozen=True, slots=True)
class Disagreement:
    code: str
    area: str
    spread: float  # highest minus lowest group mean
    group_means: Mapping[Profile, float] = field(hash=False)


@dataclass(frozen=True, slots=True)
class AreaChange:
    area: str
    profile: Profile
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Progress:
    """Area means against the school's previous closed session at the same level."""

    previous: Session
    participation: tuple[GroupParticipation, ...]
    changes: tuple[AreaChange, ...]
    # False when the two sessions used different bank statements: the areas then compare
    # partly different questions.
    same_statements: bool

    @property
    def suppressed(self) -> tuple[GroupParticipation, ...]:
        return _suppressed(self.participation)


@dataclass(frozen=True, slots=True)
class SessionResults:
    session: Session
    min_group_size: int
    participation: tuple[GroupParticipation, ...]  # the level's groups, in PROFILES order
    areas: tuple[AreaScore, ...]  # areas A–H × shown groups
    # The session's bank statements that some group is asked at its level, in bank order.
    statements: tuple[StatementResult, ...]
    own_statements: tuple[StatementResult, ...]
    group_highlights: tuple[Highlights, ...]  # one per shown group, in PROFILES order
    # Over the statements the same groups have figures for (all shown groups unless some
    # answer statements of their own); None unless two groups have any figures.
    school_highlights: Highlights | None
    disagreements: tuple[Disagreement, ...]  # largest spread first
    progress: Progress | None
    # About the respondents and the open answers, when loaded (bot/surveys/respondent_results.py)
    about_respondents: RespondentResults | None = None

    @property
    def shown_groups(self) -> tuple[Profile, ...]:
        return tuple(group.profile for group in self.participation if group.shown)

    @property
    def suppressed(self) -> tuple[GroupParticipation, ...]:
        """Groups that answered but are too small to be shown, with their count."""
        return _suppressed(self.participation)

    @property
    def respondents(self) -> int:
        return sum(group.respondents for group in self.participation)

    def area_score(self, area: str, profile: Profile) -> AreaScore | None:
        for score in self.areas:
            if score.area == area and score.profile == profile:
                return score
        return None

    def scored_areas(self, profile: Profile, *, lowest_first: bool = False) -> list[AreaScore]:
        """A group's areas with a mean, highest first (or lowest first); equal means keep the
        order A–H."""
        scored = [s for s in self.areas if s.profile == profile and s.mean is not None]
        sign = 1 if lowest_first else -1
        return sorted(scored, key=lambda s: sign * _rank_key(s.mean or 0.0))


def _suppressed(participation: Iterable[GroupParticipation]) -> tuple[GroupParticipation, ...]:
    return tuple(group for group in participation if not group.shown and group.respondents > 0)


def score(
    *,
    bank: Bank,
    current: SessionTallies,
    own: Sequence[OwnStatement] = (),
    previous: SessionTallies | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    min_answers: int | None = None,
    highlights: int = DEFAULT_HIGHLIGHTS,
    school_highlights: int = DEFAULT_SCHOOL_HIGHLIGHTS,
    disagreements: int = DEFAULT_DISAGREEMENTS,
) -> SessionResults:
    """Everything the coordinator may see about `current`, and its progress since `previous`
    (the school's previous closed session at the same level) when there is one. A statement's
    figures for a group need `min_answers` 1–5 answers (by default `min_group_size`)."""
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1, got {min_group_size}")
    participation = _participation(current.session.level, current.respondents, min_group_size)
    shown = [group.profile for group in participation if group.shown]
    counts = _counts_by_code(
        current.statements, shown, min_group_size if min_answers is None else min_answers
    )
    area_counts = _counts_by_code(current.statements, shown, 0)  # an area mixes many statements

    level = current.session.level
    # A session holds every core statement, some of which no group is asked at its level
    # (the in-company trainers' at a school without work-based learning).
    bank_codes = [
        code
        for code, known in bank.statements.items()
        if code in current.codes and any(known.shown_to(p, level) for p in PROFILES)
    ]
    statements = tuple(
        StatementResult(
            code=code,
            area=bank.statements[code].area,
            groups=_distributions(counts.get(code, {})),
        )
        for code in bank_codes
    )
    own_results = tuple(
        StatementResult(
            code=mine.code,
            area=mine.area,
            groups=_distributions(counts.get(mine.code, {})),
            own_text=mine.text,
        )
        for mine in own
    )
    areas = tuple(
        _area_score(bank, current, area_counts, bank_codes, area, profile)
        for area in AREA_CODES
        for profile in shown
    )
    return SessionResults(
        session=current.session,
        min_group_size=min_group_size,
        participation=participation,
        areas=areas,
        statements=statements,
        own_statements=own_results,
        group_highlights=tuple(
            _highlights(statements, (profile,), highlights) for profile in shown
        ),
        school_highlights=_school_highlights(statements, shown, school_highlights),
        disagreements=_disagreements(statements, disagreements),
        progress=(_progress(bank, current, areas, previous, min_group_size) if previous else None),
    )


def _participation(
    level: Level, respondents: Mapping[Profile, int], min_group_size: int
) -> tuple[GroupParticipation, ...]:
    return tuple(
        GroupParticipation(
            profile=profile,
            respondents=respondents.get(profile, 0),
            shown=respondents.get(profile, 0) >= min_group_size,
        )
        for profile in profiles_at(level)
    )


def _counts_by_code(
    tallies: Iterable[StatementTally], shown: Collection[Profile], min_answers: int
) -> dict[str, dict[Profile, Counts]]:
    """The statement figures that may be shown: a shown group's, and only where at least
    `min_answers` of its people chose 1–5 (were everyone else's answer N/A, the spread would
    show the one person's answer)."""
    counts: dict[str, dict[Profile, Counts]] = {}
    for tally in tallies:
        if (
            tally.profile in shown
            and sum(tally.counts) > 0
            and sum(tally.counts[1:]) >= min_answers
        ):
            counts.setdefault(tally.code, {})[tally.profile] = tally.counts
    return counts


def _distributions(by_profile: Mapping[Profile, Counts]) -> Mapping[Profile, Distribution]:
    return MappingProxyType({p: Distribution(by_profile[p]) for p in PROFILES if p in by_profile})


def _area_score(
    bank: Bank,
    tallies: SessionTallies,
    counts: Mapping[str, Mapping[Profile, Counts]],
    codes: Iterable[str],
    area: str,
    profile: Profile,
) -> AreaScore:
    answers = _area_distribution(bank, counts, codes, area, profile)
    return AreaScore(
        area=area,
        profile=profile,
        mean=answers.mean,
        respondents=tallies.area_respondents.get((area, profile), 0),
        answers=answers.answered,
    )


def _area_distribution(
    bank: Bank,
    counts: Mapping[str, Mapping[Profile, Counts]],
    codes: Iterable[str],
    area: str,
    profile: Profile,
) -> Distribution:
    total = list(NO_COUNTS)
    for code in codes:
        if bank.statements[code].area != area:
            continue
        for value, count in enumerate(counts.get(code, {}).get(profile, NO_COUNTS)):
            total[value] += count
    return Distribution((total[0], total[1], total[2], total[3], total[4], total[5]))


def _rank_key(mean: float) -> float:
    # Means that are equal as fractions can differ in their last bit once averaged again
    # ((a + b) / 2 against (c + d) / 2); rounded, they tie and keep the bank's order.
    return round(mean, 9)


def _highlights(
    statements: Sequence[StatementResult], groups: tuple[Profile, ...], limit: int
) -> Highlights:
    """The strongest and weakest of the statements that every group of `groups` has figures
    for, by the mean of those groups' means. Both lists take at most half of the compared
    statements, so no statement is in both; equal means keep the bank order."""
    compared = []
    for statement in statements:
        means = statement.group_means()
        if all(group in means for group in groups):
            own = {group: means[group] for group in groups}
            compared.append(
                Highlight(
                    code=statement.code,
                    area=statement.area,
                    mean=sum(own.values()) / len(own),
                    group_means=MappingProxyType(own),
                )
            )
    count = min(limit, len(compared) // 2)
    # sorted() is stable and `statements` is in bank order: equal means stay in bank order.
    strengths = sorted(compared, key=lambda h: -_rank_key(h.mean))[:count]
    chosen = {h.code for h in strengths}
    rest = [h for h in compared if h.code not in chosen]
    improvements = sorted(rest, key=lambda h: _rank_key(h.mean))[:count]
    return Highlights(
        groups=groups,
        compared=len(compared),
        strengths=tuple(strengths),
        improvements=tuple(improvements),
    )


def _school_highlights(
    statements: Sequence[StatementResult], shown: Sequence[Profile], limit: int
) -> Highlights | None:
    """Over the statements that the same groups have figures for: all the groups with any
    figures (a shown group may have none, were all its answers N/A), unless fewer than two
    statements are common to all of them (in-company trainers answer statements of their own
    only); then the most groups, and among as many the most statements, with two or more. With
    no such set, all the groups and what they have in common."""
    groups = tuple(p for p in shown if any(p in s.group_means() for s in statements))
    if len(groups) < 2:
        return None
    means = [statement.group_means() for statement in statements]

    def common(chosen: tuple[Profile, ...]) -> int:
        return sum(all(group in found for group in chosen) for found in means)

    for size in range(len(groups), 1, -1):
        # max() keeps the first of equals, and combinations() come in PROFILES order.
        best = max(itertools.combinations(groups, size), key=common)
        if common(best) >= 2:  # one strength and one area for improvement
            return _highlights(statements, best, limit)
    return _highlights(statements, groups, limit)


def _disagreements(statements: Iterable[StatementResult], limit: int) -> tuple[Disagreement, ...]:
    found = []
    for statement in statements:
        means = statement.group_means()
        if len(means) < 2:
            continue
        spread = max(means.values()) - min(means.values())
        if spread >= MIN_DISAGREEMENT:
            found.append(
                Disagreement(
                    code=statement.code,
                    area=statement.area,
                    spread=spread,
                    group_means=MappingProxyType(means),
                )
            )
    found.sort(key=lambda d: -d.spread)
    return tuple(found[:limit])


def _progress(
    bank: Bank,
    current: SessionTallies,
    areas: Iterable[AreaScore],
    previous: SessionTallies,
    min_group_size: int,
) -> Progress:
    participation = _participation(previous.session.level, previous.respondents, min_group_size)
    shown_before = [group.profile for group in participation if group.shown]
    counts = _counts_by_code(previous.statements, shown_before, 0)
    codes = [code for code in bank.statements if code in previous.codes]
    changes = []
    for now in areas:
        if now.mean is None or now.profile not in shown_before:
            continue
        before = _area_distribution(bank, counts, codes, now.area, now.profile).mean
        if before is not None:
            changes.append(
                AreaChange(area=now.area, profile=now.profile, before=before, after=now.mean)
            )
    return Progress(
        previous=previous.session,
        participation=participation,
        changes=tuple(changes),
        same_statements=previous.codes == current.codes,
    )
