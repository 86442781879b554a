import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.validation import (
    BIDI_CONTROLS,
    MAX_RECORD_ID,
    TELEGRAM_ID_LIMIT,
    OutOfRange,
    UnsafeText,
    is_hidden,
    plain_text,
    record_id,
    telegram_user_id,
    without_hidden,
)

# -- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 123456789, TELEGRAM_ID_LIMIT - 1, "1", " 42 ", "007"])
def test_telegram_user_ids_are_positive_and_below_2_to_the_52(value: int | str) -> None:
    assert telegram_user_id(value) == int(value)


@pytest.mark.parametrize(
    "value",
    [
        0,
        -1,
        TELEGRAM_ID_LIMIT,
        2**63,
        "99999999999999999999999",
        "0",
        "-5",
        "+5",
        "",
        "x",
        "1e3",
        "0x1F",
        "1_000",
        "²",
        "٣",
        "𝟗",
        True,
    ],
)
def test_anything_else_is_no_telegram_user_id(value: int | str) -> None:
    with pytest.raises(OutOfRange, match="is not a Telegram user id"):
        telegram_user_id(value)


def test_the_message_says_what_is_allowed_and_stays_short() -> None:
    with pytest.raises(OutOfRange) as caught:
        telegram_user_id("9" * 5000)
    message = str(caught.value)
    assert f"a whole number from 1 to {TELEGRAM_ID_LIMIT - 1}" in message
    assert len(message) < 200


def test_record_ids_end_where_sqlite_integers_end() -> None:
    assert record_id(MAX_RECORD_ID) == 2**63 - 1
    assert record_id("12") == 12
    for value in (0, MAX_RECORD_ID + 1, "99999999999999999999", "#12", "-1"):
        with pytest.raises(OutOfRange, match="is not an id"):
            record_id(value)


@given(st.integers())
def test_a_checked_id_always_fits_sqlite(value: int) -> None:
    try:
        checked = telegram_user_id(value)
    except OutOfRange:
        assert not 1 <= value < 2**52
    else:
        assert 1 <= checked < 2**52 <= 2**63


# -- text ------------------------------------------------------------------------------------------

REFUSED = [
    "\x00",
    "\x07",
    "\x1b",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x7f",
    "\x80",
    "\x85",
    "\x9f",
    *sorted(BIDI_CONTROLS),
]


def test_the_bidi_controls_are_the_embeddings_overrides_and_isolates() -> None:
    assert {f"{ord(c):04X}" for c in BIDI_CONTROLS} == {
        "202A", "202B", "202C", "202D", "202E", "2066", "2067", "2068", "2069",
    }  # fmt: skip


@pytest.mark.parametrize("character", REFUSED)
def test_control_characters_and_bidi_overrides_are_refused_by_name(character: str) -> None:
    with pytest.raises(UnsafeText) as caught:
        plain_text(f"Rīgas{character} skola", what="the school name")
    assert caught.value.character == character
    message = str(caught.value)
    assert message.startswith(f"the school name contains U+{ord(character):04X}")
    assert character not in message  # the message itself shows nothing hidden


def test_the_override_is_named() -> None:
    with pytest.raises(UnsafeText, match=r"U\+202E \(RIGHT-TO-LEFT OVERRIDE\)"):
        plain_text("abc\u202edef", what="it")


@pytest.mark.parametrize(
    "text",
    [
        "Rīgas Valsts 1. ģimnāzija",
        "line one\nline two\r\n\ttabbed",  # whitespace, which the callers join
        "Skola $x^{$ b",
        "<b>bold</b> & {0} %(name)s \\textbf{x}",
        "👩‍👩‍👧‍👦 🇱🇻 e\u0301",  # joiners and combining marks belong to the text
        "\u200f\u200e\u200b\u00a0",  # marks and spaces that override nothing
    ],
)
def test_ordinary_text_passes_unchanged(text: str) -> None:
    assert plain_text(text, what="it") is text
    assert without_hidden(text) == text


def test_names_from_telegram_lose_the_hidden_characters_only() -> None:
    assert without_hidden("Anna\u202e Bērziņa\x00 (@anna)") == "Anna Bērziņa (@anna)"


@given(st.text())
def test_what_passes_has_nothing_hidden_and_without_hidden_always_passes(text: str) -> None:
    assert plain_text(without_hidden(text), what="it") == without_hidden(text)
    hidden = [character for character in text if is_hidden(character)]
    if hidden:
        with pytest.raises(UnsafeText) as caught:
            plain_text(text, what="it")
        assert caught.value.character == hidden[0]
    else:
        assert plain_text(text, what="it") == without_hidden(text) == text
