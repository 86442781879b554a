"""Breakdowns by the answers about the respondents: shown only where nobody can be singled out,
whatever one subtracts from what."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.surveys.background import UNDISCLOSED, default_background
from bot.surveys.breakdowns import (
    NOT_ANSWERED,
    AreaSums,
    BackgroundTally,
    Breakdowns,
    breakdowns,
)

BACKGROUND = default_background()
YEARS, CONFIDENCE = BACKGROUND.asked("teacher")  # teaching_years, confidence


@dataclass(frozen=True)
class Person:
    years: str | None  # None: not asked
    confidence: str | None
    areas: dict[str, int]  # area -> the sum of their 1–5 answers there (one answer each)

    @property
    def background(self) -> str:
        answers = {YEARS.key: self.years, CONFIDENCE.key: self.confidence}
        return BACKGROUND.encode("teacher", {k: v for k, v in answers.items() if v is not None})


def tallies(people: list[Person]) -> list[BackgroundTally]:
    """What bot/storage/breakdowns.py aggregates from these people's responses."""
    found = []
    for background in sorted({p.background for p in people}):
        members = [p for p in people if p.background == background]
        areas = {
            area: AreaSums(
                respondents=sum(area in p.areas for p in members),
                answers=sum(area in p.areas for p in members),
                total=sum(p.areas.get(area, 0) for p in members),
            )
            for area in sorted({a for p in members for a in p.areas})
        }
        found.append(BackgroundTally("teacher", background, len(members), areas))
    return found


def teachers(*groups: tuple[int, str | None, str | None], areas: str = "AB") -> list[Person]:
    """`count` teachers with these answers, each answering every area of `areas` with 3."""
    return [
        Person(years, confidence, dict.fromkeys(areas, 3))
        for count, years, confidence in groups
        for _ in range(count)
    ]


def run(people: list[Person], minimum: int = 5) -> Breakdowns:
    return breakdowns(
        background=BACKGROUND, tallies=tallies(people), shown={"teacher"}, min_group_size=minimum
    )


def test_a_question_whose_every_answer_reaches_the_minimum_is_broken_down() -> None:
    people = teachers((6, "under_5", UNDISCLOSED), (5, "from_15", UNDISCLOSED))
    people[0] = Person("under_5", UNDISCLOSED, {"A": 5, "B": 3})
    found = run(people)
    (shown,) = found.shown
    assert shown.question == YEARS and shown.areas == ("A", "B")
    assert [(s.option, s.respondents) for s in shown.subgroups] == [
        ("under_5", 6),
        ("from_15", 5),
    ]
    assert shown.subgroups[0].means == {"A": (5 + 5 * 3) / 6, "B": 3.0}
    # Everyone gave one answer to the other question: it would tell each of them.
    assert found.withheld == (("teacher", CONFIDENCE),)


def test_the_one_left_out_is_not_the_difference_prefer_not_to_say_included() -> None:
    people = teachers((5, "under_5", "fairly"), (5, "from_5", "very"), (1, UNDISCLOSED, "very"))
    found = run(people)
    assert not any(b.question == YEARS for b in found.shown)
    assert ("teacher", YEARS) in found.withheld
    # 11 = 5 + 5 + 1 and the group's total is shown: the lone teacher would be the difference.
    people = teachers((5, "under_5", "fairly"), (5, "from_5", "fairly"), (1, None, "very"))
    assert ("teacher", YEARS) in run(people).withheld  # "not asked" is a subgroup too


def test_two_breakdowns_are_not_shown_when_subtracting_one_from_the_other_isolates_someone() -> (
    None
):
    # Years: under 5 = 6, from 5 = 5; confidence: fairly = 5, very = 6. Every subgroup has five
    # or more, but "under 5" minus "fairly" is the one "under 5" teacher who is "very".
    people = teachers((5, "under_5", "fairly"), (1, "under_5", "very"), (5, "from_5", "very"))
    found = run(people)
    assert [b.question for b in found.shown] == [YEARS]
    assert found.withheld == (("teacher", CONFIDENCE),)
    # With every crossed cell at five or more, both are shown.
    people = teachers((5, "under_5", "fairly"), (5, "under_5", "very"), (5, "from_5", "very"))
    assert [b.question for b in run(people).shown] == [YEARS, CONFIDENCE]


def test_an_area_too_few_answered_in_some_subgroup_is_left_blank() -> None:
    people = teachers((5, "under_5", "very"), (4, "from_5", "very"), areas="AB")
    people += teachers((1, "from_5", "very"), areas="A")  # answered N/A to all of area B
    (shown,) = run(people).shown
    assert shown.areas == ("A",)  # "from 5" has 4 respondents with 1–5 answers in area B
    assert all(set(s.means) == {"A"} for s in shown.subgroups)


def test_a_group_too_small_to_be_shown_has_no_breakdown() -> None:
    people = teachers((5, "under_5", "very"), (5, "from_5", "fairly"))
    assert breakdowns(
        background=BACKGROUND, tallies=tallies(people), shown=set(), min_group_size=5
    ) == Breakdowns((), ())


# Whatever the answers, no combination of what is shown singles anyone out that the group's
# own figures did not already: the shown sums (each area: the group's, then every shown
# subgroup's) span no person's own answers.

# Mostly two answers a question, so that subgroups reach small minimums and overlap.
options = st.sampled_from(["under_5", "under_5", "from_5", "from_5", UNDISCLOSED, None])
confidences = st.sampled_from(["fairly", "fairly", "very", "very", UNDISCLOSED])
people_strategy = st.lists(
    st.builds(
        Person,
        options,
        confidences,
        st.dictionaries(st.sampled_from("ABC"), st.integers(1, 5), min_size=1),
    ),
    min_size=4,
    max_size=24,
)


def singled_out(rows: list[list[int]], people: int) -> set[int]:
    """The people whose own value a linear combination of the `rows` sums gives."""
    if not rows:
        return set()
    matrix = np.array(rows, dtype=float)
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for person in range(people):
        unit = np.zeros(people)
        unit[person] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(person)
    return found


@settings(max_examples=300, deadline=None)
@given(people_strategy, st.sampled_from([2, 3, 5]))
def test_no_combination_of_the_shown_figures_singles_anyone_out(
    people: list[Person], minimum: int
) -> None:
    found = run(people, minimum)
    for area in "ABC":
        answering = [index for index, p in enumerate(people) if area in p.areas]
        group_row = [int(index in answering) for index in range(len(people))]
        rows = [group_row]
        for shown in found.shown:
            for subgroup in shown.subgroups:
                if area not in shown.areas:
                    continue
                key = YEARS if shown.question == YEARS else CONFIDENCE
                members = [
                    index
                    for index in answering
                    if (getattr(people[index], "years" if key == YEARS else "confidence")
                        or NOT_ANSWERED) == subgroup.option
                ]  # fmt: skip
                rows.append([int(index in members) for index in range(len(people))])
        assert singled_out(rows, len(people)) <= singled_out([group_row], len(people))
    for shown in found.shown:  # and no subgroup is smaller than the minimum, nor alone
        assert len(shown.subgroups) >= 2
        assert all(s.respondents >= minimum for s in shown.subgroups)
        counts = Counter(
            getattr(p, "years" if shown.question == YEARS else "confidence") or NOT_ANSWERED
            for p in people
        )
        assert {s.option: s.respondents for s in shown.subgroups} == dict(counts)
