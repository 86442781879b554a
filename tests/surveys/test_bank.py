"""The statement bank: the shipped data files, text selection, ordering and load-time validation."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.i18n.languages import discover, shipped
from bot.surveys.bank import (
    DEFAULT_DIRECTORY,
    MAX_HELP_CHARS,
    MAX_TEXT_CHARS,
    Bank,
    BankError,
    Statement,
    Wording,
    default_bank,
    load_bank,
)
from bot.surveys.vocabulary import (
    AREA_CODES,
    LANGUAGES,
    LEVELS,
    PROFILES,
    Language,
    Level,
    Profile,
    profiles_at,
)

AREA_NAMES = {
    "A": ("Līderība", "Leadership"),
    "B": ("Sadarbība un tīklošanās", "Collaboration and networking"),
    "C": ("Infrastruktūra un aprīkojums", "Infrastructure and equipment"),
    "D": ("Profesionālās kvalifikācijas celšana", "Continuing professional development"),
    "E": ("Pedagoģija: atbalsts un resursi", "Pedagogy: supports and resources"),
    "F": ("Pedagoģija: īstenošana klasē", "Pedagogy: implementation in the classroom"),
    "G": ("Novērtēšanas prakse", "Assessment practices"),
    "H": ("Skolēnu digitālā kompetence", "Student digital competence"),
}
SCALE: dict[Language, list[str]] = {
    "lv": [
        "Nav atbilstošs",
        "Pilnībā nepiekrītu",
        "Nepiekrītu",
        "Daļēji piekrītu",
        "Piekrītu",
        "Pilnībā piekrītu",
    ],
    "en": [
        "Not applicable",
        "Strongly disagree",
        "Disagree",
        "Slightly agree",
        "Agree",
        "Strongly agree",
    ],
}
NON_PRIMARY: tuple[Level, ...] = ("lower-secondary", "upper-secondary", "vet", "wbl")
WORKPLACE_WORDS = re.compile(r"compan|employer|workplace", re.IGNORECASE)


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank()


# --- helpers for writing broken banks -------------------------------------------------------


def to_toml(data: dict[str, Any], path: tuple[str, ...] = ()) -> list[str]:
    """A minimal TOML writer for the shapes the bank uses (tables, arrays of tables, strings)."""

    def header(keys: tuple[str, ...]) -> str:
        return ".".join(json.dumps(key) for key in keys)

    lines: list[str] = []
    nested: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict) or (
            isinstance(value, list) and value and isinstance(value[0], dict)
        ):
            nested.append((key, value))
        else:
            lines.append(f"{json.dumps(key)} = {json.dumps(value, ensure_ascii=False)}")
    for key, value in nested:
        if isinstance(value, dict):
            lines += ["", f"[{header((*path, key))}]", *to_toml(value, (*path, key))]
        else:
            for item in value:
                lines += ["", f"[[{header((*path, key))}]]", *to_toml(item, (*path, key))]
    return lines


def read(folder: Path, name: str) -> dict[str, Any]:
    return tomllib.loads((folder / name).read_text(encoding="utf-8"))


def write(folder: Path, name: str, data: dict[str, Any]) -> None:
    (folder / name).write_text("\n".join(to_toml(data)) + "\n", encoding="utf-8")


# A copy of the bank is its structure in `<tmp>/bank` and its words in `<tmp>/locales`; the
# edits below see a statement (or the meta file) with its words of each language beside it,
# as one table, and write each part back where it belongs.


def words_file(folder: Path, language: str) -> Path:
    return folder.parent / "locales" / language / "statements.toml"


def edit_statement(folder: Path, code: str, change: Callable[[dict[str, Any]], None]) -> None:
    name = f"{code[0]}.toml"
    data = read(folder, name)
    (item,) = [s for s in data["statement"] if s["code"] == code]
    words = {
        language: read(words_file(folder, language).parent, "statements.toml")
        for language in LANGUAGES
    }
    for language in LANGUAGES:
        item[language] = words[language].pop(code, {})
    change(item)
    for language in LANGUAGES:
        texts = item.pop(language, None)
        if texts is not None:
            words[language][item["code"]] = texts
        write(words_file(folder, language).parent, "statements.toml", words[language])
    write(folder, name, data)


def edit_meta(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = read(folder, "meta.toml")
    words = {
        language: read(words_file(folder, language).parent, "statements.toml")
        for language in LANGUAGES
    }
    data["areas"] = {
        code: {language: words[language]["areas"][code] for language in LANGUAGES}
        for code in AREA_CODES
    }
    data["scale"] = {language: words[language]["scale"] for language in LANGUAGES}
    change(data)
    for language in LANGUAGES:
        words[language]["areas"] = {
            code: names[language] for code, names in data["areas"].items() if language in names
        }
        words[language]["scale"] = data["scale"].get(language, {})
        write(words_file(folder, language).parent, "statements.toml", words[language])
    del data["areas"], data["scale"]
    write(folder, "meta.toml", data)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    shutil.copytree(DEFAULT_DIRECTORY, folder)
    shutil.copytree(shipped().folder, tmp_path / "locales")  # type: ignore[arg-type]
    return folder


def load(folder: Path) -> Bank:
    """The bank of a copy, with the words of the copy's languages."""
    return load_bank(folder, discover(folder.parent / "locales"))


