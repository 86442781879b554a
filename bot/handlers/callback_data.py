"""Inline-button payloads: a compact text format, parsed strictly.

Telegram allows 1-64 bytes. Anything that does not parse is treated as forged or garbled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from bot.surveys.background import KEY
from bot.surveys.vocabulary import LANGUAGES, Language

MAX_BYTES = 64
_CODE = r"[A-HS][0-9]{1,2}"
_ANSWER = re.compile(rf"a:([0-9]{{1,12}}):({_CODE}):([0-5])")
_BACK = re.compile(rf"b:([0-9]{{1,12}}):({_CODE})")
_HELP = re.compile(rf"h:([0-9]{{1,12}}):({_CODE}):([01])")
_LANGUAGE = re.compile(r"l:([a-z]{2,3})")
_CONTINUE = re.compile(r"c:([0-9]{1,12})")
_MUTE = re.compile(r"m:([0-9]{1,12})")
_CERTIFICATE = re.compile(r"z:([0-9]{1,12})")
_FORGET = re.compile(r"f:([01])")
_BACKGROUND = re.compile(rf"g:([0-9]{{1,12}}):({KEY.pattern}):({KEY.pattern})")
_BACKGROUND_BACK = re.compile(rf"gb:([0-9]{{1,12}}):({KEY.pattern})")
_SKIP_OPEN = re.compile(r"o:([0-9]{1,12})")


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


@dataclass(frozen=True, slots=True)
class Continue:
    """From a reminder: show the current statement of this session."""

    session_id: int


@dataclass(frozen=True, slots=True)
class Mute:
    """From a reminder: no more reminders for this session."""

    session_id: int


@dataclass(frozen=True, slots=True)
class Certificate:
    """After completion: a participation certificate for this session."""

    session_id: int


@dataclass(frozen=True, slots=True)
class Forget:
    """After /forget: delete what is kept about this person (True) or not."""

    confirm: bool


@dataclass(frozen=True, slots=True)
class AnswerBackground:
    """An answer to a question about the person (bot/surveys/background.py)."""

    session_id: int
    question: str
    option: str


@dataclass(frozen=True, slots=True)
class BackBackground:
    session_id: int
    question: str


@dataclass(frozen=True, slots=True)
class SkipOpen:
    """Skip the session's open question."""

    session_id: int


Action = (
    Answer
    | Back
    | ToggleHelp
    | ChooseLanguage
    | Continue
    | Mute
    | Certificate
    | Forget
    | AnswerBackground
    | BackBackground
    | SkipOpen
)


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
        case Continue(session_id):
            data = f"c:{session_id}"
        case Mute(session_id):
            data = f"m:{session_id}"
        case Certificate(session_id):
            data = f"z:{session_id}"
        case Forget(confirm):
            data = f"f:{int(confirm)}"
        case AnswerBackground(session_id, question, option):
            data = f"g:{session_id}:{question}:{option}"
        case BackBackground(session_id, question):
            data = f"gb:{session_id}:{question}"
        case SkipOpen(session_id):
            data = f"o:{session_id}"
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
    if match := _CONTINUE.fullmatch(data):
        return Continue(int(match[1]))
    if match := _MUTE.fullmatch(data):
        return Mute(int(match[1]))
    if match := _CERTIFICATE.fullmatch(data):
        return Certificate(int(match[1]))
    if match := _FORGET.fullmatch(data):
        return Forget(match[1] == "1")
    if match := _BACKGROUND.fullmatch(data):
        return AnswerBackground(int(match[1]), match[2], match[3])
    if match := _BACKGROUND_BACK.fullmatch(data):
        return BackBackground(int(match[1]), match[2])
    if match := _SKIP_OPEN.fullmatch(data):
        return SkipOpen(int(match[1]))
    if (match := _LANGUAGE.fullmatch(data)) and match[1] in LANGUAGES:
        return ChooseLanguage(cast(Language, match[1]))
    return None


# Coordinators' buttons: "<kind>:<id>:<op>[:<arg>]", where kind d is a draft, s a session and
# k a school. Each op has its own pattern for its argument ("" means none).
_LEVEL = r"primary|lower-secondary|upper-secondary|vet"
_OWN = r"S(?:10|[1-9])"
_DRAFT_OPS: dict[str, str] = {
    "lvl": _LEVEL,
    "cust": "",
    "opt": r"[A-H]",
    "tog": r"[A-H][0-9]{1,2}",
    "own": "",
    "add": "",
    "ov": _OWN,
    "oe": rf"{_OWN}\.(?:text|help|area|groups)",
    "olt": rf"{_OWN}\.(?:{'|'.join(LANGUAGES)})",
    "od": _OWN,
    "oa": r"[A-H]",
    "og": r"leader|teacher|student",
    "ogd": "",
    "osk": "",
    "back": "",
    "dates": "",
    "cal": r"[0-9]{6}",
    "day": r"[0-9]{8}",
    "rev": "",
    "go": "",
    "drop": "",
    "resume": "",
    "nop": "",
}
_SESSION_OPS: dict[str, str] = {
    "card": "",
    "st": "",
    "pv": rf"(?:(?:leader|teacher|student)\.(?:{'|'.join(LANGUAGES)}))?",
    "ln": "",
    "eds": "",
    "edd": "",
    "rem": "",
    "cls": "",
    "clsy": "",
    "res": "",
}
_SCHOOL_OPS: dict[str, str] = {
    "new": "",
    "inv": "",
    "team": "",
    "rm": r"[0-9]{1,15}",
    "rmy": r"[0-9]{1,15}",
}
_COORDINATION = re.compile(r"([dsk]):([0-9]{1,12}):([a-z]{2,6})(?::([A-Za-z0-9.-]{1,24}))?")
COORDINATION_PATTERN = re.compile(r"[dsk]:")


@dataclass(frozen=True, slots=True)
class DraftAction:
    draft_id: int
    op: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class SessionAction:
    session_id: int
    op: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class SchoolAction:
    school_id: int
    op: str
    arg: str = ""


CoordinationAction = DraftAction | SessionAction | SchoolAction
_KINDS: dict[str, tuple[type[CoordinationAction], dict[str, str]]] = {
    "d": (DraftAction, _DRAFT_OPS),
    "s": (SessionAction, _SESSION_OPS),
    "k": (SchoolAction, _SCHOOL_OPS),
}


def encode_coordination(action: CoordinationAction) -> str:
    match action:
        case DraftAction(target, op, arg):
            kind = "d"
        case SessionAction(target, op, arg):
            kind = "s"
        case SchoolAction(target, op, arg):
            kind = "k"
    data = f"{kind}:{target}:{op}" + (f":{arg}" if arg else "")
    assert decode_coordination(data) == action, data
    return data


def decode_coordination(data: object) -> CoordinationAction | None:
    """A coordinator's button, or None for anything forged or garbled."""
    if not isinstance(data, str) or len(data) > MAX_BYTES:
        return None
    match = _COORDINATION.fullmatch(data)
    if match is None:
        return None
    kind, target, op, arg = match[1], int(match[2]), match[3], match[4] or ""
    action_type, ops = _KINDS[kind]
    pattern = ops.get(op)
    if pattern is None or not re.fullmatch(pattern, arg):
        return None
    return action_type(target, op, arg)
