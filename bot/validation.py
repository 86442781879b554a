"""Checks on what comes in from people and operators, one rule each, used by every way in.

Numbers: a Telegram user id is a positive whole number of at most 52 significant bits, and
a record's id (a session's, say) fits SQLite's 64-bit integers. A number out of range would
otherwise reach SQLite and fail there as an OverflowError, far from where it was typed.

Text: school names and own statements (their text and help) must not carry control characters
(C0 but tab, line feed and carriage return, which are only whitespace; DEL; C1) nor the bidi
embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) that can make a text read
other than it is. Such text is refused, never silently changed, so that what the person sees
in the reports is what they wrote; names from Telegram profiles, which nobody can be asked to
retype, have those characters removed instead.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Telegram: "this number may have more than 32 significant bits … but it has at most 52".
TELEGRAM_ID_LIMIT: Final[int] = 2**52  # exclusive
MAX_RECORD_ID: Final[int] = 2**63 - 1  # SQLite's INTEGER is a signed 64-bit number
_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only: int() would also take "٣", "1_0", "+1"

_WHITESPACE_CONTROLS: Final[frozenset[str]] = frozenset("\t\n\r")
BIDI_CONTROLS: Final[frozenset[str]] = frozenset(
    chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
)


class OutOfRange(ValueError):
    """A number that is no id of the kind asked for; the message says what is allowed."""


def telegram_user_id(value: int | str) -> int:
    """A Telegram user id, from an int or from ASCII digits: 1 to 2**52 - 1."""
    return _whole_number(value, "a Telegram user id", TELEGRAM_ID_LIMIT - 1)


def record_id(value: int | str) -> int:
    """The id of one of our records (a session, a school): 1 to 2**63 - 1."""
    return _whole_number(value, "an id", MAX_RECORD_ID)


def _whole_number(value: int | str, what: str, maximum: int) -> int:
    problem = OutOfRange(f"{_shown(value)} is not {what} (a whole number from 1 to {maximum})")
    if isinstance(value, str):
        digits = value.strip().lstrip("0") or "0"
        # Too many digits is out of range before int() even tries (it refuses 4300 and more).
        if not _DIGITS.fullmatch(digits) or len(digits) > len(str(maximum)):
            raise problem
        number = int(digits)
    else:
        number = value
    if isinstance(number, bool) or not 1 <= number <= maximum:
        raise problem
    return number


def _shown(value: int | str) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


class UnsafeText(ValueError):
    """Text with a character that is refused; `character` is the first such character."""

    def __init__(self, what: str, character: str) -> None:
        self.what = what
        self.character = character
        super().__init__(f"{what} contains {describe(character)}, a control character; remove it")


def is_hidden(character: str) -> bool:
    """A control character or a bidi override/isolate: refused in what people type."""
    if character in _WHITESPACE_CONTROLS:
        return False
    return unicodedata.category(character) == "Cc" or character in BIDI_CONTROLS


def plain_text(text: str, *, what: str) -> str:
    """`text` unchanged, or UnsafeText naming its first hidden character."""
    for character in text:
        if is_hidden(character):
            raise UnsafeText(what, character)
    return text


def without_hidden(text: str) -> str:
    """`text` with every hidden character removed, for names nobody can be asked to retype."""
    return "".join(character for character in text if not is_hidden(character))


def code_point(character: str) -> str:
    return f"U+{ord(character):04X}"


def describe(character: str) -> str:
    """U+202E (RIGHT-TO-LEFT OVERRIDE); control characters have no name, only the number."""
    name = unicodedata.name(character, "")
    return code_point(character) + (f" ({name})" if name else "")
