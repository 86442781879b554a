import os
import signal
import subprocess
import sys
import time

from benchmarks.common import process_cpu_seconds, tree_cpu_seconds

# A parent that starts a child burning CPU for a while, then waits: the parent's own CPU
# stays small, the tree's holds the child's.
PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c",
    "import time\\nend = time.process_time() + 0.4\\nwhile time.process_time() < end: pass\\n"
    "time.sleep(30)"])
print(child.pid, flush=True)
time.sleep(30)
"""


def test_a_process_tree_s_cpu_counts_its_children() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        deadline = time.monotonic() + 20
        while process_cpu_seconds(child) < 0.4 and time.monotonic() < deadline:
            time.sleep(0.05)
        alone, tree = process_cpu_seconds(parent.pid), tree_cpu_seconds(parent.pid)
        assert tree - alone >= 0.39
        assert tree >= process_cpu_seconds(child) + alone - 0.01
    finally:
        os.kill(child, signal.SIGKILL)
        parent.kill()
        parent.wait()
