from datetime import date

from bot.reporting.findings import key_findings
from bot.surveys.bank import Bank
from bot.surveys.scoring import Counts, SessionTallies, score
from bot.surveys.vocabulary import Profile
from tests.tallies import START, session_record
from tests.tallies import tallies as shared_tallies


def tallies(
    counts: dict[tuple[str, Profile], Counts],
    respondents: dict[Profile, int],
    *,
    number: int = 2,
    start: date = START,
) -> SessionTallies:
    return shared_tallies(counts, respondents, session=session_record(number, start))


COUNTS: dict[tuple[str, Profile], Counts] = {
    ("A1", "teacher"): (0, 0, 0, 0, 5, 0),  # teachers A 4.0
    ("B1", "teacher"): (0, 0, 0, 5, 0, 0),  # teachers B 3.0
    ("C1", "teacher"): (0, 0, 5, 0, 0, 0),  # teachers C 2.0
    ("B1", "student"): (0, 0, 0, 0, 0, 5),  # students B 5.0
    ("C1", "student"): (0, 0, 0, 5, 0, 0),  # students C 3.0
}


def test_each_group_s_range_the_widest_gap_and_the_school_s_ends(bank: Bank) -> None:
    results = score(bank=bank, current=tallies(COUNTS, {"leader": 2, "teacher": 5, "student": 5}))
    assert key_findings(results, bank, "en") == [
        "12 respondents completed the questionnaire.",
        "Teachers rate area A “Leadership” (4.0) highest and area C “Infrastructure and"
        " equipment” (2.0) lowest.",
        "Students rate area B “Collaboration and networking” (5.0) highest and area C"
        " “Infrastructure and equipment” (3.0) lowest.",
        # B: 5.0 against 3.0, C: 3.0 against 2.0; B's gap is the wider.
        "The groups differ most in area B “Collaboration and networking”: Teachers 3.0 ·"
        " Students 5.0.",
        # B1 (3.0 + 5.0) / 2 = 4.0 and C1 (2.0 + 3.0) / 2 = 2.5; A1 is the teachers' alone.
        "Of the statements compared for the school as a whole, B1 (4.0) is rated highest and"
        " C1 (2.5) lowest.",
        "Not shown (fewer than 5 respondents): School leaders (2)",
    ]


def test_one_group_one_area_and_groups_that_agree(bank: Bank) -> None:
    counts: dict[tuple[str, Profile], Counts] = {
        ("B1", "teacher"): (0, 0, 0, 5, 0, 0),  # 3.0
        ("B1", "student"): (0, 0, 0, 4, 1, 0),  # 3.2: less than half a point apart
    }
    results = score(bank=bank, current=tallies(counts, {"teacher": 5, "student": 5}))
    findings = key_findings(results, bank, "lv")
    assert "Skolotāji: novērtēta tikai viena joma – B „Sadarbība un tīklošanās” (3,0)." in findings
    assert "Visās jomās grupu vidējo vērtējumu starpība ir mazāka par 0,5." in findings
    # One statement compared: no strength beside an area for improvement.
    assert not any(f.startswith("No apgalvojumiem") for f in findings)


def test_the_largest_change_since_the_previous_session_and_none_that_rounds_away(
    bank: Bank,
) -> None:
    before = tallies(
        {("A1", "teacher"): (0, 0, 0, 5, 0, 0), ("B1", "teacher"): (0, 0, 0, 5, 0, 0)},
        {"teacher": 5},
        number=1,
        start=date(2025, 11, 3),
    )
    moved = tallies(
        {("A1", "teacher"): (0, 0, 0, 4, 1, 0), ("B1", "teacher"): (0, 0, 5, 0, 0, 0)},
        {"teacher": 5},
    )
    findings = key_findings(score(bank=bank, current=moved, previous=before), bank, "en")
    # A: 3.0 → 3.2, B: 3.0 → 2.0, the larger change.
    assert findings[-1] == (
        "Teachers: the largest change since the previous self-reflection is in area B"
        " “Collaboration and networking”: 3.0 → 2.0 (−1.0)."
    )
    still = tallies(
        {("A1", "teacher"): (0, 0, 0, 5, 0, 0), ("B1", "teacher"): (0, 0, 0, 5, 0, 0)},
        {"teacher": 5},
    )
    findings = key_findings(score(bank=bank, current=still, previous=before), bank, "en")
    assert not any("largest change" in f for f in findings)
