"""Drawing happens off the event loop, and its libraries load only when something is drawn."""

from __future__ import annotations

import subprocess
import sys
import threading

from bot.reporting.rendering import drawn


def test_the_running_bot_does_not_load_matplotlib_before_it_draws() -> None:
    probe = (
        "import sys; import bot.app, bot.cli;"
        "print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


async def test_drawing_runs_in_one_worker_thread() -> None:
    names = {await drawn(lambda: threading.current_thread().name) for _ in range(3)}
    assert len(names) == 1
    assert names.pop() != threading.main_thread().name
