"""Interface texts in every language, loaded from locale/*.toml and checked at load."""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from bot.surveys.vocabulary import LANGUAGES, Language


class TextsError(ValueError):
    pass


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        elif isinstance(value, str):
            flat[name] = value.strip()
        else:
            raise TextsError(f"{name}: expected text, found {type(value).__name__}")
    return flat


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


class Texts:
    def __init__(self, catalogues: Mapping[Language, Mapping[str, str]]) -> None:
        reference = catalogues[LANGUAGES[0]]
        for language in LANGUAGES[1:]:
            other = catalogues[language]
            if missing := sorted(set(reference) ^ set(other)):
                raise TextsError(f"locale {language}: keys differ from {LANGUAGES[0]}: {missing}")
            for key, text in other.items():
                if _placeholders(text) != _placeholders(reference[key]):
                    raise TextsError(f"locale {language}: placeholders of {key} differ")
        self._catalogues = catalogues

    def __call__(self, language: Language, key: str, /, **values: object) -> str:
        return self._catalogues[language][key].format(**values)


@functools.cache
def texts() -> Texts:
    """Every `locale/<lang>.toml` merged with the `locale/<part>.<lang>.toml` files beside it."""
    folder = resources.files("bot.handlers").joinpath("locale")
    catalogues: dict[Language, dict[str, str]] = {}
    for language in LANGUAGES:
        merged: dict[str, str] = {}
        names = sorted(
            entry.name
            for entry in folder.iterdir()
            if entry.name == f"{language}.toml" or entry.name.endswith(f".{language}.toml")
        )
        for name in names:
            part = _flatten(tomllib.loads(folder.joinpath(name).read_text("utf-8")))
            if clash := sorted(set(part) & set(merged)):
                raise TextsError(f"locale {name}: keys defined twice: {clash}")
            merged |= part
        catalogues[language] = merged
    return Texts(catalogues)
