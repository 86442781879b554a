import pytest

from bot.handlers.texts import Texts, TextsError, texts


def test_shipped_locales_load_and_fill_placeholders() -> None:
    t = texts()
    assert t("en", "statement.progress", position=7, total=38) == "Statement 7 of 38"
    assert t("lv", "statement.progress", position=7, total=38) == "Apgalvojums 7 no 38"


def test_missing_keys_are_caught() -> None:
    with pytest.raises(TextsError, match="keys differ"):
        Texts({"lv": {"a": "x", "b": "y"}, "en": {"a": "x"}})


def test_placeholder_mismatch_is_caught() -> None:
    with pytest.raises(TextsError, match="placeholders of a differ"):
        Texts({"lv": {"a": "{school}"}, "en": {"a": "{schol}"}})
