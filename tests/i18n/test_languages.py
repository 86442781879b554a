"""The shipped languages and the rules a language folder follows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.i18n.languages import LanguageError, discover, shipped

PATTERNS = 'date = "d.M.y"\nmoment = "d.M.y H:mm"\n'


def test_shipped_languages_say_who_they_are() -> None:
    languages = shipped()
    assert languages.codes[:2] == ("lv", "en")
    assert languages.default == "lv" and languages.fallback == "en"
    assert languages["lv"].name == "Latviešu"
    assert languages["lv"].date(date(2026, 12, 14)) == "14.12.2026."


@pytest.mark.parametrize(
    ("telegram", "chosen"),
    [("lv", "lv"), ("LV-lv", "lv"), ("en-GB", "en"), ("de", "en"), (None, "en")],
)
def test_telegram_s_language_code_chooses_at_first_contact(
    telegram: str | None, chosen: str
) -> None:
    assert shipped().for_telegram(telegram) == chosen


def write(folder: Path, code: str, text: str) -> None:
    (folder / code).mkdir(parents=True, exist_ok=True)
    (folder / code / "language.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'locale = "lv"\n' + PATTERNS + "default = true\nfallback = true\n",
            "`name`",
        ),
        ('name = "X"\nlocale = "xx_YY"\n' + PATTERNS + "", "`locale`"),
        (
            'name = "X"\nlocale = "lv"\n' + PATTERNS + 'colour = "red"\n',
            "unknown key",
        ),
        ('name = "X"\nlocale = "lv"\n' + PATTERNS + "", "exactly one"),
    ],
)
def test_a_broken_language_folder_is_refused(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "lv", text)
    with pytest.raises(LanguageError, match=message):
        discover(tmp_path)


def test_a_folder_is_named_by_its_language_code(tmp_path: Path) -> None:
    write(tmp_path, "Latvian", 'name = "X"\nlocale = "lv"\n' + PATTERNS)
    with pytest.raises(LanguageError, match="language code"):
        discover(tmp_path)