# --- the shipped bank -----------------------------------------------------------------------


def test_toml_writer_round_trips_every_shipped_file(copy: Path) -> None:
    for path in sorted(copy.glob("*.toml")):
        data = read(copy, path.name)
        assert tomllib.loads("\n".join(to_toml(data))) == data


def test_shipped_bank_has_the_eight_areas_and_scale_labels(bank: Bank) -> None:
    assert list(bank.areas) == list(AREA_CODES)
    for code, (lv, en) in AREA_NAMES.items():
        assert bank.areas[code].code == code
        assert bank.areas[code].name("lv") == lv
        assert bank.areas[code].name("en") == en
    for language, labels in SCALE.items():
        assert [bank.scale_label(value, language) for value in range(6)] == labels


def test_scale_label_rejects_values_off_the_scale(bank: Bank) -> None:
    with pytest.raises(ValueError, match="6"):
        bank.scale_label(6, "en")
    with pytest.raises(ValueError, match="-1"):
        bank.scale_label(-1, "lv")


def test_profile_areas(bank: Bank) -> None:
    assert bank.profile_areas == {
        "leader": AREA_CODES,
        "teacher": AREA_CODES,
        "student": ("B", "C", "E", "F", "G", "H"),
        "trainer": ("B", "C", "D", "E", "F", "G", "H"),
    }


def test_default_bank_is_loaded_once(bank: Bank) -> None:
    assert default_bank() is default_bank()
    assert default_bank() == bank


@pytest.mark.parametrize(("profile", "floor"), [("leader", 32), ("teacher", 32), ("student", 22)])
def test_core_size_floors_for_upper_secondary(bank: Bank, profile: Profile, floor: int) -> None:
    core = bank.core("upper-secondary", profile)
    assert len(core) >= floor
    assert all(s.kind == "core" and profile in s.profiles for s in core)


def test_at_least_two_optional_statements_per_area(bank: Bank) -> None:
    for area in AREA_CODES:
        optional = [s for s in bank.optional() if s.area == area]
        assert len(optional) >= 2, area
    assert all(s.kind == "optional" for s in bank.optional())


@pytest.mark.parametrize("level", NON_PRIMARY)
def test_every_declared_profile_area_pair_has_core_statements(bank: Bank, level: Level) -> None:
    for profile in profiles_at(level):
        covered = {s.area for s in bank.core(level, profile)}
        assert covered == set(bank.profile_areas[profile]), (profile, level)


def test_students_never_see_leadership_or_professional_development(bank: Bank) -> None:
    for level in LEVELS:
        seen = bank.core(level, "student") + bank.optional(level, "student")
        assert not [s.code for s in seen if s.area in {"A", "D"}]


