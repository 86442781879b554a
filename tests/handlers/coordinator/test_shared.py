import pytest

from bot.handlers.coordinator.shared import problem_text
from bot.sessions.period import PeriodError
from bot.surveys.vocabulary import LANGUAGES, Language
from bot.validation import UnsafeText

EXPECTED = {
    "lv": (
        "Tekstā ir neatļauta vadības rakstzīme (U+202E). Lūdzu, nosūtiet tekstu vēlreiz bez tās.",
        "Datumiem jābūt no 2000. līdz 2099. gadam.",
    ),
    "en": (
        "The text contains a control character (U+202E) that is not allowed. "
        "Please send it again without it.",
        "Dates must be in the years 2000 to 2099.",
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_refused_text_and_dates_are_explained_in_the_person_s_language(
    language: Language,
) -> None:
    hidden = problem_text(language, UnsafeText("the statement", "\u202e"), "x\u202ey")
    calendar = problem_text(language, PeriodError("out_of_calendar", "9999-12-31"))
    if language in EXPECTED:  # read word by word in the languages the team writes itself
        assert (hidden, calendar) == EXPECTED[language]
    assert "U+202E" in hidden and "\u202e" not in hidden
    assert "2000" in calendar and "2099" in calendar


def test_the_reply_names_the_character_but_never_contains_it() -> None:
    for character in ("\x00", "\x1b", "\u2066"):
        text = problem_text("en", UnsafeText("it", character))
        assert f"(U+{ord(character):04X})" in text and character not in text
