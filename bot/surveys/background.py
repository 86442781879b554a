"""Questions about the respondents: the optional short block before the statements.

The structure is `background.toml` beside this module: each question's key, the groups that
are asked it (at most MAX_PER_GROUP a group) and its answer options in the order offered.
Every question also offers "prefer not to say" (UNDISCLOSED), which the file does not list.
The words are language data: `[background.<key>]` in each language's respondents.toml holds
the `question` and one text per option. Both are checked at load, so that a typo stops the bot
at start instead of showing a broken button.

A person's answers travel as one text, "key=option,key=option" in the order of the questions:
beside the unfinished questionnaire, then with the completed response, where equal texts are
counted together for the breakdowns.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bot.i18n import Texts, texts
from bot.surveys.vocabulary import PROFILES, Profile

DEFAULT_FILE: Final[Path] = Path(__file__).parent / "background.toml"
UNDISCLOSED: Final[str] = "undisclosed"
MAX_PER_GROUP: Final[int] = 3
MAX_OPTIONS: Final[int] = 6
# Short enough for a button's callback data ("g:<session>:<key>:<option>", 64 bytes at most).
KEY: Final[re.Pattern[str]] = re.compile(r"[a-z][a-z0-9_]{0,15}")
_RESERVED: Final[frozenset[str]] = frozenset({UNDISCLOSED, "question"})


class BackgroundError(ValueError):
    """The questions about the respondents are missing or inconsistent."""


@dataclass(frozen=True, slots=True)
class BackgroundQuestion:
    key: str
    profiles: frozenset[Profile]
    options: tuple[str, ...]  # as offered, without UNDISCLOSED

    @property
    def choices(self) -> tuple[str, ...]:
        """Every answer a button can give, "prefer not to say" last."""
        return (*self.options, UNDISCLOSED)

    @property
    def text_key(self) -> str:
        return f"background.{self.key}.question"

    def option_key(self, option: str) -> str:
        if option == UNDISCLOSED:
            return "background.undisclosed"
        return f"background.{self.key}.{option}"


@dataclass(frozen=True, slots=True)
class Background:
    questions: tuple[BackgroundQuestion, ...]

    def asked(self, profile: Profile) -> tuple[BackgroundQuestion, ...]:
        return tuple(q for q in self.questions if profile in q.profiles)

    def question(self, key: str) -> BackgroundQuestion | None:
        return next((q for q in self.questions if q.key == key), None)

    def encode(self, profile: Profile, answers: Mapping[str, str]) -> str:
        """The answers as stored: in question order, only the group's questions."""
        return ",".join(
            f"{q.key}={answers[q.key]}" for q in self.asked(profile) if q.key in answers
        )


def decode(text: str) -> dict[str, str]:
    pairs = (item.partition("=") for item in text.split(",") if item)
    return {key: option for key, _, option in pairs}


def load_background(path: Path | None = None, catalogue: Texts | None = None) -> Background:
    """Read and check the questions in `path` (default: the shipped file) against the words
    of every language in `catalogue` (default: the shipped one)."""
    file = DEFAULT_FILE if path is None else path
    words = texts() if catalogue is None else catalogue
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackgroundError(f"{file.name}: not found") from None
    except tomllib.TOMLDecodeError as error:
        raise BackgroundError(f"{file.name}: not valid TOML: {error}") from None
    if set(raw) - {"question"}:
        raise BackgroundError(f"{file.name}: only [[question]] entries belong here")
    entries = raw.get("question", [])
    if not isinstance(entries, list):
        raise BackgroundError(f"{file.name}: [[question]] must be an array of tables")
    questions = [
        _question(entry, f"{file.name}: question #{number}")
        for number, entry in enumerate(entries, start=1)
    ]
    keys = [q.key for q in questions]
    if duplicate := next((key for key in keys if keys.count(key) > 1), None):
        raise BackgroundError(f"{file.name}: {duplicate}: defined twice")
    for profile in PROFILES:
        asked = [q.key for q in questions if profile in q.profiles]
        if len(asked) > MAX_PER_GROUP:
            raise BackgroundError(
                f"{file.name}: {profile} is asked {len(asked)} questions, at most {MAX_PER_GROUP}"
            )
    needed = {"background.undisclosed", "background.heading", "background.note"}
    for question in questions:
        needed |= {question.text_key, *(question.option_key(o) for o in question.options)}
    if missing := sorted(needed - words.keys):
        raise BackgroundError(f"{file.name}: no words in respondents.toml for {missing}")
    return Background(tuple(questions))


def _question(raw: Any, where: str) -> BackgroundQuestion:
    if not isinstance(raw, dict) or set(raw) != {"key", "profiles", "options"}:
        raise BackgroundError(f"{where}: needs exactly key, profiles and options")
    key, profiles, options = raw["key"], raw["profiles"], raw["options"]
    if not isinstance(key, str) or not KEY.fullmatch(key) or key in _RESERVED:
        raise BackgroundError(f"{where}: key must be 1–16 of a–z, 0–9, _ (got {key!r})")
    where = f"{where} ({key})"
    if (
        not isinstance(profiles, list)
        or not profiles
        or any(p not in PROFILES for p in profiles)
        or len(set(profiles)) != len(profiles)
    ):
        raise BackgroundError(f"{where}: profiles must be distinct values of {list(PROFILES)}")
    if (
        not isinstance(options, list)
        or not 2 <= len(options) <= MAX_OPTIONS
        or any(not isinstance(o, str) or not KEY.fullmatch(o) or o in _RESERVED for o in options)
        or len(set(options)) != len(options)
    ):
        raise BackgroundError(
            f"{where}: options must be 2 to {MAX_OPTIONS} distinct keys of a–z, 0–9, _"
            f" other than {sorted(_RESERVED)}"
        )
    return BackgroundQuestion(key, frozenset(profiles), tuple(options))


@functools.cache
def default_background() -> Background:
    return load_background()
