"""The set-up dialogue's rules for own statements in several languages (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.coordination import drafts
from bot.coordination.drafts import DraftError, DraftScope
from bot.storage.records import Draft
from bot.surveys.bank import default_bank
from bot.surveys.vocabulary import Level
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
