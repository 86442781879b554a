"""The `selfie-bot` command's last resort: a bug's traceback is shown, the secrets are not.

(The commands themselves are tested end to end, in tests/e2e.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.logs import REDACTED

TOKEN = "123456:AAFakeTokenForCliTests"
HOOK_SECRET = "Hook-Secret-For-Cli-Tests"

# A command that fails with an exception nobody expects, quoting both secrets.
BUG = """
import sys
import bot.cli

async def broken(settings, args):
    secret = settings.webhook_secret.get_secret_value()
    raise RuntimeError(f"bug at /bot{settings.require_token()}/getMe with {secret}")

bot.cli._command = broken
sys.exit(bot.cli.main(["--env-file", sys.argv[1], "session", "status", "1"]))
"""


def test_an_unexpected_error_prints_its_traceback_without_secrets(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"SELFIE_BOT_TOKEN={TOKEN}\nSELFIE_WEBHOOK_SECRET={HOOK_SECRET}\n"
        f"SELFIE_DATABASE={tmp_path / 'db.sqlite3'}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELFIE_")}
    done = subprocess.run(
        [sys.executable, "-c", BUG, str(env_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert TOKEN not in done.stderr and HOOK_SECRET not in done.stderr
    assert "Traceback (most recent call last)" in done.stderr
    assert f"RuntimeError: bug at /bot{REDACTED}/getMe with {REDACTED}" in done.stderr
    assert done.stdout == ""
