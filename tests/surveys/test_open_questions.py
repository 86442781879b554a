"""The list of open questions, and a coordinator's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n import texts
from bot.surveys.open_questions import (
    MAX_QUESTION_CHARS,
    OpenQuestion,
    OpenQuestionError,
    default_open_questions,
    load_open_questions,
    own_open_question,
)
from bot.surveys.respondents import open_questions_from
from bot.surveys.vocabulary import PROFILES


def test_every_listed_question_has_words_for_staff_and_students_in_every_language() -> None:
    listed = default_open_questions().listed
    assert listed
    for entry in listed:
        for language in texts().languages.codes:
            for register in ("staff", "student"):
                question = OpenQuestion(profile="teacher", key=entry.key)
                assert question.wording(language, register).endswith("?")
                assert not question.untranslated_for(language)


def test_every_group_has_listed_questions_and_trainers_their_own() -> None:
    """The school's questions speak to its people of "your school"; trainers, who work in a
    company, are offered questions of their own instead."""
    listed = default_open_questions()
    for profile in PROFILES:
        assert any(profile in entry.profiles for entry in listed.listed), profile
    assert "company" in listed.listed_for("company_strength", "trainer").wording("en", "staff")
    with pytest.raises(OpenQuestionError, match="'strength' is not for trainer"):
        listed.listed_for("strength", "trainer")
    with pytest.raises(OpenQuestionError, match="'company_change' is not for teacher"):
        listed.listed_for("company_change", "teacher")


def test_an_own_question_is_one_line_in_its_language() -> None:
    question = own_open_question("leader", "  Kas\n jums  palīdz? ", "lv")
    assert question.text == "Kas jums palīdz?"
    assert question.wording("en", "staff") == "Kas jums palīdz?"
    assert question.untranslated_for("en") and not question.untranslated_for("lv")
    with pytest.raises(OpenQuestionError, match=f"1 to {MAX_QUESTION_CHARS} characters"):
        own_open_question("leader", "x" * (MAX_QUESTION_CHARS + 1), "lv")
    with pytest.raises(OpenQuestionError, match=r"U\+0007"):
        own_open_question("leader", "Kas\x07?", "lv")


def test_specs_give_one_question_a_group_in_the_groups_order() -> None:
    chosen = open_questions_from(listed=["student=support"], own=["leader=Kāpēc?"], language="en")
    assert [(q.profile, q.key, q.text, q.language) for q in chosen] == [
        ("leader", None, "Kāpēc?", "en"),
        ("student", "support", None, None),
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[[question]]\nkey = 'strength'", "needs exactly key and profiles"),
        ("[[question]]\nkey = 'Strength'\nprofiles = ['teacher']", "key must be"),
        ("[[question]]\nkey = 'strength'\nprofiles = ['nobody']", "profiles must be values"),
        ("[[question]]\nkey = 'hobby'\nprofiles = ['teacher']", "no words in respondents.toml"),
        ("[[question]]\nkey = 'strength'\nprofiles = ['teacher']\n" * 2, "listed twice"),
        ("[[question]\n", "not valid TOML"),
    ],
)
def test_a_broken_list_stops_the_bot_with_the_reason(
    tmp_path: Path, body: str, problem: str
) -> None:
    path = tmp_path / "open_questions.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(OpenQuestionError, match=problem):
        load_open_questions(path)
