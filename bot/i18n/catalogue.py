"""Every text the bot shows, in every language: one catalogue, loaded and checked at start.

Each language folder holds TOML files of texts (all but `language.toml` and
`statements.toml`); their tables make dotted keys ("start.welcome"). A text is one of:

- a string;
- a table of plural forms, for a text with a `{count}`: one entry per CLDR plural category
  of the language, no more and no fewer (Latvian: zero, one, other; Russian and Ukrainian:
  one, few, many, other; English: one, other). Babel picks the category;
- a table `staff` / `student`, for a text that addresses its reader: staff (school leaders,
  teachers, trainers, coordinators) are addressed formally and students familiarly where the
  language makes that difference; each of the two is a string or a table of plural forms.

Every language has the same keys, and every form of a key has the same placeholders.
"""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

from babel.numbers import format_decimal

from bot.i18n.languages import LANGUAGE_FILE, Languages, shipped

Register = Literal["staff", "student"]
REGISTERS: Final[tuple[Register, ...]] = ("staff", "student")
PLURAL_CATEGORIES: Final[frozenset[str]] = frozenset({"zero", "one", "two", "few", "many", "other"})
STATEMENTS_FILE: Final[str] = "statements.toml"

# A form: a string, or plural category -> string.
Form = str | Mapping[str, str]


class TextsError(ValueError):
    """A language's texts are incomplete or inconsistent."""


class Texts:
    def __init__(self, languages: Languages, entries: Mapping[str, Mapping[str, Any]]) -> None:
        self.languages = languages
        # language -> key -> register -> form
        self._entries: dict[str, dict[str, dict[Register, Form]]] = {}
        for code in languages.codes:
            info = languages[code]
            self._entries[code] = {
                key: _entry(raw, f"locales/{code}: {key}", _categories(info.locale))
                for key, raw in entries[code].items()
            }
        reference = languages.codes[0]
        for code in languages.codes[1:]:
            if differ := sorted(set(self._entries[reference]) ^ set(self._entries[code])):
                raise TextsError(
                    f"locales/{code}: keys differ from locales/{reference}: {differ[:10]}"
                )
        for key, forms in self._entries[reference].items():
            expected = _placeholders(forms)
            for code in languages.codes[1:]:
                found = _placeholders(self._entries[code][key])
                if found != expected:
                    raise TextsError(
                        f"locales/{code}: {key} has placeholders {sorted(found)},"
                        f" locales/{reference} {sorted(expected)}"
                    )

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self._entries[self.languages.codes[0]])

    def require(self, keys: Iterable[str]) -> None:
        """Stop with the list of keys that the code asks for and no language has."""
        if missing := sorted(set(keys) - self.keys):
            raise TextsError(f"texts asked for by the code are missing: {missing}")

    def __call__(self, language: str, key: str, /, **values: object) -> str:
        """The text as staff read it (or as everyone does, where it has no registers)."""
        return self.addressed(language, key, "staff", **values)

    def addressed(self, language: str, key: str, register: Register, /, **values: object) -> str:
        """The text in the register of its reader: students are addressed as students."""
        form = self._entries[language][key][register]
        if isinstance(form, Mapping):
            count = values.get("count")
            if not isinstance(count, int | float):
                raise TypeError(f"{key} has plural forms: give it a count")
            locale = self.languages[language].locale
            form = form[locale.plural_form(count)]
            values = {**values, "count": format_decimal(count, locale=locale)}
        return form.format(**values)


def _categories(locale: Any) -> frozenset[str]:
    return frozenset(locale.plural_form.tags) | {"other"}


def _entry(raw: Any, where: str, categories: frozenset[str]) -> dict[Register, Form]:
    if isinstance(raw, Mapping) and set(raw) == set(REGISTERS):
        return {
            register: _form(raw[register], f"{where}.{register}", categories)
            for register in REGISTERS
        }
    form = _form(raw, where, categories)
    return dict.fromkeys(REGISTERS, form)


def _form(raw: Any, where: str, categories: frozenset[str]) -> Form:
    if isinstance(raw, str):
        _check_format(raw, where)
        return raw.strip()
    if isinstance(raw, Mapping) and set(raw) <= PLURAL_CATEGORIES:
        if set(raw) != categories:
            raise TextsError(
                f"{where}: plural forms {sorted(raw)}, but the language has {sorted(categories)}"
            )
        forms: dict[str, str] = {}
        for category, text in raw.items():
            if not isinstance(text, str):
                raise TextsError(f"{where}.{category}: expected text")
            _check_format(text, f"{where}.{category}")
            forms[category] = text.strip()
        if any("{count}" not in text for text in forms.values()):
            raise TextsError(f"{where}: every plural form shows the {{count}}")
        return forms
    raise TextsError(f"{where}: expected text, plural forms or staff/student texts")


def _check_format(text: str, where: str) -> None:
    try:
        list(string.Formatter().parse(text))
    except ValueError as error:
        raise TextsError(f"{where}: {error} (write a literal brace as {{{{ or }}}})") from None


def _placeholders(forms: Mapping[Register, Form]) -> frozenset[str]:
    found: set[str] = set()
    for form in forms.values():
        for text in form.values() if isinstance(form, Mapping) else (form,):
            found |= {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return frozenset(found)


def _flatten(table: Mapping[str, Any], where: str, prefix: str = "") -> dict[str, Any]:
    """Dotted keys down to the texts; a table of plural forms or of registers is one text."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        is_text = isinstance(value, str) or (
            isinstance(value, Mapping)
            and (set(value) <= PLURAL_CATEGORIES or set(value) == set(REGISTERS))
        )
        if is_text:
            flat[name] = value
        elif isinstance(value, Mapping):
            flat.update(_flatten(value, where, name + "."))
        else:
            raise TextsError(f"{where}: {name}: expected text, found {type(value).__name__}")
    return flat


def load(languages: Languages) -> Texts:
    entries: dict[str, dict[str, Any]] = {}
    for code in languages.codes:
        folder = languages.folder.joinpath(code)
        merged: dict[str, Any] = {}
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".toml") or entry.name in (LANGUAGE_FILE, STATEMENTS_FILE):
                continue
            where = f"locales/{code}/{entry.name}"
            try:
                part = _flatten(tomllib.loads(entry.read_text(encoding="utf-8")), where)
            except tomllib.TOMLDecodeError as error:
                raise TextsError(f"{where}: not valid TOML: {error}") from None
            if clash := sorted(set(part) & set(merged)):
                raise TextsError(f"{where}: keys defined twice: {clash}")
            merged |= part
        entries[code] = merged
    return Texts(languages, entries)


@functools.cache
def texts() -> Texts:
    """The shipped catalogue."""
    return load(shipped())
