"""The text keys the handlers build from names at run time (the rest are written out in the
code, and a test finds those). The application checks all of them at start."""

from __future__ import annotations

from typing import get_args

from bot.coordination.access import RefusalReason
from bot.coordination.completion import CompletionLevel
from bot.coordination.drafts import DraftProblem
from bot.participation.outcomes import OpenProblem
from bot.reporting.labels import required_keys as report_keys
from bot.sessions.period import PeriodProblem, SessionState
from bot.surveys.vocabulary import LEVELS, PROFILES


def required_keys(commands: tuple[str, ...], result_parts: tuple[str, ...]) -> set[str]:
    keys = {f"commands.{name}" for name in commands}
    keys |= {f"group.{profile}" for profile in PROFILES}
    keys |= {f"level.{level}" for level in LEVELS}
    keys |= {f"state.{state}" for state in get_args(SessionState)}
    keys |= {f"status.{level}" for level in get_args(CompletionLevel)}
    keys |= {f"refusal.{reason}" for reason in get_args(RefusalReason)}
    keys |= {f"period.{problem}" for problem in get_args(PeriodProblem)}
    keys |= {f"draft.error.{problem}" for problem in get_args(DraftProblem)}
    keys |= {f"results.{part}_failed" for part in result_parts}
    keys |= {f"privacy.{entry}" for entry in ("done", "open", "dropped")}
    keys |= {f"open.{problem}" for problem in get_args(OpenProblem) if problem != "empty"}
    return keys | report_keys()
