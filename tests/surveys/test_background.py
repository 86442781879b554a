"""The questions about the respondents: the shipped file, and what the loader refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.handlers.callback_data import MAX_BYTES, AnswerBackground, encode
from bot.i18n import Register, texts
from bot.surveys.background import (
    MAX_PER_GROUP,
    UNDISCLOSED,
    BackgroundError,
    decode,
    default_background,
    load_background,
)
from bot.surveys.vocabulary import PROFILES


def test_the_shipped_questions_load_with_words_in_every_language() -> None:
    background = default_background()
    t = texts()
    for profile in PROFILES:
        asked = background.asked(profile)
        assert 1 <= len(asked) <= MAX_PER_GROUP, profile  # every group, trainers too
        for question in asked:
            assert question.choices[-1] == UNDISCLOSED
            for language in t.languages.codes:
                register: Register = "student" if profile == "student" else "staff"
                assert t.addressed(language, question.text_key, register).endswith("?")
                labels = [t(language, question.option_key(o)) for o in question.choices]
                assert len(set(labels)) == len(labels), (language, question.key)
            for option in question.choices:  # the longest session id still fits a button
                data = encode(AnswerBackground(10**12 - 1, question.key, option))
                assert len(data.encode()) <= MAX_BYTES


def test_answers_are_stored_in_question_order_and_only_the_group_s() -> None:
    background = default_background()
    keys = [q.key for q in background.asked("teacher")]
    answers = {"confidence": "very", "study_year": "first", keys[0]: UNDISCLOSED}
    encoded = background.encode("teacher", answers)
    assert encoded == f"{keys[0]}={UNDISCLOSED},confidence=very"
    assert decode(encoded) == {keys[0]: UNDISCLOSED, "confidence": "very"}
    assert decode("") == {}


def test_in_company_trainers_are_asked_about_their_years_of_training_learners() -> None:
    asked = default_background().asked("trainer")
    assert [q.key for q in asked] == ["training_years", "confidence"]
    assert texts()("en", asked[0].text_key) == (
        "How long have you been training learners at the workplace?"
    )


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "background.toml"
    path.write_text(body, encoding="utf-8")
    return path


QUESTION = """
[[question]]
key = "{key}"
profiles = {profiles}
options = {options}
"""


def question(key: str = "confidence", profiles: str = '["teacher"]', options: str = "") -> str:
    return QUESTION.format(
        key=key, profiles=profiles, options=options or '["not_very", "fairly", "very"]'
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[[question]]\nkey = 'x'", "needs exactly key, profiles and options"),
        (question(key="Bad-key"), "key must be"),
        (question(key="undisclosed"), "key must be"),
        (question(profiles='["janitor"]'), "profiles must be distinct values"),
        (question(profiles="[]"), "profiles must be distinct values"),
        (question(options='["only"]'), "options must be 2 to 6"),
        (question(options='["a", "a"]'), "options must be 2 to 6"),
        (question(options='["a", "undisclosed"]'), "options must be 2 to 6"),
        (question() + question(), "confidence: defined twice"),
        ("".join(question(key=k) for k in ("confidence", "teaching_years", "leading_years",
                                           "study_year")), "teacher is asked 4 questions"),
        (question(options='["not_very", "fairly", "extremely"]'),
         "no words in respondents.toml for ['background.confidence.extremely']"),
        (question(key="hobby"), "no words in respondents.toml"),
        ("title = 'x'", "only [[question]] entries"),
        ("[[question", "not valid TOML"),
    ],
)  # fmt: skip
def test_a_broken_file_stops_the_bot_with_the_reason(
    tmp_path: Path, body: str, problem: str
) -> None:
    with pytest.raises(BackgroundError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        load_background(write(tmp_path, body))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(BackgroundError, match=r"background\.toml: not found"):
        load_background(tmp_path / "background.toml")
