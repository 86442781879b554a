"""The statement bank: the core and optional statements of areas A–H, loaded from TOML.

The structure lives in the `statements/` folder beside this module: `meta.toml` (which areas
each profile answers) and one file per area (`A.toml` … `H.toml`: codes, kinds, profiles, and
optionally the only levels at which a statement is asked).
The words are language data: each language's `statements.toml` (bot/i18n/locales/<code>/)
holds the area names, the scale and every statement's wordings. Everything is validated at
load, so a typo in a data file stops the bot at start instead of showing a broken
questionnaire to a participant.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

from bot.i18n.catalogue import STATEMENTS_FILE
from bot.i18n.languages import Languages, shipped
from bot.surveys.vocabulary import (
    AREA_CODES,
    LEVELS,
    NOT_APPLICABLE,
    PROFILES,
    VOCATIONAL,
    Language,
    Level,
    Profile,
    profiles_at,
)

Kind = Literal["core", "optional"]
Wording = Literal[
    "staff",
    "student",
    "trainer",
    "help",
    "student_help",
    "trainer_help",
    "vet_staff",
    "vet_student",
    "primary_student",
]

KINDS: Final[tuple[Kind, ...]] = get_args(Kind)
WORDINGS: Final[tuple[Wording, ...]] = get_args(Wording)
STAFF_PROFILES: Final[frozenset[Profile]] = frozenset({"leader", "teacher"})
STAFF_WORDINGS: Final[frozenset[Wording]] = frozenset({"staff", "vet_staff"})
STUDENT_WORDINGS: Final[frozenset[Wording]] = frozenset(
    {"student", "student_help", "vet_student", "primary_student"}
)
TRAINER_WORDINGS: Final[frozenset[Wording]] = frozenset({"trainer", "trainer_help"})
HELP_WORDINGS: Final[frozenset[Wording]] = frozenset({"help", "student_help", "trainer_help"})
MAX_TEXT_CHARS: Final[int] = 300
MAX_HELP_CHARS: Final[int] = 350
SCALE_KEYS: Final[tuple[str, ...]] = ("1", "2", "3", "4", "5", "na")

DEFAULT_DIRECTORY: Final[Path] = Path(__file__).parent / "statements"
META_FILE: Final[str] = "meta.toml"

_CODE_PATTERN: Final[re.Pattern[str]] = re.compile(r"^[A-H][1-9][0-9]?$")
_STATEMENT_KEYS: Final[frozenset[str]] = frozenset({"code", "kind", "profiles", "levels"})
_META_KEYS: Final[frozenset[str]] = frozenset({"profiles"})


class BankError(ValueError):
    """The statement bank's data files are missing or inconsistent."""


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    names: Mapping[Language, str] = field(hash=False)

    def name(self, language: Language) -> str:
        return self.names[language]


@dataclass(frozen=True, slots=True)
class Statement:
    code: str
    area: str
    kind: Kind
    profiles: frozenset[Profile]
    # Per language, the wordings the statement has (a text for each of its profiles, `staff`,
    # `student` or `trainer`, and a help: the profile's own or `help`); the loader guarantees
    # every language has the same keys.
    wordings: Mapping[Language, Mapping[Wording, str]] = field(hash=False)
    # The only levels at which it is asked (e.g. learning at the workplace); None: every level.
    levels: frozenset[Level] | None = None

    @property
    def number(self) -> int:
        return int(self.code[1:])

    def has(self, wording: Wording) -> bool:
        return wording in next(iter(self.wordings.values()))

    def shown_to(self, profile: Profile, level: Level) -> bool:
        if profile not in self.profiles or profile not in profiles_at(level):
            return False
        if self.levels is not None and level not in self.levels:
            return False
        if profile == "student" and level == "primary":
            return self.has("primary_student")
        return True

    def text(self, profile: Profile, level: Level, language: Language) -> str:
        self._require_shown(profile, level)
        texts = self.wordings[language]
        if profile == "student":
            if level == "primary":
                return texts["primary_student"]
            if level in VOCATIONAL and "vet_student" in texts:
                return texts["vet_student"]
            return texts["student"]
        if profile == "trainer":
            return texts["trainer"]
        if level in VOCATIONAL and "vet_staff" in texts:
            return texts["vet_staff"]
        return texts["staff"]

    def help(self, profile: Profile, level: Level, language: Language) -> str:
        self._require_shown(profile, level)
        texts = self.wordings[language]
        if profile == "student" and "student_help" in texts:
            return texts["student_help"]
        if profile == "trainer" and "trainer_help" in texts:
            return texts["trainer_help"]
        return texts["help"]

    def _require_shown(self, profile: Profile, level: Level) -> None:
        if not self.shown_to(profile, level):
            raise ValueError(f"statement {self.code} is not shown to {profile} at level {level}")


