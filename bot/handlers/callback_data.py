"""Inline-button payloads: a compact text format, parsed strictly.

Telegram allows 1-64 bytes. Anything that does not parse is treated as forged or garbled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from bot.sessions.follow_up import MONTHS
from bot.surveys.background import KEY
from bot.surveys.vocabulary import LANGUAGES, LEVELS, PROFILES, Language

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
# An invite token (bot/sessions/tokens.py), not a session id: only who has the link may ask.
_AWAIT_OPENING = re.compile(r"w:([A-Za-z0-9_-]{1,62})")


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


@dataclass(frozen=True, slots=True)
class AwaitOpening:
    """Before the start: tell me when the session of this invite opens."""

    token: str


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
    | AwaitOpening
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
        case AwaitOpening(token):
            data = f"w:{token}"
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
    if match := _AWAIT_OPENING.fullmatch(data):
        return AwaitOpening(match[1])
    if (match := _LANGUAGE.fullmatch(data)) and match[1] in LANGUAGES:
        return ChooseLanguage(cast(Language, match[1]))
    return None


# Coordinators' buttons: "<kind>:<id>:<op>[:<arg>]", where kind d is a draft, s a session and
# k a school. An operation's value is its form on the wire: renaming a member is free, changing
# a value breaks the buttons of messages already sent. Each op has its own pattern for its
# argument ("" means none).


class DraftOp(StrEnum):
    """A button of the set-up dialogue."""

    LEVEL = "lvl"
    CUSTOMISE = "cust"
    OPTIONAL_AREA = "opt"  # the optional statements of one area
    TOGGLE_OPTIONAL = "tog"
    OWN_LIST = "own"
    ADD_OWN = "add"
    OWN_DETAIL = "ov"
    EDIT_OWN = "oe"
    TRANSLATE_OWN = "olt"
    DELETE_OWN = "od"
    OWN_AREA = "oa"
    OWN_GROUP = "og"
    OWN_GROUPS_DONE = "ogd"
    SKIP_OWN_HELP = "osk"
    BACK = "back"  # away from an own statement being written
    DATES = "dates"
    MONTH = "cal"
    DAY = "day"
    REVIEW = "rev"
    SAVE = "go"
    DISCARD = "drop"
    RESUME = "resume"
    NOTHING = "nop"  # the calendar's weekday names and blank days
    RESPONDENTS = "rsp"  # what the respondents are asked besides the statements
    TOGGLE_BACKGROUND = "bg"
    OPEN_GROUP = "oq"  # the choice of one group's open question
    OPEN_PICK = "oqk"  # "<group>.<listed key>"
    OPEN_WRITE = "oqw"
    OPEN_NONE = "oqn"


class SessionOp(StrEnum):
    """A button of a session's card and of the views opened from it."""

    CARD = "card"
    STATUS = "st"
    PREVIEW = "pv"
    LINKS = "ln"
    EDIT_STATEMENTS = "eds"
    EDIT_DATES = "edd"
    REMIND = "rem"
    CLOSE = "cls"
    CLOSE_CONFIRMED = "clsy"
    CANCEL = "cnl"  # a scheduled session, before it opens: asks to confirm
    CANCEL_CONFIRMED = "cnly"
    RESULTS = "res"
    FOLLOW_UP = "fu"  # under the results: the follow-up session's proposal
    SCHEDULE_FOLLOW_UP = "fuy"  # the proposal's choice: "<months>.<first day YYYYMMDD>"


class SchoolOp(StrEnum):
    """A button about a school: a new session for it, or its team of coordinators."""

    NEW_SESSION = "new"
    INVITE = "inv"
    TEAM = "team"
    REMOVE = "rm"
    REMOVE_CONFIRMED = "rmy"