def test_primary_students_see_only_statements_with_primary_wording(bank: Bank) -> None:
    primary = [s for s in bank.statements.values() if s.has("primary_student")]
    assert 10 <= len(primary) <= 14
    assert [s.code for s in bank.core("primary", "student")] == [
        s.code for s in primary if s.kind == "core"
    ]
    assert [s.code for s in bank.optional("primary", "student")] == [
        s.code for s in primary if s.kind == "optional"
    ]
    # Primary students still answer every student area, with simpler help texts.
    assert {s.area for s in bank.core("primary", "student")} == set(bank.profile_areas["student"])
    for statement in primary:
        assert statement.has("student_help"), statement.code
        for language in LANGUAGES:
            assert (
                statement.text("student", "primary", language)
                == (statement.wordings[language]["primary_student"])
            )
    # Older students see more than the primary subset.
    assert len(bank.core("upper-secondary", "student")) > len(bank.core("primary", "student"))


def test_primary_level_does_not_shrink_staff_questionnaires(bank: Bank) -> None:
    for profile in ("leader", "teacher"):
        assert bank.core("primary", profile) == bank.core("upper-secondary", profile)


def test_vet_level_uses_vet_wording_where_present(bank: Bank) -> None:
    vet = [s for s in bank.statements.values() if s.has("vet_staff") or s.has("vet_student")]
    assert len(vet) >= 6
    areas = {s.area for s in vet}
    assert {"B", "D", "H"} <= areas
    assert areas & {"E", "F"}
    for statement in vet:
        for wording in ("vet_staff", "vet_student"):
            if statement.has(wording):
                assert WORKPLACE_WORDS.search(statement.wordings["en"][wording]), statement.code

    for statement in bank.statements.values():
        for profile in ("leader", "teacher", "student"):
            if not statement.shown_to(profile, "vet"):
                continue
            vet_key: Wording = "vet_student" if profile == "student" else "vet_staff"
            plain_key: Wording = "student" if profile == "student" else "staff"
            for language in LANGUAGES:
                texts = statement.wordings[language]
                expected = texts.get(vet_key, texts[plain_key])
                assert statement.text(profile, "vet", language) == expected
                # Work-based learning is vocational education too.
                assert statement.text(profile, "wbl", language) == expected
                assert statement.text(profile, "upper-secondary", language) == texts[plain_key]


def _only_at_some_levels(statement: Statement) -> bool:
    return statement.levels is not None or any(
        len([level for level in LEVELS if p in profiles_at(level)]) < len(LEVELS)
        for p in statement.profiles
    )


def test_codes_are_numbered_from_one_with_core_before_optional(bank: Bank) -> None:
    """Codes stay once shipped: statements asked at some levels only (work-based learning)
    were numbered after the others of their area, core before optional in each run."""
    for area in AREA_CODES:
        in_area = [s for s in bank.statements.values() if s.area == area]
        assert [s.number for s in in_area] == list(range(1, len(in_area) + 1)), area
        everywhere = [s for s in in_area if not _only_at_some_levels(s)]
        some = [s for s in in_area if _only_at_some_levels(s)]
        assert in_area == everywhere + some, area
        for run in (everywhere, some):
            kinds = [s.kind for s in run]
            assert kinds == sorted(kinds), area  # "core" < "optional"


def test_help_texts_say_when_to_choose_five(bank: Bank) -> None:
    starts: dict[tuple[Language, Wording], str] = {
        ("lv", "help"): "Izvēlieties 5 tikai tad, ja ",
        ("en", "help"): "Choose 5 only if ",
        ("lv", "student_help"): "Izvēlies 5 tikai tad, ja ",
        ("en", "student_help"): "Choose 5 only if ",
        ("ru", "help"): "Выберите 5, только если ",
        ("ru", "student_help"): "Выбери 5, только если ",
        ("uk", "help"): "Оберіть 5, лише якщо ",
        ("uk", "student_help"): "Обери 5, лише якщо ",
    }
    for statement in bank.statements.values():
        for (language, wording), start in starts.items():
            if statement.has(wording):
                text = statement.wordings[language][wording]
                assert text.startswith(start), statement.code


