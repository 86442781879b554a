"""The languages the bot speaks: one folder each under `locales/`, found and checked at start.

A language is its folder `locales/<code>/`: `language.toml` says what the language is (its own
name, its CLDR locale, how a date is written, which Telegram language codes choose it), and the
other files hold its texts (see `catalogue.py`) and its statements (`bot/surveys/bank.py`).
Adding a language adds a folder; no code changes.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Final

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime

# A language code as Telegram and ISO 639-1 write it; it is also the folder's name.
_CODE: Final[re.Pattern[str]] = re.compile(r"[a-z]{2,3}")
LANGUAGE_FILE: Final[str] = "language.toml"
_KEYS: Final[frozenset[str]] = frozenset(
    {"name", "locale", "date", "moment", "telegram", "order", "default", "fallback"}
)


class LanguageError(ValueError):
    """A language folder is incomplete or says something impossible."""


@dataclass(frozen=True, slots=True)
class LanguageInfo:
    code: str
    name: str  # in the language itself: "Latviešu", "Русский"
    locale: Locale
    date_pattern: str
    moment_pattern: str  # a date with the time of day
    telegram: tuple[str, ...]
    order: int

    def date(self, day: date) -> str:
        return format_date(day, self.date_pattern, locale=self.locale)

    def moment(self, instant: datetime) -> str:
        return format_datetime(instant, self.moment_pattern, locale=self.locale)


@dataclass(frozen=True, slots=True)
class Languages:
    """Every shipped language, in the order /language offers them."""

    by_code: Mapping[str, LanguageInfo]
    default: str  # for messages to someone whose language is not known
    fallback: str  # for someone whose Telegram language is not shipped
    folder: Traversable

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.by_code)

    def __iter__(self) -> Iterator[LanguageInfo]:
        return iter(self.by_code.values())

    def __getitem__(self, code: str) -> LanguageInfo:
        return self.by_code[code]

    def for_telegram(self, language_code: str | None) -> str:
        """The language for Telegram's `language_code` ("ru", "uk", "lv-LV", "pt-br", None)."""
        wanted = (language_code or "").lower().replace("_", "-")
        for info in self:
            if any(wanted == code or wanted.startswith(code + "-") for code in info.telegram):
                return info.code
        return self.fallback


def discover(folder: Traversable) -> Languages:
    """Read every `<code>/language.toml` below `folder`."""
    found: list[tuple[LanguageInfo, bool, bool]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.is_dir() or entry.name.startswith(("_", ".")):
            continue
        if not _CODE.fullmatch(entry.name):
            raise LanguageError(f"locales/{entry.name}: a folder's name is a language code")
        found.append(_read(entry))
    if not found:
        raise LanguageError("locales: no language found")
    found.sort(key=lambda item: (item[0].order, item[0].code))
    defaults = [info.code for info, is_default, _ in found if is_default]
    fallbacks = [info.code for info, _, is_fallback in found if is_fallback]
    if len(defaults) != 1 or len(fallbacks) != 1:
        raise LanguageError(
            "locales: exactly one language says `default = true` and exactly one"
            f" `fallback = true` (found {defaults} and {fallbacks})"
        )
    return Languages(
        by_code={info.code: info for info, _, _ in found},
        default=defaults[0],
        fallback=fallbacks[0],
        folder=folder,
    )


def _read(entry: Traversable) -> tuple[LanguageInfo, bool, bool]:
    where = f"locales/{entry.name}/{LANGUAGE_FILE}"
    file = entry.joinpath(LANGUAGE_FILE)
    if not file.is_file():
        raise LanguageError(f"{where}: missing")
    try:
        raw: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise LanguageError(f"{where}: not valid TOML: {error}") from None
    if unknown := sorted(set(raw) - _KEYS):
        raise LanguageError(f"{where}: unknown key(s) {unknown}")
    name, pattern, moment = raw.get("name"), raw.get("date"), raw.get("moment")
    if not isinstance(name, str) or not name.strip():
        raise LanguageError(f"{where}: `name`, the language's own name, is required")
    try:
        locale = Locale.parse(str(raw.get("locale")))
    except (UnknownLocaleError, ValueError, TypeError):
        raise LanguageError(f"{where}: `locale` must be a CLDR locale such as lv_LV") from None
    if not isinstance(pattern, str) or not pattern.strip():
        raise LanguageError(f"{where}: `date` must be a date pattern such as dd.MM.y.")
    if not isinstance(moment, str) or not moment.strip():
        raise LanguageError(f"{where}: `moment` must be a pattern such as dd.MM.y. HH:mm")
    telegram = raw.get("telegram", [entry.name])
    if not isinstance(telegram, list) or not all(isinstance(c, str) and c for c in telegram):
        raise LanguageError(f"{where}: `telegram` must be a list of language codes")
    order = raw.get("order", 100)
    if not isinstance(order, int):
        raise LanguageError(f"{where}: `order` must be a whole number")
    info = LanguageInfo(
        code=entry.name,
        name=name.strip(),
        locale=locale,
        date_pattern=pattern,
        moment_pattern=moment,
        telegram=tuple(code.lower() for code in telegram),
        order=order,
    )
    # A pattern Babel cannot use fails here, not in a message.
    info.date(date(2026, 12, 14))
    info.moment(datetime(2026, 12, 14, 23, 59, tzinfo=UTC))
    return info, raw.get("default") is True, raw.get("fallback") is True


@functools.cache
def shipped() -> Languages:
    """The languages in this package's `locales/` folder."""
    return discover(resources.files("bot.i18n").joinpath("locales"))


LANGUAGES: Final[tuple[str, ...]] = shipped().codes
DEFAULT_LANGUAGE: Final[str] = shipped().default
