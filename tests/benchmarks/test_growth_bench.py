"""The growth benchmark runs end to end at a tiny size and its figures agree with each other.

No timing is checked: benchmarks measure, tests do not.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import growth_bench


def test_a_tiny_run_writes_consistent_figures(tmp_path: Path) -> None:
    out = tmp_path / "growth.json"
    # 12 people all through the service; then 30, of whom 12 seeded and 18 through the service.
    sizes = ["--sizes", "12,30", "--service-limit", "18"]
    growth_bench.main([*sizes, "--repeat", "1", "--no-warm-up", "--json", str(out)])

    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["machine"]["nproc"] >= 1
    assert figures["settings"]["sizes"] == [12, 30]
    whole, seeded = figures["results"]
    for row, size in ((whole, 12), (seeded, 30)):
        assert row["respondents"] == row["completed"] == row["report_respondents"] == size
        assert row["through_service"] + row["seeded"] == size
        assert row["answers"] == row["questionnaire_items"]  # every statement, once
        assert 0 <= row["not_applicable"] < row["answers"]
        assert row["report_sent"] == 1  # the close sent the chart to the coordinator
        assert 0 < row["empty_bytes"] <= row["created_bytes"] < row["answered_bytes"]
        assert row["answered_bytes"] <= row["closed_bytes"] == row["reported_bytes"]
        assert row["bytes_per_answer"] > 0
        assert 0 < row["answers_table_bytes"] < row["answered_bytes"]
    assert whole["answers_through_service"] == whole["answers"]
    assert not whole["extrapolated"]
    assert (seeded["through_service"], seeded["seeded"]) == (18, 12)
    assert seeded["extrapolated"]
    assert 0 < seeded["answers_through_service"] < seeded["answers"]
