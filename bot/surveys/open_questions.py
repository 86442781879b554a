"""The open question a coordinator may add for a group, asked after the last statement.

It is one of the short list in `open_questions.toml` beside this module (its words are
`open_question.<key>` in each language's respondents.toml), or the coordinator's own text,
written in one language and shown as written to readers of the others.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.i18n import Register, Texts, texts
from bot.surveys.background import KEY
from bot.surveys.vocabulary import PROFILES, Language, Profile
from bot.validation import UnsafeText, plain_text

DEFAULT_FILE: Final[Path] = Path(__file__).parent / "open_questions.toml"
MAX_QUESTION_CHARS: Final[int] = 300
MAX_ANSWER_CHARS: Final[int] = 500


class OpenQuestionError(ValueError):
    """The list of open questions is broken, or a question asked for cannot be used."""


@dataclass(frozen=True, slots=True)
class ListedQuestion:
    key: str
    profiles: frozenset[Profile]


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    """A session's open question for one group: a listed one (`key`) or its own `text`."""

    profile: Profile
    key: str | None = None
    text: str | None = None
    language: Language | None = None  # what `text` is written in

    def wording(self, language: Language, register: Register) -> str:
        if self.key is not None:
            return texts().addressed(language, f"open_question.{self.key}", register)
        assert self.text is not None
        return self.text

    def untranslated_for(self, language: Language) -> bool:
        """Whether a reader of `language` sees the coordinator's text in another language."""
        return self.text is not None and self.language != language


@dataclass(frozen=True, slots=True)
class OpenQuestions:
    listed: tuple[ListedQuestion, ...]

    def listed_for(self, key: str, profile: Profile) -> OpenQuestion:
        """The listed question `key` for `profile`, or OpenQuestionError saying why not."""
        found = next((q for q in self.listed if q.key == key), None)
        if found is None:
            keys = ", ".join(q.key for q in self.listed)
            raise OpenQuestionError(f"{key!r} is not a listed open question (listed: {keys})")
        if profile not in found.profiles:
            raise OpenQuestionError(f"the open question {key!r} is not for {profile}")
        return OpenQuestion(profile=profile, key=key)


def own_open_question(profile: Profile, text: str, language: Language) -> OpenQuestion:
    """A coordinator's own question: one line, 1 to MAX_QUESTION_CHARS characters, without
    control characters (OpenQuestionError says which rule it breaks)."""
    try:
        plain_text(text, what=f"the open question for {profile}")
    except UnsafeText as error:
        raise OpenQuestionError(str(error)) from None
    line = " ".join(text.split())
    if not 1 <= len(line) <= MAX_QUESTION_CHARS:
        raise OpenQuestionError(
            f"the open question for {profile} must be 1 to {MAX_QUESTION_CHARS} characters"
        )
    return OpenQuestion(profile=profile, text=line, language=language)


def load_open_questions(path: Path | None = None, catalogue: Texts | None = None) -> OpenQuestions:
    file = DEFAULT_FILE if path is None else path
    words = texts() if catalogue is None else catalogue
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OpenQuestionError(f"{file.name}: not found") from None
    except tomllib.TOMLDecodeError as error:
        raise OpenQuestionError(f"{file.name}: not valid TOML: {error}") from None
    entries = raw.get("question", [])
    if set(raw) - {"question"} or not isinstance(entries, list):
        raise OpenQuestionError(f"{file.name}: only [[question]] entries belong here")
    listed: list[ListedQuestion] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{file.name}: question #{number}"
        if not isinstance(entry, dict) or set(entry) != {"key", "profiles"}:
            raise OpenQuestionError(f"{where}: needs exactly key and profiles")
        key, profiles = entry["key"], entry["profiles"]
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise OpenQuestionError(f"{where}: key must be 1–16 of a–z, 0–9, _ (got {key!r})")
        if any(q.key == key for q in listed):
            raise OpenQuestionError(f"{where}: {key} is listed twice")
        if (
            not isinstance(profiles, list)
            or not profiles
            or any(p not in PROFILES for p in profiles)
        ):
            raise OpenQuestionError(f"{where}: profiles must be values of {list(PROFILES)}")
        if f"open_question.{key}" not in words.keys:
            raise OpenQuestionError(f"{where}: no words in respondents.toml for {key}")
        listed.append(ListedQuestion(key, frozenset(profiles)))
    return OpenQuestions(tuple(listed))


@functools.cache
def default_open_questions() -> OpenQuestions:
    return load_open_questions()
