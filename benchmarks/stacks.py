"""Where a bot's time goes, from the py-spy stacks that `answer_bench --profile` writes.

    .venv/bin/python -m benchmarks.stacks /tmp/prof/survey.stacks [/tmp/prof/minimal.stacks]

Each sample goes to one component: the frame nearest the leaf whose file belongs to a known
one (the standard library's frames count for whoever called them). py-spy counts a thread that
waits for the CPU or the GIL as busy, so on a loaded machine the samples are wall time rather
than CPU time: read the shares, and scale them by the CPU per answer the benchmark measured.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

# (component, pattern of a frame's file), the first that matches wins
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("aiosqlite, loop side", r"aiosqlite/"),
    ("HTTP (httpx, httpcore, h11)", r"^(httpx|httpcore|h11|anyio|sniffio)/"),
    (
        "PTB: Bot API methods and objects",
        r"^telegram/(_bot|_callbackquery|_message|request/|_utils/|_telegramobject|_inline/|_user|_chat|_update|_files/|_\w+\.py)",
    ),
    ("PTB: application, handlers, rate limiter", r"^(telegram/ext/|aiolimiter/)"),
    ("ours: storage", r"^bot/storage/"),
    ("ours: rendering and texts", r"^bot/(handlers/render|handlers/callback_data|i18n/)"),
    ("ours: participation service", r"^bot/(participation|surveys|sessions)/"),
    ("ours: handlers", r"^bot/handlers/"),
    ("ours: other", r"^bot/"),
    ("the minimal bot's handlers", r"^benchmarks/minimal_bot"),
    ("event loop: select, self-pipe, callbacks", r"^(asyncio/|selectors)"),
)
_FRAME = re.compile(r"\(([^():]+):\d+\)$")
_COMPILED = [(name, re.compile(pattern)) for name, pattern in COMPONENTS]


def component(frames: list[str]) -> str:
    for frame in reversed(frames):
        match = _FRAME.search(frame.strip())
        path = match.group(1) if match else ""
        for name, pattern in _COMPILED:
            if pattern.search(path):
                return name
    return "other (start-up, threads)"


def shares(path: Path) -> dict[str, Counter[str]]:
    """Samples per thread kind (the main thread, the others) and component."""
    found: dict[str, Counter[str]] = {"main": Counter(), "other threads": Counter()}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        thread = "main" if "MainThread" in frames[0] else "other threads"
        found[thread][component(frames[1:])] += int(count)
    return found


def main(argv: list[str] | None = None) -> None:
    for name in argv if argv is not None else sys.argv[1:]:
        found = shares(Path(name))
        total = sum(sum(c.values()) for c in found.values())
        print(f"{name}: {total} samples")
        for thread, counts in found.items():
            subtotal = sum(counts.values())
            print(f"  {thread}: {subtotal} ({100 * subtotal / max(total, 1):.1f} %)")
            for label, count in counts.most_common():
                print(f"    {100 * count / max(total, 1):5.1f} %  {label}")


if __name__ == "__main__":
    main()
