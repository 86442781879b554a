import pytest

from bot.coordination.own_format import parse_own


def test_own_statements_are_numbered_with_their_groups() -> None:
    parsed = parse_own(["c|teacher, student|Our library  lends laptops.|Choose 5 if…", "A|all|x"])
    assert [(s.code, s.area, sorted(s.profiles), s.text, s.help) for s in parsed] == [
        ("S1", "C", ["student", "teacher"], "Our library lends laptops.", "Choose 5 if…"),
        ("S2", "A", ["leader", "student", "teacher"], "x", ""),
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