def test_wordings_speak_from_the_right_perspective(bank: Bank) -> None:
    for statement in bank.statements.values():
        texts_lv, texts_en = statement.wordings["lv"], statement.wordings["en"]
        staff_wordings: tuple[Wording, ...] = ("staff", "vet_staff")
        for wording in staff_wordings:
            if statement.has(wording):
                assert "our school" in texts_en[wording].lower(), statement.code
                assert "mūsu skol" in texts_lv[wording].lower(), statement.code
        if statement.has("student") and statement.levels is None:
            assert "my school" in texts_en["student"].lower(), statement.code
            assert re.search(r"\bman[aā] skol", texts_lv["student"], re.IGNORECASE), statement.code
        elif statement.has("student"):  # learning at the workplace
            assert WORKPLACE_WORDS.search(texts_en["student"]), statement.code
            assert re.search(r"uzņēmum|darba viet|darbā", texts_lv["student"], re.I), statement.code


def test_texts_are_short_translated_and_not_repeated(bank: Bank) -> None:
    seen: dict[tuple[Language, str], str] = {}
    for statement in bank.statements.values():
        for language in LANGUAGES:
            for wording, text in statement.wordings[language].items():
                limit = 350 if wording in {"help", "student_help"} else 160
                assert len(text) <= limit, (statement.code, language, wording)
                assert text == text.strip()
                assert (language, text) not in seen, (statement.code, seen.get((language, text)))
                seen[(language, text)] = statement.code
                if language == "lv":
                    assert text != statement.wordings["en"][wording], statement.code


# --- work-based learning: in-company trainers -------------------------------------------------

# How a trainer's statement names its subject in each language: the company, or the learners it
# trains; never the school as "ours".
TRAINER_WORDS: dict[Language, re.Pattern[str]] = {
    "en": re.compile(r"company|learners we train"),
    "lv": re.compile(r"uzņēmum|kurus apmācām"),
    "ru": re.compile(r"предприяти|которых мы обучаем"),
    "uk": re.compile(r"підприємств|яких ми навчаємо"),
}
OUR_SCHOOL: dict[Language, re.Pattern[str]] = {
    "en": re.compile(r"our school", re.I),
    "lv": re.compile(r"mūsu skol", re.I),
    "ru": re.compile(r"наш\w* школ", re.I),
    "uk": re.compile(r"наш\w* школ", re.I),
}


def test_trainers_answer_only_at_the_work_based_learning_level(bank: Bank) -> None:
    assert profiles_at("wbl") == ("leader", "teacher", "student", "trainer")
    for level in LEVELS:
        if level != "wbl":
            assert profiles_at(level) == ("leader", "teacher", "student")
            assert bank.core(level, "trainer") == []
            assert bank.optional(level, "trainer") == []


def test_trainers_have_at_least_15_core_statements_and_optional_ones(bank: Bank) -> None:
    core = bank.core("wbl", "trainer")
    optional = bank.optional("wbl", "trainer")
    assert len(core) >= 15
    assert len(optional) >= 5
    assert {s.area for s in core} == set(bank.profile_areas["trainer"])
    assert "A" not in bank.profile_areas["trainer"]  # the school's leadership is not theirs


def test_trainers_statements_speak_of_the_company_in_every_language(bank: Bank) -> None:
    seen = bank.core("wbl", "trainer") + bank.optional("wbl", "trainer")
    assert set(shipped().codes) == set(LANGUAGES)
    for statement in seen:
        assert statement.profiles == {"trainer"}, statement.code
        for language in LANGUAGES:
            text = statement.text("trainer", "wbl", language)
            help_text = statement.help("trainer", "wbl", language)
            assert text == statement.wordings[language]["trainer"]
            assert help_text == statement.wordings[language]["help"]
            assert TRAINER_WORDS[language].search(text), (statement.code, language)
            assert not OUR_SCHOOL[language].search(text + " " + help_text), statement.code