@dataclass(frozen=True, slots=True)
class Bank:
    areas: Mapping[str, Area]
    statements: Mapping[str, Statement]
    profile_areas: Mapping[Profile, tuple[str, ...]]
    scale: Mapping[Language, Mapping[str, str]] = field(hash=False)

    def scale_label(self, value: int, language: Language) -> str:
        if value == NOT_APPLICABLE:
            return self.scale[language]["na"]
        if 1 <= value <= 5:
            return self.scale[language][str(value)]
        raise ValueError(f"not an answer value: {value}")

    def statement(self, code: str) -> Statement:
        try:
            return self.statements[code]
        except KeyError:
            raise KeyError(f"unknown statement code: {code}") from None

    def core(self, level: Level, profile: Profile) -> list[Statement]:
        return [
            statement
            for statement in self.statements.values()
            if statement.kind == "core" and statement.shown_to(profile, level)
        ]

    def optional(
        self, level: Level | None = None, profile: Profile | None = None
    ) -> list[Statement]:
        return [
            statement
            for statement in self.statements.values()
            if statement.kind == "optional" and _visible(statement, level, profile)
        ]


def _visible(statement: Statement, level: Level | None, profile: Profile | None) -> bool:
    profiles = statement.profiles if profile is None else {profile}
    if level is None:
        return any(p in statement.profiles for p in profiles)
    return any(statement.shown_to(p, level) for p in profiles)


def load_bank(directory: Path | None = None, languages: Languages | None = None) -> Bank:
    """Read and validate the bank in `directory` (default: the shipped `statements/` folder)
    with the words of every language in `languages` (default: the shipped ones)."""
    folder = DEFAULT_DIRECTORY if directory is None else directory
    spoken = shipped() if languages is None else languages
    if not folder.is_dir():
        raise BankError(f"{folder}: statement bank folder not found")

    expected = {META_FILE, *(f"{code}.toml" for code in AREA_CODES)}
    present = {path.name for path in folder.glob("*.toml")}
    unexpected = sorted(present - expected)
    if unexpected:
        raise BankError(f"{unexpected[0]}: unexpected file in the statement bank")
    for name in [META_FILE, *(f"{code}.toml" for code in AREA_CODES)]:
        if name not in present:
            raise BankError(f"{name}: missing file in the statement bank")

    profile_areas = _parse_meta(_read(folder / META_FILE), META_FILE)
    words = {code: _read_words(spoken, code) for code in spoken.codes}
    areas, scale = _parse_areas_and_scale(words)
    statements: dict[str, Statement] = {}
    origin: dict[str, str] = {}
    for area in AREA_CODES:
        file = f"{area}.toml"
        parsed = _parse_area(_read(folder / file), file, area, profile_areas, words)
        for statement in parsed:
            if statement.code in statements:
                raise BankError(
                    f"{file}: {statement.code}: duplicate code (also in {origin[statement.code]})"
                )
            statements[statement.code] = statement
            origin[statement.code] = file
    for language, table in words.items():
        if extra := sorted(set(table) - {"areas", "scale"} - set(statements)):
            raise BankError(
                f"locales/{language}/{STATEMENTS_FILE}: [{extra[0]}] is no statement of the bank"
            )

    ordered = sorted(statements.values(), key=lambda s: (s.area, s.number))
    for level in LEVELS:
        for profile in profiles_at(level):
            for area in profile_areas[profile]:
                if not any(
                    s.area == area and s.kind == "core" and s.shown_to(profile, level)
                    for s in ordered
                ):
                    raise BankError(
                        f"{area}.toml: no core statement for profile {profile} at level "
                        f"{level}, but {META_FILE} says {profile} answers area {area}"
                    )

    return Bank(
        areas=MappingProxyType(areas),
        statements=MappingProxyType({s.code: s for s in ordered}),
        profile_areas=MappingProxyType(profile_areas),
        scale=MappingProxyType(scale),
    )


