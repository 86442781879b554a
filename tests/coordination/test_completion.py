import pytest

from bot.coordination.completion import classify, completion
from bot.storage.records import GroupCount
from bot.surveys.vocabulary import Profile


@pytest.mark.parametrize(
    ("completed", "minimum", "level"),
    [
        (0, 10, "none"),
        (1, 10, "incomplete"),
        (4, 10, "incomplete"),
        (5, 10, "medium"),
        (9, 10, "medium"),
        (10, 10, "high"),
        (25, 10, "high"),
        (1, 1, "high"),
        (1, 2, "medium"),
    ],
)
def test_completion_is_classified_against_the_minimum(
    completed: int, minimum: int, level: str
) -> None:
    assert classify(completed, minimum) == level


def test_completion_per_group_in_profile_order() -> None:
    counts: dict[Profile, GroupCount] = {
        "student": GroupCount(40, 31),
        "leader": GroupCount(1, 1),
        "teacher": GroupCount(3, 0),
    }
    minimums: dict[Profile, int] = {"leader": 2, "teacher": 10, "student": 30}
    groups = completion(counts, minimums)
    assert [(g.profile, g.level, g.percent_of_minimum) for g in groups] == [
        ("leader", "medium", 50),
        ("teacher", "none", 0),
        ("student", "high", 103),
    ]
