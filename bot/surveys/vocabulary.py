"""The fixed words of the domain: profiles, education levels, languages, areas, answers."""

from typing import Final, Literal, get_args

Profile = Literal["leader", "teacher", "student"]
Level = Literal["primary", "lower-secondary", "upper-secondary", "vet"]
Language = Literal["lv", "en"]

PROFILES: Final[tuple[Profile, ...]] = get_args(Profile)
LEVELS: Final[tuple[Level, ...]] = get_args(Level)
LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
DEFAULT_LANGUAGE: Final[Language] = "lv"

AREA_CODES: Final[tuple[str, ...]] = ("A", "B", "C", "D", "E", "F", "G", "H")

# An answer is 1..5 on the agreement scale, or NOT_APPLICABLE.
NOT_APPLICABLE: Final[int] = 0
ANSWER_VALUES: Final[tuple[int, ...]] = (1, 2, 3, 4, 5, NOT_APPLICABLE)


def is_profile(value: str) -> bool:
    return value in PROFILES


def is_level(value: str) -> bool:
    return value in LEVELS
