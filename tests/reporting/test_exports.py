import csv
import io
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from bot.reporting.exports import CsvFile, summary_csv
from bot.reporting.service import load_answers_csv, load_results
from bot.storage import Database
from bot.storage import sessions as session_queries
from bot.surveys.bank import Bank
from bot.surveys.questionnaire import assemble
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import Language

BOM = b"\xef\xbb\xbf"
GROUP_NAMES = {"Skolas vadītāji": "leader", "Skolotāji": "teacher", "Skolēni": "student"}


def parse(file: CsvFile) -> list[list[str]]:
    assert file.content.startswith(BOM)
    text = file.content[len(BOM) :].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=file.delimiter))


async def answers_export(
    path: Path, session_id: int, bank: Bank, language: Language, *, min_group_size: int = 5
) -> tuple[SessionResults, CsvFile]:
    db = await Database.open(path)
    try:
        results = await load_results(
            db, session_id=session_id, bank=bank, min_group_size=min_group_size
        )
        assert results is not None
        return results, await load_answers_csv(db, results=results, bank=bank, language=language)
    finally:
        await db.close()


@pytest.fixture
async def answers_lv(
    database_path: Path, results: SessionResults, report_bank: Bank
) -> tuple[SessionResults, list[list[str]], CsvFile]:
    loaded, file = await answers_export(database_path, results.session.id, report_bank, "lv")
    assert loaded == results
    return loaded, parse(file), file


async def test_the_answers_export_numbers_respondents_and_drops_hidden_groups(
    answers_lv: tuple[SessionResults, list[list[str]], CsvFile],
) -> None:
    results, rows, file = answers_lv
    session = results.session.id
    assert file.name == f"selfie-rigas-valsts-1-gimnazija-{session}-2026-11-23-atbildes.csv"
    assert file.delimiter == ";"
    header, *lines = rows
    assert header == ["respondents", "grupa", "apgalvojums", "joma", "vērtība"]
    assert all(len(line) == 5 for line in lines)  # nothing else: no id, no date
    groups_of: dict[str, set[str]] = defaultdict(set)
    for respondent, group, *_ in lines:
        groups_of[respondent].add(group)
    # 6 teachers then 8 students, numbered 1..14 in this export; the 3 leaders are left out.
    assert list(groups_of) == [str(n) for n in range(1, 15)]
    assert all(len(groups) == 1 for groups in groups_of.values())
    assert [groups_of[str(n)].pop() for n in range(1, 15)] == ["Skolotāji"] * 6 + ["Skolēni"] * 8
    assert not any(line[1] == "Skolas vadītāji" for line in lines)


async def test_the_answers_export_has_full_questionnaires_of_completed_responses_only(
    answers_lv: tuple[SessionResults, list[list[str]], CsvFile],
    database_path: Path,
    report_bank: Bank,
) -> None:
    results, rows, _ = answers_lv
    db = await Database.open(database_path)
    try:
        async with db.read() as connection:
            codes = await session_queries.session_statement_codes(
                connection, session_id=results.session.id
            )
            own = await session_queries.own_statements(connection, session_id=results.session.id)
    finally:
        await db.close()
    expected = {
        profile: len(
            assemble(report_bank, level="upper-secondary", profile=profile, codes=codes, own=own)
        )
        for profile in ("teacher", "student")
    }
    per_respondent = Counter((line[0], GROUP_NAMES[line[1]]) for line in rows[1:])
    # Every exported respondent answered everything: the unfinished teacher is not among them.
    assert {(profile, count) for (_, profile), count in per_respondent.items()} == {
        ("teacher", expected["teacher"]),
        ("student", expected["student"]),
    }


async def test_the_answers_export_writes_na_as_text_and_areas_of_own_statements(
    answers_lv: tuple[SessionResults, list[list[str]], CsvFile],
) -> None:
    _, rows, _ = answers_lv
    lines = rows[1:]
    assert {line[4] for line in lines} <= {"1", "2", "3", "4", "5", "N/A"}
    students_g = [line[4] for line in lines if line[1] == "Skolēni" and line[2].startswith("G")]
    assert students_g and set(students_g) == {"N/A"}
    areas = {line[2]: line[3] for line in lines}
    assert areas["S1"] == "B" and areas["S2"] == "C" and areas["A1"] == "A"