def test_students_and_staff_get_statements_about_the_workplace_at_wbl_only(bank: Bank) -> None:
    staff_and_students: tuple[Profile, ...] = ("leader", "teacher", "student")
    for profile in staff_and_students:
        extra = [s for s in bank.core("wbl", profile) if s not in bank.core("vet", profile)]
        assert len(extra) >= 3, profile
        for statement in extra:
            assert statement.levels == frozenset({"wbl"})
            assert not statement.shown_to(profile, "vet")
            assert WORKPLACE_WORDS.search(statement.text(profile, "wbl", "en")), statement.code
    # Everything a VET student or teacher answers, a wbl one answers too.
    for profile in staff_and_students:
        assert set(bank.core("vet", profile)) <= set(bank.core("wbl", profile))


def test_a_trainer_help_of_its_own_is_preferred(copy: Path) -> None:
    def add_trainer(item: dict[str, Any]) -> None:
        item["profiles"] = [*item["profiles"], "trainer"]
        for language in LANGUAGES:
            item[language]["trainer"] = f"The learners we train stay safe online ({language})."
            item[language]["trainer_help"] = f"Choose 5 only if the company checks ({language})."

    edit_statement(copy, "H1", add_trainer)
    h1 = load(copy).statement("H1")
    assert h1.text("trainer", "wbl", "lv") == "The learners we train stay safe online (lv)."
    assert h1.help("trainer", "wbl", "en") == "Choose 5 only if the company checks (en)."
    assert h1.help("teacher", "wbl", "en") == h1.wordings["en"]["help"]
    assert not h1.shown_to("trainer", "vet")


# --- text selection rules -------------------------------------------------------------------


def test_text_selection_for_a_statement_with_every_variant(bank: Bank) -> None:
    e7 = bank.statement("E7")
    texts = e7.wordings["en"]
    assert e7.text("teacher", "upper-secondary", "en") == texts["staff"]
    assert e7.text("leader", "lower-secondary", "en") == texts["staff"]
    assert e7.text("teacher", "vet", "en") == texts["vet_staff"]
    assert e7.text("student", "upper-secondary", "en") == texts["student"]
    assert e7.text("student", "vet", "en") == texts["vet_student"]
    assert e7.text("student", "vet", "lv") == e7.wordings["lv"]["vet_student"]
    assert "companies" in e7.text("student", "vet", "en")
    assert "Mūsu skolā" in e7.text("leader", "vet", "lv")


def test_primary_wording_only_for_primary_students(bank: Bank) -> None:
    h1 = bank.statement("H1")
    assert (
        h1.text("student", "primary", "en")
        == "At school, I learn how to stay safe on the internet."
    )
    assert (
        h1.text("student", "lower-secondary", "en")
        == "At my school, I learn how to stay safe online."
    )
    assert h1.text("student", "vet", "en") == h1.wordings["en"]["student"]
    assert h1.text("teacher", "primary", "lv") == h1.wordings["lv"]["staff"]


def test_text_and_help_raise_when_not_shown(bank: Bank) -> None:
    a1, e7, b3 = bank.statement("A1"), bank.statement("E7"), bank.statement("B3")
    assert not a1.shown_to("student", "upper-secondary")
    assert not e7.shown_to("student", "primary")
    assert e7.shown_to("student", "vet")
    with pytest.raises(ValueError, match="A1 is not shown to student"):
        a1.text("student", "upper-secondary", "en")
    with pytest.raises(ValueError, match="E7 is not shown to student at level primary"):
        e7.text("student", "primary", "lv")
    with pytest.raises(ValueError, match="B3"):
        b3.help("student", "vet", "en")
    assert not bank.statement("B4").shown_to("teacher", "vet")
    with pytest.raises(ValueError, match="B4 is not shown to teacher"):
        bank.statement("B4").text("teacher", "vet", "en")


