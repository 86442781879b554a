"""The few words the reports need, in every language, from `labels.toml` beside this module."""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from bot.surveys.vocabulary import LANGUAGES, LEVELS, PROFILES, Language, Level, Profile


class LabelsError(ValueError):
    """labels.toml is incomplete or its languages disagree."""


class Labels:
    def __init__(self, catalogues: Mapping[Language, Mapping[str, str]]) -> None:
        reference = catalogues[LANGUAGES[0]]
        required = {f"group.{p}" for p in PROFILES} | {f"level.{level}" for level in LEVELS}
        if missing := sorted(required - set(reference)):
            raise LabelsError(f"labels.toml: missing {missing}")
        for language in LANGUAGES[1:]:
            other = catalogues[language]
            if differ := sorted(set(reference) ^ set(other)):
                raise LabelsError(f"labels.toml: keys of {language} differ: {differ}")
            for key, text in other.items():
                if _placeholders(text) != _placeholders(reference[key]):
                    raise LabelsError(f"labels.toml: placeholders of {language}.{key} differ")
        self._catalogues = catalogues

    def __call__(self, language: Language, key: str, /, **values: object) -> str:
        return self._catalogues[language][key].format(**values)

    def group(self, profile: Profile, language: Language) -> str:
        return self(language, f"group.{profile}")

    def level(self, level: Level, language: Language) -> str:
        return self(language, f"level.{level}")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, str):
            flat[f"{prefix}{key}"] = value
        else:
            raise LabelsError(f"labels.toml: {prefix}{key} is not text")
    return flat


@functools.cache
def labels() -> Labels:
    raw = tomllib.loads(
        resources.files("bot.reporting").joinpath("labels.toml").read_text(encoding="utf-8")
    )
    if missing := [language for language in LANGUAGES if language not in raw]:
        raise LabelsError(f"labels.toml: missing languages {missing}")
    return Labels({language: _flatten(raw[language]) for language in LANGUAGES})
