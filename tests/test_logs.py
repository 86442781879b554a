import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from telegram.error import NetworkError

from bot.logs import REDACTED, configure_logging, describe_error

TOKEN = "123456:AAFakeTokenForTests"
LOGGERS = ("bot", "bot.logs", "httpx", "httpcore", "apscheduler")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging() changes the root logger and the exception hooks; later tests must
    not inherit them (pytest has hooks of its own)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    hooks = sys.excepthook, threading.excepthook, sys.unraisablehook
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)
    sys.excepthook, threading.excepthook, sys.unraisablehook = hooks
    logging.captureWarnings(False)


def test_secrets_never_reach_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", [TOKEN])
    log = logging.getLogger("bot.test")
    log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"failed at /bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("request failed")
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getUpdates", TOKEN)
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert err.count(REDACTED) == 2  # the message and the exception text
    assert "getUpdates" not in err  # httpx request lines are silenced


def emit_one_of_each() -> None:
    logging.getLogger("bot.participation").debug("own debug line")
    logging.getLogger("telegram.ext.Updater").debug("update from user 5550123 data a:A1:4")
    logging.getLogger("telegram.ext.Application").info("Application started")
    logging.getLogger("aiosqlite").debug("executing INSERT ... (5550123, 'A1', 4)")
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getUpdates", TOKEN)


def test_debug_is_for_the_bots_own_loggers(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", [TOKEN])
    emit_one_of_each()
    err = capsys.readouterr().err
    assert "own debug line" in err
    assert "Application started" in err  # the libraries still say what they do at INFO
    assert "5550123" not in err
    assert "getUpdates" not in err
    assert "SELFIE_LIBRARY_LOG_LEVEL" not in err


def test_a_quieter_level_quiets_the_libraries_too(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("ERROR", [TOKEN])
    emit_one_of_each()
    logging.getLogger("telegram.ext.Updater").error("polling failed")
    assert capsys.readouterr().err.count("\n") == 1  # only the error


def test_library_debug_is_asked_for_by_name_and_warned_about(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", [TOKEN], library_level="DEBUG")
    emit_one_of_each()
    lines = capsys.readouterr().err.splitlines()
    warning, *rest = lines
    assert "WARNING" in warning and "SELFIE_LIBRARY_LOG_LEVEL=DEBUG" in warning
    assert "user ids" in warning
    assert not [line for line in rest if "WARNING" in line]
    assert "own debug line" not in "\n".join(rest)  # SELFIE_LOG_LEVEL still rules our own
    assert any("5550123" in line for line in rest)
    assert any(f"bot{REDACTED}/getUpdates" in line for line in rest)
    assert TOKEN not in "\n".join(lines)


def test_the_library_warning_is_given_whatever_the_bots_level(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("ERROR", library_level="INFO")
    logging.getLogger("bot.app").warning("not said at ERROR")
    err = capsys.readouterr().err
    assert "WARNING bot.logs: SELFIE_LIBRARY_LOG_LEVEL=INFO" in err
    assert "request URL" in err
    assert err.count("\n") == 1


UNCAUGHT = f"""
import threading
import warnings
from bot.logs import configure_logging

configure_logging("INFO", ["{TOKEN}"])
warnings.warn("deprecated: /bot{TOKEN}/getMe", stacklevel=1)
def fail():
    raise RuntimeError("thread failed at /bot{TOKEN}/getMe")
thread = threading.Thread(target=fail, name="worker")
thread.start()
thread.join()
raise RuntimeError("main failed at /bot{TOKEN}/getMe")
"""


def test_uncaught_exceptions_are_printed_through_the_redaction() -> None:
    """The interpreter's own last words (warnings, uncaught exceptions in the main thread and
    another) blank the token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELFIE_")}
    done = subprocess.run(
        [sys.executable, "-c", UNCAUGHT], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 1
    assert TOKEN not in done.stderr
    assert f"UserWarning: deprecated: /bot{REDACTED}/getMe" in done.stderr
    assert "Exception in thread worker:" in done.stderr
    assert f"RuntimeError: thread failed at /bot{REDACTED}/getMe" in done.stderr
    assert f"RuntimeError: main failed at /bot{REDACTED}/getMe" in done.stderr
    assert done.stderr.count("Traceback (most recent call last)") == 2


def test_an_error_is_described_by_its_type_and_place_and_never_its_message() -> None:
    def draw(name: str) -> None:
        raise ValueError(f"Unknown symbol in {name}")

    try:
        draw("Skola $x^{$ b")
    except ValueError as error:
        described = describe_error(error)
    assert described.startswith("ValueError in draw (tests/test_logs.py:")
    assert "Skola" not in described
    assert describe_error(NetworkError("Bad Gateway")) == "NetworkError: Bad Gateway"