def test_help_prefers_student_help_for_students(bank: Bank) -> None:
    b1 = bank.statement("B1")
    assert b1.help("student", "upper-secondary", "en") == b1.wordings["en"]["student_help"]
    assert b1.help("teacher", "upper-secondary", "en") == b1.wordings["en"]["help"]
    assert b1.help("leader", "vet", "lv") == b1.wordings["lv"]["help"]
    assert b1.help("student", "upper-secondary", "en") != b1.help(
        "teacher", "upper-secondary", "en"
    )


def test_help_falls_back_to_the_general_help_for_students(copy: Path) -> None:
    def drop_student_help(item: dict[str, Any]) -> None:
        for language in LANGUAGES:
            del item[language]["student_help"]

    edit_statement(copy, "B1", drop_student_help)
    b1 = load(copy).statement("B1")
    assert b1.help("student", "upper-secondary", "en") == b1.wordings["en"]["help"]
    assert b1.help("student", "upper-secondary", "lv").startswith("Izvēlieties 5 tikai tad, ja")


def test_surrounding_whitespace_is_stripped(copy: Path) -> None:
    _set_text("A1", "en", "staff", "\n  In our school, plans are written down.  \n")(copy)
    a1 = load(copy).statement("A1")
    assert a1.text("leader", "vet", "en") == "In our school, plans are written down."


def test_statement_lookup(bank: Bank) -> None:
    assert bank.statement("C3").code == "C3"
    assert bank.statement("C3").area == "C"
    with pytest.raises(KeyError, match="Z1"):
        bank.statement("Z1")
    with pytest.raises(KeyError):
        bank.statement("A99")


def test_optional_filters(bank: Bank) -> None:
    everything = bank.optional()
    assert bank.optional("wbl") == everything  # every optional has someone to see it
    assert bank.optional("upper-secondary") == [
        s for s in everything if not _only_at_some_levels(s)
    ]
    student = bank.optional(profile="student")
    assert student
    assert all("student" in s.profiles for s in student)
    assert len(student) < len(everything)
    assert [s.code for s in bank.optional("primary", "student")] == ["H10"]
    leader_only = [s for s in everything if s.profiles == {"leader"}]
    assert leader_only
    assert not set(leader_only) & set(bank.optional("vet", "teacher"))


# --- ordering -------------------------------------------------------------------------------


def test_statements_are_ordered_by_area_then_number(bank: Bank) -> None:
    codes = list(bank.statements)
    assert codes.index("H9") < codes.index("H10") < codes.index("H11")
    assert codes == sorted(codes, key=lambda code: (code[0], int(code[1:])))
    assert codes[0] == "A1"
    for level in LEVELS:
        for profile in PROFILES:
            core = [s.code for s in bank.core(level, profile)]
            assert core == [c for c in codes if c in set(core)]


def test_order_does_not_depend_on_the_order_in_the_file(copy: Path) -> None:
    data = read(copy, "A.toml")
    last = data["statement"][-1]["code"]
    extra = json.loads(json.dumps(data["statement"][-1]))
    extra["code"] = "A10"
    data["statement"] = [extra, *reversed(data["statement"])]
    write(copy, "A.toml", data)
    staff = {
        "en": "In our school, leaders plan digital change ten steps ahead.",
        "lv": "Mūsu skolā vadība plāno digitālās pārmaiņas desmit soļus uz priekšu.",
    }
    for language in LANGUAGES:
        words = read(words_file(copy, language).parent, "statements.toml")
        words["A10"] = {**words[last], "staff": staff.get(language, staff["en"])}
        write(words_file(copy, language).parent, "statements.toml", words)

    codes = [code for code in load(copy).statements if code.startswith("A")]
    assert codes == ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A10"]


# --- validation -----------------------------------------------------------------------------


def _set(code: str, key: str, value: Any) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        edit_statement(folder, code, lambda item: item.__setitem__(key, value))

    return mutate


def _set_text(code: str, language: str, wording: str, value: str | None) -> Callable[[Path], None]:
    def change(item: dict[str, Any]) -> None:
        if value is None:
            del item[language][wording]
        else:
            item[language][wording] = value

    return lambda folder: edit_statement(folder, code, change)


