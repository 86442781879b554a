"""Small pieces the benchmarks share: machine facts, tables, JSON, percentiles, /proc readings."""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine() -> dict[str, object]:
    """Facts about this machine and its software, taken now (load average at this moment)."""
    return {
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory_gib": round(_meminfo_kib("MemTotal") / 2**20, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "python_telegram_bot": _version("python-telegram-bot"),
        "aiosqlite": _version("aiosqlite"),
        "platform": platform.platform(),
        "utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def describe_machine(facts: Mapping[str, object]) -> str:
    """One line for a table's caption: where and when the figures were taken."""
    load = facts.get("load_average")
    loads = "/".join(str(x) for x in load) if isinstance(load, list) else "?"
    return (
        f"{facts['nproc']} CPUs, {facts['memory_gib']} GiB, Python {facts['python']},"
        f" SQLite {facts['sqlite']}, python-telegram-bot {facts['python_telegram_bot']},"
        f" {facts['platform']}; {facts['utc']}; load average {loads} (1/5/15 min) at start"
    )


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub markdown table; ints get thousands separators, numeric columns align right."""
    cells = [[_cell(value) for value in row] for row in rows]
    numeric = [
        all(_numeric(row[i]) for row in cells if i < len(row) and row[i])
        for i in range(len(headers))
    ]
    widths = [
        max([len(header), 3, *(len(row[i]) for row in cells if i < len(row))])
        for i, header in enumerate(headers)
    ]

    def line(values: Sequence[str]) -> str:
        padded = (
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (w + 1) + ":" if right else "-" * (w + 2)
        for w, right in zip(widths, numeric, strict=True)
    )
    return "\n".join([line(list(headers)), rule + "|", *(line(row) for row in cells)])


def write_json(path: Path, payload: Mapping[str, object]) -> None:
    """Write `payload` as indented UTF-8 JSON, creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of `values`, interpolating linearly between ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc/<pid>/stat)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children, living (a server's backends) or reaped."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(stat.parent.name) == pid:
            total += sum(int(f) for f in fields[11:15]) / _CLOCK_TICKS  # with reaped children
        elif int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy so far, summed over its CPUs (user, nice,
    system, interrupts, and time the hypervisor gave to other guests), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _CLOCK_TICKS


def process_rss_mb(pid: int) -> float:
    """A process's resident memory now, in MB (VmRSS in /proc/<pid>/status)."""
    return _status_kib(pid, "VmRSS") * 1024 / 1e6


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory so far, in MB (VmHWM in /proc/<pid>/status)."""
    return _status_kib(pid, "VmHWM") * 1024 / 1e6


def sqlite_bytes(path: Path) -> int:
    """Bytes on disk of a SQLite database: the main file plus its -wal and -shm files."""
    return sum(
        p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise LookupError(f"{key} not in /proc/{pid}/status")


def _meminfo_kib(key: str) -> int:
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cell(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace("≈", "").replace("~", "").strip().rstrip("*")
    try:
        float(stripped)
    except ValueError:
        return False
    return True


if __name__ == "__main__":  # print the facts of this machine
    json.dump(machine(), sys.stdout, indent=2)
    print()