async def test_the_answers_export_adds_up_to_the_aggregated_results(
    answers_lv: tuple[SessionResults, list[list[str]], CsvFile],
) -> None:
    results, rows, _ = answers_lv
    counted: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * 6)
    for _, group, code, _, value in rows[1:]:
        counted[(code, GROUP_NAMES[group])][0 if value == "N/A" else int(value)] += 1
    aggregated = {
        (s.code, profile): list(d.counts)
        for s in (*results.statements, *results.own_statements)
        for profile, d in s.groups.items()
    }
    assert aggregated and set(aggregated) <= set(counted)
    for key, counts in counted.items():
        if key in aggregated:
            assert aggregated[key] == counts, key
        else:  # too few 1–5 answers for a spread that would not show one person's answer
            assert sum(counts[1:]) < results.min_group_size, key


async def test_a_lower_threshold_lets_a_small_group_into_the_export(
    database_path: Path, results: SessionResults, report_bank: Bank
) -> None:
    lower, file = await answers_export(
        database_path, results.session.id, report_bank, "en", min_group_size=3
    )
    rows = parse(file)
    assert lower.shown_groups == ("leader", "teacher", "student")
    assert rows[0] == ["respondent", "group", "statement", "area", "value"]
    leaders = {line[0] for line in rows[1:] if line[1] == "School leaders"}
    assert leaders == {"1", "2", "3"}
    assert file.name.endswith("-answers.csv") and file.delimiter == ","


def test_the_summary_has_counts_and_means_per_statement_and_shown_group(
    results: SessionResults, report_bank: Bank
) -> None:
    file = summary_csv(results, bank=report_bank, language="lv")
    session = results.session.id
    assert file.name == f"selfie-rigas-valsts-1-gimnazija-{session}-2026-11-23-kopsavilkums.csv"
    header, *lines = parse(file)
    assert header[:4] == ["apgalvojums", "joma", "grupa", "formulējums"]
    assert header[4] == "1 – Pilnībā nepiekrītu" and header[9] == "N/A – Nav atbilstošs"
    assert header[10:] == ["atbildes (1–5)", "vidējais"]
    assert not any(line[2] == "Skolas vadītāji" for line in lines)
    expected_lines = sum(len(s.groups) for s in (*results.statements, *results.own_statements))
    assert len(lines) == expected_lines
    for line in lines:
        counts = [int(c) for c in line[4:10]]  # 1..5, then N/A
        answered = sum(counts[:5])
        assert int(line[10]) == answered
        if answered:
            mean = sum(value * counts[value - 1] for value in range(1, 6)) / answered
            assert line[11] == f"{mean:.2f}".replace(".", ",")
        else:
            assert line[11] == ""


async def test_the_summary_wording_is_the_group_s_own_and_formula_safe(
    database_path: Path, results: SessionResults, report_bank: Bank
) -> None:
    # Every statement with an answer on the scale, so that the school's own S2 has a line.
    db = await Database.open(database_path)
    try:
        everything = await load_results(
            db, session_id=results.session.id, bank=report_bank, min_answers=1
        )
    finally:
        await db.close()
    assert everything is not None
    lines = parse(summary_csv(everything, bank=report_bank, language="en"))[1:]
    wording = {(line[0], line[2]): line[3] for line in lines}
    both = next(s.code for s in results.statements if {"teacher", "student"} <= set(s.groups))
    statement = report_bank.statements[both]
    assert wording[(both, "Teachers")] == statement.text("teacher", "upper-secondary", "en")
    assert wording[(both, "Students")] == statement.text("student", "upper-secondary", "en")
    assert wording[("S2", "Teachers")] == "'=1+1 skolotāju istabā ir printeris."
    means = [line[11] for line in lines if line[11]]
    assert means and all("." in mean and "," not in mean for mean in means)


def test_the_summary_export_has_the_trainers_lines_in_their_words(
    wbl_results: SessionResults, report_bank: Bank
) -> None:
    lines = parse(summary_csv(wbl_results, bank=report_bank, language="en"))[1:]
    trainers = [line for line in lines if line[2] == "In-company trainers"]
    # Their statements with enough answers on the scale to be shown (some have too many N/A).
    shown = {s.code for s in wbl_results.statements if "trainer" in s.groups}
    assert len(shown) >= 8
    assert {line[0] for line in trainers} == shown
    assert shown <= {s.code for s in report_bank.core("wbl", "trainer")}
    h13 = next(line for line in trainers if line[0] == "H13")
    assert h13[3] == "The learners we train can use the digital tools of their trade on their own."
