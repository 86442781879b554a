"""Next steps: what a school can do in the areas a group rates lowest, per area and level.

The structure is `next_steps.toml` beside this module (which steps each area has, for every
level and for particular ones); the words are language data, one text per step in each
language's `next_steps.toml` (bot/i18n/locales/<code>/), read through the text catalogue as
`next_steps.<area>.<id>`. Both are checked at load, as the statement bank is: every area has
at least `MIN_STEPS` steps at every level, every step has its words in every language, and
every text belongs to a step.

`focus_areas` turns a session's results into the plan the report shows: each shown group's
lowest-rated areas, with the steps for the session's level.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from bot.i18n import Texts, texts
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import AREA_CODES, LEVELS, Profile

DEFAULT_FILE: Final[Path] = Path(__file__).parent / "next_steps.toml"
PREFIX: Final[str] = "next_steps."
EVERY: Final[str] = "every"  # the list of steps for every level
MIN_STEPS: Final[int] = 2  # what any area offers at any level, a new one included
FOCUS_PER_GROUP: Final[int] = 2
_ID: Final[re.Pattern[str]] = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


class NextStepsError(ValueError):
    """The next steps' data file or their texts are missing or inconsistent."""


@dataclass(frozen=True, slots=True)
class NextSteps:
    # area -> level (or EVERY) -> step ids, as the data file lists them
    lists: Mapping[str, Mapping[str, tuple[str, ...]]] = field(hash=False)
    fallback: Mapping[str, str] = field(hash=False)  # level -> the level it borrows from

    def keys(self, area: str, level: str) -> tuple[str, ...]:
        """The text keys of the steps for `area` at `level`: the level's own (or those of the
        level it falls back to), then the steps for every level."""
        lists = self.lists[area]
        own: tuple[str, ...] = ()
        seen: set[str] = set()
        current: str | None = level
        while current is not None and current not in seen and not own:
            seen.add(current)
            own = lists.get(current, ())
            current = self.fallback.get(current)
        return tuple(f"{PREFIX}{area}.{step}" for step in (*own, *lists[EVERY]))

    @property
    def all_keys(self) -> frozenset[str]:
        return frozenset(
            f"{PREFIX}{area}.{step}"
            for area, lists in self.lists.items()
            for steps in lists.values()
            for step in steps
        )


def load_next_steps(
    file: Path | None = None,
    *,
    catalogue: Texts | None = None,
    levels: Sequence[str] = LEVELS,
) -> NextSteps:
    """Read and check the next steps in `file` (default: the shipped one) against the texts of
    `catalogue` (default: the shipped one), for the education levels `levels`."""
    path = DEFAULT_FILE if file is None else file
    words = texts() if catalogue is None else catalogue
    where = path.name
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NextStepsError(f"{where}: missing") from None
    except tomllib.TOMLDecodeError as error:
        raise NextStepsError(f"{where}: not valid TOML: {error}") from None
    if unknown := sorted(set(raw) - {"fallback", *AREA_CODES}):
        raise NextStepsError(f"{where}: unknown table(s) {unknown}")
    fallback = _fallback(raw.get("fallback", {}), levels, where)
    lists = {area: _area(raw.get(area), area, levels, where) for area in AREA_CODES}
    steps = NextSteps(
        lists=MappingProxyType(lists),
        fallback=MappingProxyType(fallback),
    )
    missing = sorted(steps.all_keys - words.keys)
    if missing:
        raise NextStepsError(f"texts of the next steps are missing: {missing[:10]}")
    orphans = sorted(key for key in words.keys - steps.all_keys if key.startswith(PREFIX))
    if orphans:
        raise NextStepsError(f"{where}: no step for the texts {orphans[:10]}")
    return steps


def _fallback(raw: Any, levels: Sequence[str], where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise NextStepsError(f"{where}: [fallback] must be a table of level = level")
    for level, other in raw.items():
        if level not in levels or other not in levels or level == other:
            raise NextStepsError(
                f"{where}: [fallback] {level} = {other!r}: both must be levels of {list(levels)}"
                " and differ"
            )
    for level in raw:
        chain = [level]
        while (following := raw.get(chain[-1])) is not None:
            if following in chain:
                raise NextStepsError(f"{where}: [fallback] goes round: {' → '.join(chain)}")
            chain.append(following)
    return dict(raw)


def _area(raw: Any, area: str, levels: Sequence[str], where: str) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise NextStepsError(f"{where}: missing table [{area}]")
    if unknown := sorted(set(raw) - {EVERY, *levels}):
        raise NextStepsError(
            f"{where}: [{area}] {unknown[0]!r} is no level (levels: {list(levels)}, or {EVERY!r})"
        )
    seen: set[str] = set()
    lists: dict[str, tuple[str, ...]] = {}
    for level, steps in raw.items():
        if not isinstance(steps, list) or not steps:
            raise NextStepsError(f"{where}: [{area}] {level}: must be a non-empty list of ids")
        for step in steps:
            if not isinstance(step, str) or not _ID.fullmatch(step):
                raise NextStepsError(
                    f"{where}: [{area}] {level}: {step!r} is no id (lower case, digits, hyphens)"
                )
            if step in seen:
                raise NextStepsError(f"{where}: [{area}] {step!r} is listed twice")
            seen.add(step)
        lists[level] = tuple(steps)
    if len(lists.get(EVERY, ())) < MIN_STEPS:
        raise NextStepsError(
            f"{where}: [{area}] needs at least {MIN_STEPS} steps in {EVERY!r}, which any level"
            " (a new one too) gets"
        )
    return MappingProxyType(lists)


@functools.cache
def default_next_steps() -> NextSteps:
    return load_next_steps()


# From results to the plan.


@dataclass(frozen=True, slots=True)
class FocusArea:
    area: str
    # The groups that rate this area among their lowest, with their mean, in PROFILES order.
    groups: tuple[tuple[Profile, float], ...]
    steps: tuple[str, ...]  # text keys


def focus_areas(
    results: SessionResults, steps: NextSteps, *, per_group: int = FOCUS_PER_GROUP
) -> tuple[FocusArea, ...]:
    """Each shown group's `per_group` lowest-rated areas, once each, with the steps for the
    session's level: the area with the lowest mean in any group first, ties in order A–H."""
    chosen: dict[str, list[tuple[Profile, float]]] = {}
    for profile in results.shown_groups:
        for score in results.scored_areas(profile, lowest_first=True)[:per_group]:
            assert score.mean is not None
            chosen.setdefault(score.area, []).append((profile, score.mean))
    ordered = sorted(
        chosen, key=lambda area: (min(m for _, m in chosen[area]), AREA_CODES.index(area))
    )
    return tuple(
        FocusArea(
            area=area,
            groups=tuple(chosen[area]),
            steps=steps.keys(area, results.session.level),
        )
        for area in ordered
    )
