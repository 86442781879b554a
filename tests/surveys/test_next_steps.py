import shutil
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from bot.i18n import Texts, texts
from bot.i18n.catalogue import load
from bot.i18n.languages import discover
from bot.storage.records import Session
from bot.surveys.bank import Bank
from bot.surveys.next_steps import (
    DEFAULT_FILE,
    MIN_STEPS,
    NextStepsError,
    default_next_steps,
    focus_areas,
    load_next_steps,
)
from bot.surveys.scoring import Counts, SessionTallies, StatementTally, score
from bot.surveys.vocabulary import AREA_CODES, LEVELS, Level, Profile

SHIPPED = DEFAULT_FILE.read_text(encoding="utf-8")


def test_every_area_has_steps_at_every_level_in_every_language() -> None:
    steps = default_next_steps()
    catalogue = texts()
    for area in AREA_CODES:
        for level in LEVELS:
            keys = steps.keys(area, level)
            assert len(keys) >= MIN_STEPS + 1, (area, level)  # the level's own and the shared
            assert len(set(keys)) == len(keys)
            for language in catalogue.languages.codes:
                words = [catalogue(language, key) for key in keys]
                assert all(len(text) > 40 for text in words), (area, level, language)
                assert len(set(words)) == len(words)


def test_each_language_has_its_own_words() -> None:
    catalogue = texts()
    for key in default_next_steps().all_keys:
        written = {language: catalogue(language, key) for language in catalogue.languages.codes}
        assert len(set(written.values())) == len(written), key


def test_a_level_s_own_steps_come_before_those_for_every_level() -> None:
    steps = default_next_steps()
    assert steps.keys("C", "vet") == (
        "next_steps.C.industry-equipment",
        "next_steps.C.inventory",
        "next_steps.C.support-route",
    )
    assert steps.keys("C", "primary")[0] == "next_steps.C.shared-devices"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "next_steps.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_work_based_learning_takes_the_vocational_steps() -> None:
    steps = default_next_steps()
    for area in AREA_CODES:
        assert steps.keys(area, "wbl") == steps.keys(area, "vet")


def test_a_new_level_needs_only_data(tmp_path: Path) -> None:
    levels = (*LEVELS, "adult")
    # Without a word about it, a new level gets the steps for every level.
    plain = load_next_steps(write(tmp_path, SHIPPED), levels=levels)
    assert plain.keys("G", "adult") == (
        "next_steps.G.timely-feedback",
        "next_steps.G.self-assessment",
    )
    # One line borrows the steps of a level near it.
    borrowing = SHIPPED.replace("[fallback]\n", '[fallback]\nadult = "upper-secondary"\n')
    steps = load_next_steps(write(tmp_path, borrowing), levels=levels)
    for area in AREA_CODES:
        assert steps.keys(area, "adult") == steps.keys(area, "upper-secondary")
    # A list of its own comes before the borrowed one would.
    own = borrowing.replace(
        'vet = ["workplace-evidence"]', 'vet = ["workplace-evidence"]\nadult = ["portfolio"]'
    )
    own = own.replace('primary = ["portfolio"]\n', "")
    steps = load_next_steps(write(tmp_path, own), levels=levels)
    assert steps.keys("G", "adult")[0] == "next_steps.G.portfolio"
    assert steps.keys("G", "primary") == plain.keys("G", "adult")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.replace("[H]", "[X]"), "unknown table"),
        (lambda s: s[: s.index("[H]")], r"missing table \[H\]"),
        (lambda s: s.replace("vet = [\"employers\"]", "vocational = [\"employers\"]"), "no level"),
        (lambda s: s.replace('"parents"]', '"plan-review"]'), "listed twice"),
        (lambda s: s.replace('every = ["safety", "skills-map"]', 'every = ["safety"]'), "at least"),
        (lambda s: s.replace('"safety"', '"Safety!"'), "is no id"),
        (lambda s: s.replace('primary = ["basics"]', "primary = []"), "non-empty list"),
        (lambda s: s.replace('wbl = "vet"', 'wbl = "vet"\nvet = "wbl"'), "goes round"),
        (lambda s: s.replace('wbl = "vet"', 'wbl = "adult"'), "both must be levels"),
        (lambda s: s.replace('"basics"', '"basics", "typing"'), "steps are missing"),
        (lambda s: s.replace('"basics"', '"first-steps"'), r"\['next_steps.H.first-steps"),
        (lambda s: s + "[I", "not valid TOML"),
    ],
)  # fmt: skip
def test_broken_data_is_refused_at_load(tmp_path: Path, change: object, message: str) -> None:
    with pytest.raises(NextStepsError, match=message):
        load_next_steps(write(tmp_path, change(SHIPPED)))  # type: ignore[operator]


