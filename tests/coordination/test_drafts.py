"""The set-up dialogue's rules for own statements in several languages (pure functions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.coordination import drafts
from bot.coordination.drafts import DraftError, DraftScope
from bot.storage.records import Draft
from bot.surveys.bank import default_bank
from bot.surveys.vocabulary import Level, Profile
from bot.validation import UnsafeText

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
SCOPE = DraftScope(now=NOW, bank=default_bank(), session=None)


def draft(level: Level = "upper-secondary") -> Draft:
    start = Draft(
        id=1, owner=9, school_id=1, session_id=None, step="customise", awaiting=None,
        level=level, optional=frozenset(), own=(), pending=None, start=None,
        end=None, timezone="Europe/Riga", created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    written = drafts.begin_own(start, SCOPE, "lv")
    written = drafts.own_text(written, SCOPE, "Mūsu bibliotēka izsniedz klēpjdatorus.")
    written = drafts.own_area(written, SCOPE, "C")
    written = drafts.own_groups_done(written, SCOPE)
    return drafts.own_help(written, SCOPE, "")


def test_a_new_statement_is_written_in_the_coordinator_s_language() -> None:
    (statement,) = draft().own
    assert statement.language == "lv" and statement.missing() == ["en", "ru", "uk"]


def test_a_translation_is_typed_as_text_and_help() -> None:
    asking = drafts.begin_translation(draft(), SCOPE, "S1", "en")
    assert asking.awaiting == "own_translation"
    done = drafts.own_translation(asking, SCOPE, " Our library  lends laptops. | Choose 5 if… ")
    (statement,) = done.own
    assert statement.in_language("en") == ("Our library lends laptops.", "Choose 5 if…")
    assert statement.missing() == ["ru", "uk"] and done.awaiting is None
    again = drafts.begin_translation(done, SCOPE, "S1", "en")
    (changed,) = drafts.own_translation(again, SCOPE, "Our school library lends laptops.").own
    assert changed.in_language("en") == ("Our school library lends laptops.", "")


@pytest.mark.parametrize("language", ["lv", "xx"])
def test_no_translation_into_its_own_language_or_an_unknown_one(language: str) -> None:
    with pytest.raises(DraftError):
        drafts.begin_translation(draft(), SCOPE, "S1", language)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("", "text_empty"), ("x" * 301, "text_too_long"), ("x|" + "h" * 351, "help_too_long")],
)
def test_a_bad_translation_changes_nothing(typed: str, problem: str) -> None:
    asking = drafts.begin_translation(draft(), SCOPE, "S1", "ru")
    with pytest.raises(DraftError) as raised:
        drafts.own_translation(asking, SCOPE, typed)
    assert raised.value.problem == problem
    with pytest.raises(UnsafeText):
        drafts.own_translation(asking, SCOPE, "Библиотека\u202e")


@pytest.mark.parametrize(
    ("level", "groups"),
    [
        ("vet", {"leader", "teacher", "student"}),
        ("wbl", {"leader", "teacher", "student", "trainer"}),
    ],
)
def test_an_own_statement_is_for_every_group_of_the_level(level: Level, groups: set[str]) -> None:
    (statement,) = draft(level).own
    assert statement.profiles == groups


def test_trainers_cannot_be_chosen_at_a_level_without_them() -> None:
    written = drafts.begin_own(draft("vet"), SCOPE, "lv")
    written = drafts.own_area(drafts.own_text(written, SCOPE, "Teksts"), SCOPE, "C")
    with pytest.raises(DraftError):
        drafts.toggle_own_group(written, SCOPE, "trainer")
    assert drafts.toggle_own_group(written, SCOPE, "teacher").pending is not None


def test_the_respondent_questions_are_chosen_group_by_group() -> None:
    start = draft()
    assert start.questions.background
    off = drafts.toggle_background(start, SCOPE)
    assert not off.questions.background
    assert drafts.toggle_background(off, SCOPE).questions.background
    listed = drafts.choose_open(off, SCOPE, "teacher", "strength")
    writing = drafts.begin_open_text(listed, SCOPE, "student")
    assert (writing.awaiting, writing.writing_open) == ("open_text", "student")
    written = drafts.open_text(writing, SCOPE, "  Kas  tev   palīdz?\n", "lv")
    assert (written.awaiting, written.writing_open) == (None, None)
    teacher, student = written.questions.open_questions
    assert (teacher.profile, teacher.key, teacher.text) == ("teacher", "strength", None)
    assert (student.profile, student.text, student.language) == ("student", "Kas tev palīdz?", "lv")
    cleared = drafts.no_open(written, SCOPE, "teacher")
    assert [q.profile for q in cleared.questions.open_questions] == ["student"]


@pytest.mark.parametrize(
    ("profile", "key"),
    [("teacher", "company_strength"), ("trainer", "support"), ("teacher", "gossip")],
)
def test_an_open_question_not_listed_for_the_group_at_the_level_is_refused(
    profile: Profile, key: str
) -> None:
    with pytest.raises(DraftError, match="unknown_question"):
        drafts.choose_open(draft(), SCOPE, profile, key)


@pytest.mark.parametrize(
    ("typed", "error"),
    [("  ", "question_empty"), ("x" * 301, "question_too_long"), ("Kas\x1b?", "U\\+001B")],
)
def test_a_bad_own_open_question_changes_nothing(typed: str, error: str) -> None:
    writing = drafts.begin_open_text(draft(), SCOPE, "teacher")
    with pytest.raises((DraftError, UnsafeText), match=error):
        drafts.open_text(writing, SCOPE, typed)
    assert drafts.open_text(writing, SCOPE, "x" * 300).questions.open_for("teacher") is not None


def test_another_level_drops_the_open_question_of_a_group_it_lacks() -> None:
    wbl = drafts.choose_open(draft("wbl"), SCOPE, "trainer", "company_change")
    wbl = drafts.choose_open(wbl, SCOPE, "teacher", "support")
    vet = drafts.choose_level(replace(wbl, level=None), SCOPE, "vet")
    assert [q.profile for q in vet.questions.open_questions] == ["teacher"]
