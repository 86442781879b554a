"""The close-stall benchmark runs end to end at a tiny size on both engines: the large session
is closed with results, and answers are timed before and during the close. No timing is
checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import close_stall_bench, postgres_server


@pytest.mark.skipif(postgres_server.binaries() is None, reason="no PostgreSQL server binaries")
def test_answers_are_timed_before_and_during_another_session_s_close(tmp_path: Path) -> None:
    out = tmp_path / "stall.json"
    tiny = ["--respondents", "300", "--repeats", "2", "--people", "4", "--baseline", "0.5"]
    close_stall_bench.main([*tiny, "--json", str(out)])
    runs = json.loads(out.read_text(encoding="utf-8"))["runs"]
    # The engines take turns, and each run's session had its results.
    assert [(r["engine"], r["repeat"]) for r in runs] == [
        ("sqlite", 0),
        ("postgresql", 0),
        ("postgresql", 1),
        ("sqlite", 1),
    ]
    for run in runs:
        assert run["respondents"] == 300 and run["close_s"] > 0
        assert run["baseline_answers"] > 0
        assert 0 < run["baseline_p50_ms"] <= run["baseline_p99_ms"] <= run["baseline_max_ms"]
