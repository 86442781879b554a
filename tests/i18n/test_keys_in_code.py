"""Every text key written out in the code is in the catalogue (the ones built from names are
checked by the application at start: bot/handlers/text_keys.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.app import COMMANDS
from bot.handlers.coordinator.session_card import RESULT_PARTS
from bot.handlers.text_keys import required_keys
from bot.i18n import texts

KEY = re.compile(r"[a-z_]+(\.[a-z0-9_-]+)+")
ROOT = Path(__file__).resolve().parents[2] / "bot"


def called_keys() -> set[str]:
    """The key of every call of a catalogue (t(language, "key"), texts()(…), labels()(…),
    t.addressed(language, "key", …)), prefixed as the reports' view prefixes it."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "emulator" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            # texts()(…) and labels()(…): the name of the function called for a catalogue
            maker = (
                func.func.id
                if isinstance(func, ast.Call) and isinstance(func.func, ast.Name)
                else None
            )
            reports = maker == "labels" or (
                isinstance(func, ast.Name) and func.id == "text" and "reporting" in path.parts
            )
            catalogue = (
                (isinstance(func, ast.Name) and func.id in {"t", "text"})
                or maker in {"texts", "labels"}
                or (isinstance(func, ast.Attribute) and func.attr == "addressed")
            )
            if not catalogue or len(node.args) < 2:
                continue
            key = node.args[1]
            if (
                isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and KEY.fullmatch(key.value)
            ):
                found.add(("report." if reports else "") + key.value)
    return found


def test_every_key_the_code_writes_out_exists() -> None:
    keys = called_keys()
    assert len(keys) > 100  # the scan finds the calls
    assert sorted(keys - texts().keys) == []


def test_the_keys_built_from_names_exist() -> None:
    texts().require(required_keys(COMMANDS, tuple(RESULT_PARTS)))
