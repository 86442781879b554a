"""The fixed words of the domain: profiles, education levels, areas, answers (and the
shipped languages, which are data: bot/i18n)."""

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias, get_args

from bot.i18n.languages import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from bot.i18n.languages import LANGUAGES as LANGUAGES

Profile = Literal["leader", "teacher", "student", "trainer"]
# `vet` is upper-secondary VET; `wbl` the same with work-based learning in companies, where
# the learners' in-company trainers answer too.
Level = Literal["primary", "lower-secondary", "upper-secondary", "vet", "wbl"]
# A shipped language's code ("lv", "en", …): languages are data (bot/i18n/locales/).
Language: TypeAlias = str

PROFILES: Final[tuple[Profile, ...]] = get_args(Profile)
LEVELS: Final[tuple[Level, ...]] = get_args(Level)

# Groups that answer only at some levels; every other group answers at every level.
_ONLY_AT: Final[Mapping[Profile, frozenset[Level]]] = {"trainer": frozenset({"wbl"})}
# The levels of vocational education: their wordings speak of work and companies.
VOCATIONAL: Final[frozenset[Level]] = frozenset({"vet", "wbl"})

AREA_CODES: Final[tuple[str, ...]] = ("A", "B", "C", "D", "E", "F", "G", "H")

# An answer is 1..5 on the agreement scale, or NOT_APPLICABLE.
NOT_APPLICABLE: Final[int] = 0
ANSWER_VALUES: Final[tuple[int, ...]] = (1, 2, 3, 4, 5, NOT_APPLICABLE)


def is_profile(value: str) -> bool:
    return value in PROFILES


def is_level(value: str) -> bool:
    return value in LEVELS


def profiles_at(level: Level) -> tuple[Profile, ...]:
    """The groups that answer a session at `level`, in PROFILES order."""
    return tuple(p for p in PROFILES if level in _ONLY_AT.get(p, LEVELS))