def copied_catalogue(tmp_path: Path, old: str, new: str) -> Texts:
    """The shipped texts with `old` replaced by `new` in every language's next steps."""
    folder = tmp_path / "locales"
    shutil.copytree(Path(str(resources.files("bot.i18n").joinpath("locales"))), folder)
    for words in folder.glob("*/next_steps.toml"):
        words.write_text(words.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return load(discover(folder))


def test_a_text_without_a_step_is_refused(tmp_path: Path) -> None:
    # (A text in one language only is refused by the catalogue itself.)
    catalogue = copied_catalogue(tmp_path, 'basics = "', 'typing = "…"\nbasics = "')
    with pytest.raises(NextStepsError, match=r"no step for the texts \['next_steps\.H\.typing'"):
        load_next_steps(catalogue=catalogue)


# From results to the plan.


def session(level: Level) -> Session:
    opens = datetime(2026, 11, 23, tzinfo=UTC)
    return Session(
        id=1,
        school_id=1,
        school_name="Rīgas 1. vidusskola",
        level=level,
        start_date=date(2026, 11, 23),
        end_date=date(2026, 12, 6),
        timezone="Europe/Riga",
        opens_at=opens,
        closes_at=opens + timedelta(days=14),
        status="closed",
        created_by=500,
        closed_at=None,
    )


def test_the_plan_takes_each_group_s_two_lowest_areas_once(bank: Bank) -> None:
    counts: dict[tuple[str, Profile], Counts] = {
        ("A1", "teacher"): (0, 0, 0, 0, 5, 0),  # teachers A 4.0
        ("B1", "teacher"): (0, 0, 5, 0, 0, 0),  # teachers B 2.0
        ("C1", "teacher"): (0, 0, 0, 5, 0, 0),  # teachers C 3.0
        ("E1", "teacher"): (0, 0, 0, 5, 0, 0),  # teachers E 3.0, ties with C: C first
        ("B1", "student"): (0, 0, 0, 0, 0, 5),  # students B 5.0
        ("C1", "student"): (0, 0, 0, 5, 0, 0),  # students C 3.0
        ("H1", "student"): (0, 5, 0, 0, 0, 0),  # students H 1.0
        ("A1", "leader"): (0, 5, 0, 0, 0, 0),  # leaders: 2 respondents, hidden
    }
    results = score(
        bank=bank,
        current=SessionTallies(
            session=session("vet"),
            codes=frozenset(code for code, _ in counts),
            respondents={"leader": 2, "teacher": 5, "student": 5},
            area_respondents={},
            statements=[StatementTally(code, p, c) for (code, p), c in counts.items()],
        ),
    )
    plan = focus_areas(results, default_next_steps())
    # Teachers' lowest: B 2.0, C 3.0; students': H 1.0, C 3.0. Lowest mean first.
    assert [(f.area, f.groups) for f in plan] == [
        ("H", (("student", 1.0),)),
        ("B", (("teacher", 2.0),)),
        ("C", (("teacher", 3.0), ("student", 3.0))),
    ]
    assert plan[0].steps == default_next_steps().keys("H", "vet")
    assert plan[0].steps[0] == "next_steps.H.occupation-skills"
