"""Languages as data: the shipped languages, their texts and how they write numbers and dates."""

from bot.i18n.catalogue import Register, Texts, TextsError, texts
from bot.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, LanguageError, Languages, shipped

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LanguageError",
    "Languages",
    "Register",
    "Texts",
    "TextsError",
    "shipped",
    "texts",
]
