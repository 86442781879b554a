"""The benchmarks that drive a bot process run end to end at tiny sizes, and what they check
(nothing lost, nothing doubled, every answer timed) holds. No timing is checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import (
    answer_bench,
    broadcast_bench,
    footprint_bench,
    postgres_server,
    unit_bench,
)


def test_the_answer_benchmark_times_every_answer_of_both_bots_in_turns(tmp_path: Path) -> None:
    out = tmp_path / "answer.json"
    tiny = ["--concurrency", "2", "--answers", "6", "--repeats", "2"]
    answer_bench.main([*tiny, "--json", str(out)])
    figures = json.loads(out.read_text(encoding="utf-8"))
    runs = figures["runs"]
    # Ours and the minimal bot take turns, each mode's repeats one after another.
    order = [(run["mode"], run["repeat"], run["bot"]) for run in runs]
    assert order == [
        (mode, repeat, bot)
        for mode in ("saturated", "paced")
        for repeat in (0, 1)
        for bot in (answer_bench.MINIMAL, answer_bench.SURVEY)
    ]
    for run in runs:
        assert run["answers"] == 6
        assert 0 < run["p50_ms"] <= run["p99_ms"] <= run["max_ms"]
        assert run["bot_cpu_ms"] > 0 and run["emulator_ms"] > 0
        assert run["busy"] == (run["others_cores"] >= answer_bench.BUSY_OTHERS)
    assert [row["runs"] for row in figures["summary"]] == [2, 2, 2, 2]
    compared = {(c["mode"], c["concurrency"]): c for c in figures["comparisons"]}
    assert set(compared) == {("saturated", 2), ("paced", 2)}
    assert all(len(c["throughput_ratio"]) == len(c["extra_cpu_ms"]) == 2 for c in compared.values())


def test_the_broadcast_benchmark_reaches_everyone_once(tmp_path: Path) -> None:
    out = tmp_path / "broadcast.json"
    tiny = ["--participants", "40", "--respondents", "3", "--answers", "2", "--think", "0.1"]
    broadcast_bench.main([*tiny, "--modes", "quiet,busy", "--hogs", "1", "--json", str(out)])
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert [run["mode"] for run in figures["runs"]] == ["quiet", "busy"]
    for result in figures["runs"]:
        assert result["lost"] == result["doubled"] == result["failed_claims"] == 0
        assert result["messages"] >= 40 + 1  # a reminder each, the coordinator's digest
        assert result["answers"] == 3 * 2
        assert result["paid_messages"] == 0
    assert set(figures["summary"]) == {"quiet", "busy"}


def test_a_paid_broadcast_round_is_counted_as_paid_above_the_free_rate(tmp_path: Path) -> None:
    out = tmp_path / "paid.json"
    tiny = ["--participants", "120", "--respondents", "2", "--answers", "1", "--think", "0.1"]
    broadcast_bench.main([*tiny, "--rate", "500", "--paid", "--json", str(out)])
    (result,) = json.loads(out.read_text(encoding="utf-8"))["runs"]
    assert result["lost"] == result["doubled"] == result["failed_claims"] == 0
    assert result["rate_limited"] == 0
    assert result["paid_messages"] > 0
    assert result["stars"] == result["paid_messages"] / 10


def test_the_footprint_benchmark_follows_the_bot_to_its_first_chart(tmp_path: Path) -> None:
    out = tmp_path / "footprint.json"
    footprint_bench.main(
        ["--participants", "30", "--respondents", "3", "--starts", "1", "--json", str(out)]
    )
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert [row["step"] for row in rows][-1] == "closed: the chart drawn and sent"
    assert all(0 < row["rss_mb"] <= row["peak_rss_mb"] for row in rows)
    assert rows[0]["startup_s"] > 0


@pytest.mark.skipif(postgres_server.binaries() is None, reason="no PostgreSQL server binaries")
def test_the_answer_benchmark_runs_our_bot_on_a_throwaway_postgresql(tmp_path: Path) -> None:
    out = tmp_path / "answer.json"
    tiny = ["--concurrency", "2", "--answers", "4", "--repeats", "1", "--modes", "saturated"]
    answer_bench.main([*tiny, "--database", "postgresql", "--json", str(out)])
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["machine"]["database"] == "postgresql"
    assert [run["answers"] for run in figures["runs"]] == [4, 4]


def test_the_unit_of_work_benchmark_times_both_ways_in_turns(tmp_path: Path) -> None:
    out = tmp_path / "unit.json"
    unit_bench.main(["--waves", "1", "--repeats", "2", "--json", str(out)])
    runs = json.loads(out.read_text(encoding="utf-8"))["runs"]
    assert [run["way"] for run in runs] == [*unit_bench.WAYS, *unit_bench.WAYS]
    assert all(run["answers"] == 390 and run["cpu_us"] > 0 for run in runs)
