import re

import pytest

from bot.coordination.own_format import parse_own


def test_own_statements_are_numbered_with_their_groups() -> None:
    parsed = parse_own(["c|teacher, student|Our library  lends laptops.|Choose 5 if…", "A|all|x"])
    assert [(s.code, s.area, sorted(s.profiles), s.text, s.help) for s in parsed] == [
        ("S1", "C", ["student", "teacher"], "Our library lends laptops.", "Choose 5 if…"),
        # Every group there is: a session keeps those of its level (tests/sessions).
        ("S2", "A", ["leader", "student", "teacher", "trainer"], "x", ""),
    ]


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("Z|all|x", "area"),
        ("C|pupils|x", "groups"),
        ("C|all,teacher|x", "groups"),
        ("C||x", "groups"),
        ("C|all|", "1 to 300"),
        ("C|all|" + "x" * 301, "1 to 300"),
        ("C|all|x|" + "h" * 351, "at most 350"),
        ("C|all", "AREA|GROUPS"),
    ],
)
def test_bad_own_statements_are_refused(spec: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("|", r"\|")):
        parse_own([spec])


def test_at_most_ten() -> None:
    with pytest.raises(ValueError, match="at most 10"):
        parse_own(["A|all|x"] * 11)


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        ("C|all|Mums ir\x00 printeris.", "U+0000"),
        ("C|all|Mums ir printeris.|Izvēlieties 5\x1b[31m", "U+001B"),
        ("C|all|Our \u202eyrarbil", "U+202E"),
        ("C\x85|all|x", "U+0085"),
    ],
)
def test_control_characters_are_refused_with_the_statement_and_the_character(
    spec: str, shown: str
) -> None:
    with pytest.raises(ValueError, match="own statement") as caught:
        parse_own([spec])
    assert shown in str(caught.value)


def test_translations_go_with_their_statements() -> None:
    parsed = parse_own(
        ["C|all|Mūsu bibliotēka izsniedz klēpjdatorus.|Izvēlieties 5, ja…", "A|leader|Plāns"],
        language="lv",
        translations=["s1|EN|Our library lends laptops.|Choose 5 if…", "S1|ru|Библиотека"],
    )
    first, second = parsed
    assert (first.language, second.language) == ("lv", "lv")
    assert first.in_language("en") == ("Our library lends laptops.", "Choose 5 if…")
    assert first.in_language("ru") == ("Библиотека", "")
    assert first.in_language("uk") == (
        "Mūsu bibliotēka izsniedz klēpjdatorus.",
        "Izvēlieties 5, ja…",
    )
    assert first.missing() == ["uk"] and second.missing() == ["en", "ru", "uk"]


@pytest.mark.parametrize(
    ("translation", "problem"),
    [
        ("S3|en|x", "no own statement S3"),
        ("S1|lv|x", "written in lv already"),
        ("S1|xx|x", "language must be one of"),
        ("S1|en|", "1 to 300"),
        ("S1|en", "CODE|LANGUAGE"),
        ("S1|en|x\x00", "control character"),
    ],
)
def test_bad_translations_are_refused(translation: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_own(["C|all|x"], language="lv", translations=[translation])
