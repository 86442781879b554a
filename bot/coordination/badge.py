"""The school's badge for taking part: earned when a session closes with every group of its
level at its recommended minimum of completed questionnaires. It shows no results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.surveys.questionnaire import OwnStatement
from bot.surveys.vocabulary import LANGUAGES, Language, Level, Profile, profiles_at


@dataclass(frozen=True, slots=True)
class BadgeRule:
    minimums: Mapping[Profile, int]  # SELFIE_MINIMUM_*

    def earned(self, level: Level, completed: Mapping[Profile, int]) -> bool:
        return all(
            completed.get(profile, 0) >= max(1, self.minimums[profile])
            for profile in profiles_at(level)
        )


def school_language(own: Sequence[OwnStatement]) -> Language | None:
    """The language the school writes its own statements in, if they share a shipped one."""
    languages = {statement.language for statement in own}
    if len(languages) != 1:
        return None
    (language,) = languages
    return language if language in LANGUAGES else None