def _set_texts(code: str, wording: str, value: str | None) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        for language in LANGUAGES:
            _set_text(code, language, wording, value)(folder)

    return mutate


def _add_student(code: str) -> Callable[[Path], None]:
    def change(item: dict[str, Any]) -> None:
        item["profiles"] = [*item["profiles"], "student"]
        item["lv"]["student"] = "Manā skolā tā notiek."
        item["en"]["student"] = "At my school, this happens."

    return lambda folder: edit_statement(folder, code, change)


def _make_optional(*codes: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        for code in codes:
            _set(code, "kind", "optional")(folder)

    return mutate


def _meta(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    return lambda folder: edit_meta(folder, change)


def _write_file(name: str, text: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        (folder / name).write_text(text, encoding="utf-8")

    return mutate


BROKEN: dict[str, tuple[Callable[[Path], None], str]] = {
    "duplicate code": (_set("B2", "code", "B1"), r"^B\.toml: B1: duplicate code"),
    "missing Latvian text": (
        _set_text("A1", "lv", "staff", None),
        r"^A\.toml: A1: 'staff' text is missing in language 'lv'$",
    ),
    "blank Latvian text": (
        _set_text("C2", "lv", "student", "   "),
        r"^C\.toml: C2 \[lv\]: missing or empty text 'student'$",
    ),
    "unknown wording key": (
        _set_text("D1", "en", "stafff", "In our school, typos happen."),
        r"^D\.toml: D1 \[en\]: unknown key\(s\) 'stafff'$",
    ),
    "unknown statement key": (
        _set("E2", "profile", ["teacher"]),
        r"^E\.toml: E2: unknown.*'profile'",
    ),
    "unknown language": (
        _set("E2", "de", {"staff": "Unsere Schule"}),
        r"E2: unknown key\(s\) 'de'",
    ),
    "code in wrong area file": (
        _set("A1", "code", "B9"),
        r"^A\.toml: B9: code belongs to area B, not to area A$",
    ),
    "malformed code": (_set("F1", "code", "F01"), r"^F\.toml: statement #1: code must look like"),
    "invalid kind": (_set("G1", "kind", "mandatory"), r"^G\.toml: G1: kind must be .*'mandatory'"),
    "empty profiles": (_set("G2", "profiles", []), r"^G\.toml: G2: profiles must be"),
    "unknown profile": (_set("G2", "profiles", ["parent"]), r"G2: profiles must be.*'parent'"),
    "student text on staff-only statement": (
        _set_texts("B3", "student", "At my school, we have partners."),
        r"^B\.toml: B3: has 'student' text but student is not in its profiles$",
    ),
    "primary wording on staff-only statement": (
        _set_texts("C5", "primary_student", "My data is safe."),
        r"^C\.toml: C5: has 'primary_student' text but student is not in its profiles$",
    ),
    "staff text on student-only statement": (
        _set("H1", "profiles", ["student"]),
        r"^H\.toml: H1: has 'staff' text but no leader or teacher in its profiles$",
    ),
    "required student text missing": (
        _set_texts("B1", "student", None),
        r"^B\.toml: B1: missing 'student' text, required for its profiles$",
    ),
    "required help missing": (_set_texts("A2", "help", None), r"^A\.toml: A2: missing 'help'"),
    "required trainer text missing": (
        _set_texts("B7", "trainer", None),
        r"^B\.toml: B7: missing 'trainer' text, required for its profiles$",
    ),
    "trainer text on a statement trainers do not answer": (
        _set_texts("B1", "trainer", "The learners we train review things."),
        r"^B\.toml: B1: has 'trainer' text but trainer is not in its profiles$",
    ),
    "trainer in an area trainers do not answer": (
        _set("A1", "profiles", ["leader", "teacher", "trainer"]),
        r"^A\.toml: A1: profile trainer does not answer area A",
    ),
    "unknown level": (
        _set("B9", "levels", ["college"]),
        r"^B\.toml: B9: levels must be.*'college'",
    ),
    "empty levels": (_set("B9", "levels", []), r"^B\.toml: B9: levels must be"),
    "trainers at a level without trainers": (
        _set("B7", "levels", ["vet"]),
        r"^B\.toml: B7: profile trainer answers at none of its levels$",
    ),
    "vet wording in one language only": (
        _set_text("C1", "en", "vet_staff", "Our school has equipment like that used at work."),
        r"^C\.toml: C1: 'vet_staff' text is missing in language 'lv'$",
    ),
    "student in an area students do not answer": (
        _add_student("A1"),
        r"^A\.toml: A1: profile student does not answer area A",
    ),
    "statement text too long": (
        _set_text("H2", "en", "staff", "In our school, " + "x" * MAX_TEXT_CHARS),
        rf"^H\.toml: H2 \[en\]: 'staff' is \d+ characters, the limit is {MAX_TEXT_CHARS}$",
    ),
    "help too long": (
        _set_text("H2", "lv", "help", "Izvēlieties 5 tikai tad, ja " + "ā" * MAX_HELP_CHARS),
        rf"^H\.toml: H2 \[lv\]: 'help' is \d+ characters, the limit is {MAX_HELP_CHARS}$",
    ),
    "uncovered profile and area": (
        _make_optional("B1", "B2"),
        r"^B\.toml: no core statement for profile student at level primary, but meta\.toml",
    ),
    "missing area name": (
        _meta(lambda meta: meta["areas"]["C"].pop("lv")),
        r"^locales/lv/statements\.toml: \[areas\]: missing or empty text 'C'$",
    ),
    "missing area in meta": (
        _meta(lambda meta: meta["areas"].pop("H")),
        r"^locales/lv/statements\.toml: \[areas\]: missing or empty text 'H'$",
    ),
    "missing scale label": (
        _meta(lambda meta: meta["scale"]["en"].pop("na")),
        r"^locales/en/statements\.toml: \[scale\]: missing or empty text 'na'$",
    ),
    "unknown scale key": (
        _meta(lambda meta: meta["scale"]["lv"].__setitem__("6", "Ļoti")),
        r"^locales/lv/statements\.toml: \[scale\]: unknown key\(s\) '6'$",
    ),
    "unknown area for a profile": (
        _meta(lambda meta: meta["profiles"].__setitem__("student", ["B", "I"])),
        r"^meta\.toml: \[profiles\] student: area codes must be",
    ),
    "unknown key in meta": (
        _meta(lambda meta: meta.__setitem__("scales", {})),
        r"^meta\.toml: unknown key\(s\) 'scales'$",
    ),
    "missing area file": (lambda folder: (folder / "H.toml").unlink(), r"^H\.toml: missing file"),
    "missing meta file": (lambda folder: (folder / "meta.toml").unlink(), r"^meta\.toml: missing"),
    "unexpected file": (_write_file("I.toml", ""), r"^I\.toml: unexpected file"),
    "invalid TOML": (_write_file("D.toml", "[[statement]\n"), r"^D\.toml: not valid TOML"),
    "empty area file": (
        _write_file("E.toml", "# nothing yet\n"),
        r"^E\.toml: no \[\[statement\]\]",
    ),
}


@pytest.mark.parametrize(("mutate", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_bank_is_rejected(copy: Path, mutate: Callable[[Path], None], message: str) -> None:
    load(copy)  # the untouched copy is valid, so the mutation is what breaks it
    mutate(copy)
    with pytest.raises(BankError, match=message) as caught:
        load(copy)
    assert "\n" not in str(caught.value)


def test_missing_folder_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="not found"):
        load_bank(tmp_path / "nowhere")


def test_bank_error_is_a_value_error() -> None:
    assert issubclass(BankError, ValueError)


def test_statements_are_hashable(bank: Bank) -> None:
    statements: set[Statement] = set(bank.statements.values())
    assert len(statements) == len(bank.statements)