_LEVEL = "|".join(LEVELS)
_PROFILE = "|".join(PROFILES)
_OWN = r"S(?:10|[1-9])"
_DRAFT_ARGUMENTS: dict[DraftOp, str] = {
    DraftOp.LEVEL: _LEVEL,
    DraftOp.CUSTOMISE: "",
    DraftOp.OPTIONAL_AREA: r"[A-H]",
    DraftOp.TOGGLE_OPTIONAL: r"[A-H][0-9]{1,2}",
    DraftOp.OWN_LIST: "",
    DraftOp.ADD_OWN: "",
    DraftOp.OWN_DETAIL: _OWN,
    DraftOp.EDIT_OWN: rf"{_OWN}\.(?:text|help|area|groups)",
    DraftOp.TRANSLATE_OWN: rf"{_OWN}\.(?:{'|'.join(LANGUAGES)})",
    DraftOp.DELETE_OWN: _OWN,
    DraftOp.OWN_AREA: r"[A-H]",
    DraftOp.OWN_GROUP: _PROFILE,
    DraftOp.OWN_GROUPS_DONE: "",
    DraftOp.SKIP_OWN_HELP: "",
    DraftOp.BACK: "",
    DraftOp.RESPONDENTS: "",
    DraftOp.TOGGLE_BACKGROUND: "",
    DraftOp.OPEN_GROUP: _PROFILE,
    DraftOp.OPEN_PICK: rf"(?:{_PROFILE})\.{KEY.pattern}",
    DraftOp.OPEN_WRITE: _PROFILE,
    DraftOp.OPEN_NONE: _PROFILE,
    DraftOp.DATES: "",
    DraftOp.MONTH: r"[0-9]{6}",
    DraftOp.DAY: r"[0-9]{8}",
    DraftOp.REVIEW: "",
    DraftOp.SAVE: "",
    DraftOp.DISCARD: "",
    DraftOp.RESUME: "",
    DraftOp.NOTHING: "",
}
_SESSION_ARGUMENTS: dict[SessionOp, str] = {
    # "new": the card comes as a message of its own, below a view worth keeping (links, files).
    SessionOp.CARD: "(?:new)?",
    SessionOp.STATUS: "",
    SessionOp.PREVIEW: rf"(?:(?:{_PROFILE})\.(?:{'|'.join(LANGUAGES)}))?",
    SessionOp.LINKS: "",
    SessionOp.EDIT_STATEMENTS: "",
    SessionOp.EDIT_DATES: "",
    SessionOp.REMIND: "",
    SessionOp.CLOSE: "",
    SessionOp.CLOSE_CONFIRMED: "",
    SessionOp.CANCEL: "",
    SessionOp.CANCEL_CONFIRMED: "",
    SessionOp.RESULTS: "",
    SessionOp.FOLLOW_UP: "",
    SessionOp.SCHEDULE_FOLLOW_UP: rf"(?:{'|'.join(map(str, MONTHS))})\.[0-9]{{8}}",
}
_SCHOOL_ARGUMENTS: dict[SchoolOp, str] = {
    SchoolOp.NEW_SESSION: "",
    SchoolOp.INVITE: "",
    SchoolOp.TEAM: "",
    SchoolOp.REMOVE: r"[0-9]{1,15}",
    SchoolOp.REMOVE_CONFIRMED: r"[0-9]{1,15}",
}
# 24 characters: a group and a listed open question's key ("trainer.company_strength").
_COORDINATION = re.compile(r"([dsk]):([0-9]{1,12}):([a-z]{2,6})(?::([A-Za-z0-9._-]{1,24}))?")
COORDINATION_PATTERN = re.compile(r"[dsk]:")


@dataclass(frozen=True, slots=True)
class DraftAction:
    draft_id: int
    op: DraftOp
    arg: str = ""


@dataclass(frozen=True, slots=True)
class SessionAction:
    session_id: int
    op: SessionOp
    arg: str = ""


@dataclass(frozen=True, slots=True)
class SchoolAction:
    school_id: int
    op: SchoolOp
    arg: str = ""


CoordinationAction = DraftAction | SessionAction | SchoolAction


def encode_coordination(action: CoordinationAction) -> str:
    match action:
        case DraftAction(target, op, arg):
            kind = "d"
        case SessionAction(target, op, arg):
            kind = "s"
        case SchoolAction(target, op, arg):
            kind = "k"
    data = f"{kind}:{target}:{op.value}" + (f":{arg}" if arg else "")
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
    try:
        match kind:
            case "d" if _argument_fits(_DRAFT_ARGUMENTS[DraftOp(op)], arg):
                return DraftAction(target, DraftOp(op), arg)
            case "s" if _argument_fits(_SESSION_ARGUMENTS[SessionOp(op)], arg):
                return SessionAction(target, SessionOp(op), arg)
            case "k" if _argument_fits(_SCHOOL_ARGUMENTS[SchoolOp(op)], arg):
                return SchoolAction(target, SchoolOp(op), arg)
    except ValueError:  # not an operation of its kind
        return None
    return None


def _argument_fits(pattern: str, arg: str) -> bool:
    return re.fullmatch(pattern, arg) is not None