def _read_words(languages: Languages, code: str) -> dict[str, Any]:
    where = f"locales/{code}/{STATEMENTS_FILE}"
    file = languages.folder.joinpath(code).joinpath(STATEMENTS_FILE)
    if not file.is_file():
        raise BankError(f"{where}: missing")
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BankError(f"{where}: not valid TOML: {error}") from None


@functools.cache
def default_bank() -> Bank:
    return load_bank()


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise BankError(f"{path.name}: not valid TOML: {error}") from None


def _check_keys(raw: Mapping[str, Any], allowed: frozenset[str] | set[str], where: str) -> None:
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise BankError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")


def _table(raw: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise BankError(f"{where}: missing table [{key}]")
    return value


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BankError(f"{where}: missing or empty text {key!r}")
    return value.strip()


def _parse_meta(raw: Mapping[str, Any], file: str) -> dict[Profile, tuple[str, ...]]:
    _check_keys(raw, _META_KEYS, file)
    raw_profiles = _table(raw, "profiles", file)
    _check_keys(raw_profiles, set(PROFILES), f"{file}: [profiles]")
    profile_areas: dict[Profile, tuple[str, ...]] = {}
    for profile in PROFILES:
        where = f"{file}: [profiles] {profile}"
        codes = raw_profiles.get(profile)
        if not isinstance(codes, list) or not codes:
            raise BankError(f"{where}: must be a non-empty list of area codes")
        if any(code not in AREA_CODES for code in codes) or len(set(codes)) != len(codes):
            raise BankError(f"{where}: area codes must be distinct letters A–H, got {codes!r}")
        profile_areas[profile] = tuple(sorted(codes))
    return profile_areas


def _parse_areas_and_scale(
    words: Mapping[Language, Mapping[str, Any]],
) -> tuple[dict[str, Area], dict[Language, Mapping[str, str]]]:
    names: dict[str, dict[Language, str]] = {code: {} for code in AREA_CODES}
    scale: dict[Language, Mapping[str, str]] = {}
    for language, table in words.items():
        file = f"locales/{language}/{STATEMENTS_FILE}"
        raw_areas = _table(table, "areas", file)
        _check_keys(raw_areas, set(AREA_CODES), f"{file}: [areas]")
        for code in AREA_CODES:
            names[code][language] = _text(raw_areas, code, f"{file}: [areas]")
        raw_scale = _table(table, "scale", file)
        _check_keys(raw_scale, set(SCALE_KEYS), f"{file}: [scale]")
        scale[language] = MappingProxyType(
            {key: _text(raw_scale, key, f"{file}: [scale]") for key in SCALE_KEYS}
        )
    areas = {code: Area(code=code, names=MappingProxyType(names[code])) for code in AREA_CODES}
    return areas, scale


def _parse_area(
    raw: Mapping[str, Any],
    file: str,
    area: str,
    profile_areas: Mapping[Profile, tuple[str, ...]],
    words: Mapping[Language, Mapping[str, Any]],
) -> list[Statement]:
    _check_keys(raw, {"statement"}, file)
    items = raw.get("statement")
    if not isinstance(items, list) or not items:
        raise BankError(f"{file}: no [[statement]] entries")
    return [
        _parse_statement(item, file, area, index, profile_areas, words)
        for index, item in enumerate(items, start=1)
    ]


def _parse_statement(
    raw: Any,
    file: str,
    area: str,
    index: int,
    profile_areas: Mapping[Profile, tuple[str, ...]],
    words: Mapping[Language, Mapping[str, Any]],
) -> Statement:
    code = raw.get("code") if isinstance(raw, dict) else None
    if not isinstance(code, str) or not _CODE_PATTERN.match(code):
        raise BankError(
            f"{file}: statement #{index}: code must look like {area}1 … {area}99, got {code!r}"
        )
    where = f"{file}: {code}"
    if code[0] != area:
        raise BankError(f"{where}: code belongs to area {code[0]}, not to area {area}")
    _check_keys(raw, _STATEMENT_KEYS, where)

    kind = raw.get("kind")
    if kind not in KINDS:
        raise BankError(f"{where}: kind must be 'core' or 'optional', got {kind!r}")

    profiles_raw = raw.get("profiles")
    if (
        not isinstance(profiles_raw, list)
        or not profiles_raw
        or any(p not in PROFILES for p in profiles_raw)
        or len(set(profiles_raw)) != len(profiles_raw)
    ):
        raise BankError(
            f"{where}: profiles must be a non-empty list of distinct values from "
            f"{list(PROFILES)}, got {profiles_raw!r}"
        )
    profiles: frozenset[Profile] = frozenset(p for p in PROFILES if p in profiles_raw)
    for profile in PROFILES:
        if profile in profiles and area not in profile_areas[profile]:
            raise BankError(
                f"{where}: profile {profile} does not answer area {area} (see {META_FILE})"
            )
    levels = _parse_levels(raw, where, profiles)

    wordings = _parse_wordings(code, words, where)
    used = set(next(iter(wordings.values())))
    has_staff = bool(profiles & STAFF_PROFILES)
    has_student = "student" in profiles
    has_trainer = "trainer" in profiles
    # Each group needs its text and a help: its own help wording, or the common `help`.
    required: set[Wording] = set()
    if has_staff:
        required |= {"staff", "help"}
    if has_student:
        required |= {"student"} if "student_help" in used else {"student", "help"}
    if has_trainer:
        required |= {"trainer"} if "trainer_help" in used else {"trainer", "help"}
    for wording in WORDINGS:
        if wording in required and wording not in used:
            raise BankError(f"{where}: missing {wording!r} text, required for its profiles")
    for wording in sorted(used):
        if wording in STAFF_WORDINGS and not has_staff:
            raise BankError(
                f"{where}: has {wording!r} text but no leader or teacher in its profiles"
            )
        if wording in STUDENT_WORDINGS and not has_student:
            raise BankError(f"{where}: has {wording!r} text but student is not in its profiles")
        if wording in TRAINER_WORDINGS and not has_trainer:
            raise BankError(f"{where}: has {wording!r} text but trainer is not in its profiles")

    return Statement(
        code=code,
        area=area,
        kind=kind,
        profiles=profiles,
        wordings=MappingProxyType(wordings),
        levels=levels,
    )


def _parse_levels(
    raw: Mapping[str, Any], where: str, profiles: frozenset[Profile]
) -> frozenset[Level] | None:
    if "levels" not in raw:
        return None
    levels_raw = raw["levels"]
    if (
        not isinstance(levels_raw, list)
        or not levels_raw
        or any(level not in LEVELS for level in levels_raw)
        or len(set(levels_raw)) != len(levels_raw)
    ):
        raise BankError(
            f"{where}: levels must be a non-empty list of distinct values from "
            f"{list(LEVELS)}, got {levels_raw!r}"
        )
    levels: frozenset[Level] = frozenset(levels_raw)
    for profile in sorted(profiles):
        if not any(profile in profiles_at(level) for level in levels):
            raise BankError(f"{where}: profile {profile} answers at none of its levels")
    return levels


def _parse_wordings(
    code: str, words: Mapping[Language, Mapping[str, Any]], where: str
) -> dict[Language, Mapping[Wording, str]]:
    wordings: dict[Language, Mapping[Wording, str]] = {}
    for language, table_of_language in words.items():
        file = f"locales/{language}/{STATEMENTS_FILE}"
        table = table_of_language.get(code)
        if not isinstance(table, dict):
            raise BankError(f"{where}: missing [{code}] texts in {file}")
        _check_keys(table, set(WORDINGS), f"{where} [{language}]")
        texts: dict[Wording, str] = {}
        for wording in WORDINGS:
            if wording not in table:
                continue
            text = _text(table, wording, f"{where} [{language}]")
            limit = MAX_HELP_CHARS if wording in HELP_WORDINGS else MAX_TEXT_CHARS
            if len(text) > limit:
                raise BankError(
                    f"{where} [{language}]: {wording!r} is {len(text)} characters, "
                    f"the limit is {limit}"
                )
            texts[wording] = text
        wordings[language] = MappingProxyType(texts)

    # A wording used in one language must exist in all of them (e.g. `vet_staff`).
    used = set().union(*(texts.keys() for texts in wordings.values()))
    for language, found in wordings.items():
        missing = sorted(used - set(found))
        if missing:
            raise BankError(f"{where}: {missing[0]!r} text is missing in language {language!r}")
    return wordings
