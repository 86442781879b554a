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
