"""The offline demo, end to end: emulator, real bot, simulated people, the close, the files."""

import asyncio
import csv
import io
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.demo import DemoSize, run_demo
from bot.reporting.labels import labels
from bot.surveys.bank import default_bank

# One naming scheme for every file: selfie-<school>-<session>-<first day>-<what>.<extension>
NAME = re.compile(r"selfie-demo-vidusskola-1-\d{4}-\d{2}-\d{2}-[a-zāčēģīķļņšūž]+\.(png|pdf|csv)")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    size = DemoSize(leaders=5, teachers=5, students=5)
    return asyncio.run(run_demo(tmp_path_factory.mktemp("demo") / "demo", size=size, seed=3))


@pytest.mark.parametrize(("language", "delimiter"), [("lv", ";"), ("en", ",")])
def test_the_demo_writes_a_chart_a_report_and_exports_in_each_language(
    out: Path, language: str, delimiter: str
) -> None:
    files = {path.suffix: path for path in (out / language).iterdir()}
    names = sorted(path.name for path in (out / language).iterdir())
    assert len(names) == 4 and all(NAME.fullmatch(name) for name in names), names
    chart = files[".png"].read_bytes()
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(chart[16:20], "big") == 1080
    assert files[".pdf"].read_bytes().startswith(b"%PDF")
    word = labels()(language, "export.answers_file")
    (answers,) = (p for p in (out / language).iterdir() if p.name.endswith(f"-{word}.csv"))
    (summary,) = (p for p in (out / language).glob("*.csv") if p != answers)
    rows = list(csv.DictReader(io.StringIO(answers.read_text("utf-8-sig")), delimiter=delimiter))
    # Every simulated person answered every statement of their questionnaire.
    bank = default_bank()
    respondent = next(iter(rows[0]))
    per_respondent = Counter(row[respondent] for row in rows)
    assert len(per_respondent) == 15
    expected = sorted(
        [len(bank.core("upper-secondary", p)) for p in ("leader", "teacher", "student")] * 5
    )
    assert sorted(per_respondent.values()) == expected
    assert summary.read_text("utf-8-sig").count("\n") > 10
