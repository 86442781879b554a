"""Logging set-up that never lets a secret through, tracebacks of uncaught exceptions included.

`SELFIE_LOG_LEVEL` applies to the bot's own loggers (`bot.*`). The libraries log what passes
through them: at DEBUG python-telegram-bot prints every update and request (Telegram user ids
beside button data, message texts, answers) and aiosqlite every statement with its values; at
INFO httpx prints every request URL. So they stay at INFO (httpx and httpcore at WARNING)
unless the operator asks for more with `SELFIE_LIBRARY_LOG_LEVEL`.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "<redacted>"
OWN_LOGGER = "bot"
# Every library logger inherits the root logger's level, except these, which say more.
LIBRARY_LEVEL = logging.INFO
QUIETER_LIBRARIES = {
    "httpx": logging.WARNING,  # each request URL at INFO; Bot API URLs carry the token
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,  # a line for every job run
}
LIBRARY_WARNINGS = {
    logging.DEBUG: (
        "SELFIE_LIBRARY_LOG_LEVEL=DEBUG: python-telegram-bot, httpx and aiosqlite now log "
        "every update, request and SQL statement: Telegram user ids, names, message texts, "
        "button data and answers"
    ),
    logging.INFO: (
        "SELFIE_LIBRARY_LOG_LEVEL=INFO: httpx now logs every Bot API request URL (the token is "
        "blanked) and the scheduler every job it runs"
    ),
}


class Redactor:
    """Blanks every known secret in a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        # Longest first, so that a secret containing another is blanked whole.
        known = set(self._secrets) | {secret for secret in secrets if secret}
        self._secrets = sorted(known, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks every secret, tracebacks included."""

    def __init__(self, secrets: Iterable[str] | Redactor, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.redact = secrets if isinstance(secrets, Redactor) else Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def configure_logging(
    level: str, secrets: Iterable[str] | Redactor = (), *, library_level: str | None = None
) -> Redactor:
    """Log to stderr through redaction; tracebacks that no one catches go the same way.

    `level` is for the bot's own loggers; `library_level`, when given, for every library's.
    Returns the redactor, to which secrets learnt later can be added.
    """
    redact = secrets if isinstance(secrets, Redactor) else Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(redact))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    own = logging.getLevelNamesMapping()[level]
    logging.getLogger(OWN_LOGGER).setLevel(own)
    if library_level is None:
        # Never more than the libraries' defaults; less if the operator wants less overall.
        root.setLevel(max(LIBRARY_LEVEL, own))
        for name, quieter in QUIETER_LIBRARIES.items():
            logging.getLogger(name).setLevel(max(quieter, own))
    else:
        chosen = logging.getLevelNamesMapping()[library_level]
        root.setLevel(chosen)
        for name in QUIETER_LIBRARIES:
            logging.getLogger(name).setLevel(chosen)
        if chosen in LIBRARY_WARNINGS:
            notice = logging.getLogger(__name__)
            notice.setLevel(min(own, logging.WARNING))  # said even if SELFIE_LOG_LEVEL=ERROR
            notice.warning(LIBRARY_WARNINGS[chosen])
    logging.captureWarnings(True)  # warnings too are printed through the handler
    guard_tracebacks(redact)
    return redact


def guard_tracebacks(redact: Redactor) -> None:
    """Print uncaught exceptions, of the main thread and of others, through `redact`."""

    def excepthook(
        kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        print_redacted(redact, error, kind=kind, trace=trace)

    def thread_excepthook(hook: threading.ExceptHookArgs) -> None:
        if hook.exc_value is None or hook.exc_type is SystemExit:
            return
        name = hook.thread.name if hook.thread is not None else "?"
        sys.stderr.write(f"Exception in thread {name}:\n")
        print_redacted(redact, hook.exc_value, kind=hook.exc_type, trace=hook.exc_traceback)

    def unraisablehook(unraisable: sys.UnraisableHookArgs) -> None:
        about = unraisable.err_msg or "Exception ignored in"
        sys.stderr.write(redact(f"{about}: {unraisable.object!r}\n"))
        if unraisable.exc_value is not None:
            print_redacted(
                redact,
                unraisable.exc_value,
                kind=unraisable.exc_type,
                trace=unraisable.exc_traceback,
            )

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    sys.unraisablehook = unraisablehook


def print_redacted(
    redact: Redactor,
    error: BaseException,
    *,
    kind: type[BaseException] | None = None,
    trace: TracebackType | None = None,
) -> None:
    """Write the traceback of `error` to stderr with every secret blanked."""
    lines = traceback.format_exception(kind or type(error), error, trace or error.__traceback__)
    sys.stderr.write(redact("".join(lines)))
    sys.stderr.flush()


def describe_error(error: BaseException) -> str:
    """An exception for a log line: its type and where it was raised, without its message
    unless Telegram wrote it, since what fails to draw may quote what people typed (a school's
    name, an own statement)."""
    kind = type(error).__name__
    if type(error).__module__.startswith("telegram."):  # Telegram's own words: no one's text
        return f"{kind}: {error}"
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return kind
    last = frames[-1]
    return f"{kind} in {last.name} ({_short(last.filename)}:{last.lineno})"


def _short(path: str) -> str:
    """A source path from the package down (bot/reporting/chart.py), else its last two parts."""
    parts = path.replace("\\", "/").split("/")
    for anchor, keep in (("site-packages", False), ("bot", True), ("tests", True)):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[index if keep else index + 1 :])
    return "/".join(parts[-2:])
