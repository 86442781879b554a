"""Inline-button payloads: a compact text format, parsed strictly.

Telegram allows 1-64 bytes. Anything that does not parse is treated as forged or garbled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from bot.surveys.vocabulary import LANGUAGES, Language

MAX_BYTES = 64
_CODE = r"[A-HS][0-9]{1,2}"
_ANSWER = re.compile(rf"a:([0-9]{{1,12}}):({_CODE}):([0-5])")
_BACK = re.compile(rf"b:([0-9]{{1,12}}):({_CODE})")
_HELP = re.compile(rf"h:([0-9]{{1,12}}):({_CODE}):([01])")
_LANGUAGE = re.compile(r"l:([a-z]{2})")


@dataclass(frozen=True, slots=True)
class Answer:
    session_id: int
    code: str
    value: int


@dataclass(frozen=True, slots=True)
class Back:
    session_id: int
    code: str


@dataclass(frozen=True, slots=True)
class ToggleHelp:
    session_id: int
    code: str
    show: bool


@dataclass(frozen=True, slots=True)
class ChooseLanguage:
    language: Language


Action = Answer | Back | ToggleHelp | ChooseLanguage


def encode(action: Action) -> str:
    match action:
        case Answer(session_id, code, value):
            data = f"a:{session_id}:{code}:{value}"
        case Back(session_id, code):
            data = f"b:{session_id}:{code}"
        case ToggleHelp(session_id, code, show):
            data = f"h:{session_id}:{code}:{int(show)}"
        case ChooseLanguage(language):
            data = f"l:{language}"
    assert len(data.encode()) <= MAX_BYTES
    return data


def decode(data: object) -> Action | None:
    """The action a button stands for, or None for anything forged or garbled."""
    if not isinstance(data, str) or len(data) > MAX_BYTES:
        return None
    if match := _ANSWER.fullmatch(data):
        return Answer(int(match[1]), match[2], int(match[3]))
    if match := _BACK.fullmatch(data):
        return Back(int(match[1]), match[2])
    if match := _HELP.fullmatch(data):
        return ToggleHelp(int(match[1]), match[2], match[3] == "1")
    if (match := _LANGUAGE.fullmatch(data)) and match[1] in LANGUAGES:
        return ChooseLanguage(cast(Language, match[1]))
    return None
