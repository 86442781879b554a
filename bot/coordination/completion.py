"""Live completion per group, classified as SELFIE shows it against a recommended minimum."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.storage.records import GroupCount
from bot.surveys.vocabulary import PROFILES, Profile

CompletionLevel = Literal["high", "medium", "incomplete", "none"]


@dataclass(frozen=True, slots=True)
class GroupCompletion:
    profile: Profile
    joined: int
    completed: int
    minimum: int

    @property
    def percent_of_minimum(self) -> int:
        return round(100 * self.completed / self.minimum)

    @property
    def level(self) -> CompletionLevel:
        return classify(self.completed, self.minimum)


def classify(completed: int, minimum: int) -> CompletionLevel:
    """High at the minimum or above, medium from half of it, incomplete below, none at zero."""
    if completed <= 0:
        return "none"
    if completed >= minimum:
        return "high"
    if 2 * completed >= minimum:
        return "medium"
    return "incomplete"


def completion(
    counts: Mapping[Profile, GroupCount], minimums: Mapping[Profile, int]
) -> list[GroupCompletion]:
    """The completion of each group in `counts` (the session's groups), in PROFILES order."""
    return [
        GroupCompletion(
            profile=profile,
            joined=counts[profile].joined,
            completed=counts[profile].completed,
            minimum=max(1, minimums[profile]),
        )
        for profile in PROFILES
        if profile in counts
    ]
