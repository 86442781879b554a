"""The offline demo, end to end: emulator, real bot, simulated people, the close, the files."""

import csv
import io
from collections import Counter
from pathlib import Path

from bot.demo import DemoSize, run_demo
from bot.surveys.bank import default_bank


async def test_the_demo_writes_a_chart_a_report_and_exports(tmp_path: Path) -> None:
    size = DemoSize(leaders=5, teachers=5, students=5)
    out = await run_demo(tmp_path / "demo", size=size, seed=3)
    chart = (out / "chart.png").read_bytes()
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(chart[16:20], "big")
    assert width == 1080
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    rows = list(csv.DictReader(io.StringIO((out / "answers.csv").read_text("utf-8-sig"))))
    # Every simulated person answered every statement of their questionnaire.
    bank = default_bank()
    per_respondent = Counter(row["respondent"] for row in rows)
    assert len(per_respondent) == 15
    expected = sorted(
        [len(bank.core("upper-secondary", p)) for p in ("leader", "teacher", "student")] * 5
    )
    assert sorted(per_respondent.values()) == expected
    summary = (out / "summary.csv").read_text("utf-8-sig")
    assert summary.count("\n") > 10
