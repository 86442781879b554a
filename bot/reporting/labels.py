"""The reports' words: the `report.` part of the one text catalogue (bot/i18n)."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from bot.i18n import Texts, texts
from bot.i18n.formatting import number
from bot.surveys.next_steps import default_next_steps
from bot.surveys.vocabulary import LEVELS, PROFILES, Language, Level, Profile

PREFIX = "report."


class Labels:
    """`texts()` with the keys of the reports written without their `report.` prefix."""

    def __init__(self, catalogue: Texts) -> None:
        self._texts = catalogue

    def __call__(self, language: Language, key: str, /, **values: object) -> str:
        return self._texts(language, PREFIX + key, **values)

    def group(self, profile: Profile, language: Language) -> str:
        return self(language, f"group.{profile}")

    def level(self, level: Level, language: Language) -> str:
        return self(language, f"level.{level}")

    def means(self, means: Mapping[Profile, float], language: Language) -> str:
        """Groups' means as the reports list them ("Skolotāji 3,4 · Skolēni 3,1")."""
        return " · ".join(
            f"{self.group(p, language)} {number(means[p], language)}"
            for p in PROFILES
            if p in means
        )


def required_keys() -> set[str]:
    """The report keys that the code builds from names rather than writes out, and the texts of
    the next steps (loading them checks their data file against the catalogue)."""
    keys = {f"group.{profile}" for profile in PROFILES} | {f"level.{level}" for level in LEVELS}
    keys |= {f"export.{kind}_file" for kind in ("answers", "summary", "report", "chart")}
    keys |= {f"chart.{why}" for why in ("no_answers", "not_asked", "below_minimum")}
    keys |= {f"export.{key}" for key in ("respondent", "group", "code", "area", "value", "text")}
    return {PREFIX + key for key in keys} | default_next_steps().all_keys


@functools.cache
def labels() -> Labels:
    return Labels(texts())
