from bot.coordination.badge import BadgeRule, school_language
from bot.surveys.questionnaire import OwnStatement
from bot.surveys.vocabulary import LEVELS, Profile, profiles_at

MINIMUMS: dict[Profile, int] = {"leader": 2, "teacher": 10, "student": 30, "trainer": 5}


def test_the_badge_takes_every_group_of_the_level_at_its_recommended_minimum() -> None:
    rule = BadgeRule(minimums=MINIMUMS)
    for level in LEVELS:
        at_minimum = {profile: MINIMUMS[profile] for profile in profiles_at(level)}
        assert rule.earned(level, at_minimum)
        assert rule.earned(level, {profile: count * 10 for profile, count in at_minimum.items()})
        for short in at_minimum:
            assert not rule.earned(level, at_minimum | {short: at_minimum[short] - 1})
    assert not rule.earned("vet", {"leader": 2, "teacher": 10})  # no student at all


def test_a_group_the_level_does_not_have_is_not_needed() -> None:
    rule = BadgeRule(minimums=MINIMUMS)
    staff_and_students: dict[Profile, int] = {"leader": 2, "teacher": 10, "student": 30}
    assert rule.earned("vet", staff_and_students)
    assert not rule.earned("wbl", staff_and_students)  # the in-company trainers are missing
    assert rule.earned("wbl", staff_and_students | {"trainer": 5})


def own(language: str) -> OwnStatement:
    return OwnStatement("S1", "C", frozenset({"teacher"}), "Teksts", language=language)


def test_the_school_s_language_is_the_one_its_own_statements_are_written_in() -> None:
    assert school_language([own("lv"), own("lv")]) == "lv"
    assert school_language([own("uk")]) == "uk"
    assert school_language([]) is None  # the coordinator's language then
    assert school_language([own("lv"), own("en")]) is None
    assert school_language([own("de")]) is None  # not a language the bot ships
