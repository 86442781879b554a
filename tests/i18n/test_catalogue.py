"""The one text catalogue: every language's files, checked at load; plural forms from CLDR."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.i18n import TextsError, texts
from bot.i18n.catalogue import load
from bot.i18n.languages import discover, shipped
from bot.reporting.labels import required_keys as report_keys
from bot.surveys.bank import load_bank

PATTERNS = 'date = "d.M.y"\nmoment = "d.M.y H:mm"\n'


def test_shipped_texts_load_and_fill_placeholders() -> None:
    t = texts()
    assert t("en", "statement.progress", position=7, total=38) == "Statement 7 of 38"
    assert t("lv", "statement.progress", position=7, total=38) == "Apgalvojums 7 no 38"
    t.require(report_keys())


def two_languages(tmp_path: Path, lv: str, en: str) -> Path:
    folder = tmp_path / "locales"
    for code, text, extra in (
        ("lv", lv, "default = true\norder = 1"),
        ("en", en, "fallback = true\norder = 2"),
    ):
        (folder / code).mkdir(parents=True)
        (folder / code / "language.toml").write_text(
            f'name = "{code}"\nlocale = "{code}"\n' + PATTERNS + f"{extra}\n",
            encoding="utf-8",
        )
        (folder / code / "chat.toml").write_text(text, encoding="utf-8")
    return folder


def test_languages_must_have_the_same_keys(tmp_path: Path) -> None:
    folder = two_languages(tmp_path, 'a = "x"\nb = "y"\n', 'a = "x"\n')
    with pytest.raises(TextsError, match=r"locales/en: keys differ from locales/lv: \['b'\]"):
        load(discover(folder))


def test_placeholders_must_agree(tmp_path: Path) -> None:
    folder = two_languages(tmp_path, 'a = "{school}"\n', 'a = "{schol}"\n')
    with pytest.raises(TextsError, match=r"locales/en: a has placeholders \['schol'\]"):
        load(discover(folder))


def test_plural_forms_are_the_languages_own(tmp_path: Path) -> None:
    lv = (
        '[n]\nzero = "{count} apgalvojumu"\none = "{count} apgalvojums"\n'
        'other = "{count} apgalvojumi"\n'
    )
    en = '[n]\none = "{count} statement"\nother = "{count} statements"\n'
    t = load(discover(two_languages(tmp_path, lv, en)))
    assert [t("lv", "n", count=n) for n in (0, 1, 2, 10, 11, 21, 41, 101)] == [
        "0 apgalvojumu", "1 apgalvojums", "2 apgalvojumi", "10 apgalvojumu",
        "11 apgalvojumu", "21 apgalvojums", "41 apgalvojums", "101 apgalvojums",
    ]  # fmt: skip
    assert [t("en", "n", count=n) for n in (1, 2, 21)] == [
        "1 statement",
        "2 statements",
        "21 statements",
    ]
    assert t("lv", "n", count=1500) == "1\xa0500 apgalvojumu"  # CLDR's grouping, too


def test_missing_or_foreign_plural_forms_are_refused(tmp_path: Path) -> None:
    lv = '[n]\none = "{count} apgalvojums"\nother = "{count} apgalvojumi"\n'
    en = '[n]\none = "{count} statement"\nother = "{count} statements"\n'
    with pytest.raises(TextsError, match=r"locales/lv: n: plural forms \['one', 'other'\]"):
        load(discover(two_languages(tmp_path, lv, en)))


def test_a_text_can_address_staff_and_students_differently(tmp_path: Path) -> None:
    lv = '[hello]\nstaff = "Izvēlieties"\nstudent = "Izvēlies"\n'
    t = load(discover(two_languages(tmp_path, lv, 'hello = "Choose"\n')))
    assert t("lv", "hello") == "Izvēlieties"
    assert t.addressed("lv", "hello", "student") == "Izvēlies"
    assert t.addressed("en", "hello", "student") == "Choose"


def test_the_code_s_keys_are_checked(tmp_path: Path) -> None:
    t = load(discover(two_languages(tmp_path, 'a = "x"\n', 'a = "y"\n')))
    t.require({"a"})
    with pytest.raises(TextsError, match=r"missing: \['b'\]"):
        t.require({"a", "b"})


def test_a_language_is_added_by_adding_its_folder(tmp_path: Path) -> None:
    """German, as a translator would add it: a copy of the English folder, its own
    language.toml; texts and statements load and are checked like the shipped ones."""
    folder = tmp_path / "locales"
    shutil.copytree(shipped().folder, folder)  # type: ignore[arg-type]
    shutil.copytree(folder / "en", folder / "de")
    (folder / "de" / "language.toml").write_text(
        'name = "Deutsch"\nlocale = "de_DE"\n' + PATTERNS + 'telegram = ["de"]\norder = 9\n',
        encoding="utf-8",
    )
    languages = discover(folder)
    assert languages.codes[-1] == "de" and languages["de"].name == "Deutsch"
    assert languages.for_telegram("de-AT") == "de"
    catalogue = load(languages)
    assert catalogue("de", "statement.progress", position=1, total=2) == "Statement 1 of 2"
    bank = load_bank(languages=languages)
    assert bank.statement("A1").text("teacher", "upper-secondary", "de")
