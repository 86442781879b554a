"""Every text of every language, rendered with real values, and what a rule can check in it.

School names of several shapes, counts 0, 1, 2, 10, 11, 21, 41, 101 and dates in every month:
no placeholder is left, counted phrases take the form CLDR gives, no Latvian sentence puts a
school name where Latvian would need it inflected, and nothing exceeds Telegram's limits.

The Latvian of the whole catalogue is also written to `snapshots/lv.txt`, one text per key, so
that a reviewer reads the product's Latvian in one place; the test compares it, and
`UPDATE_SNAPSHOTS=1` writes it anew after a deliberate change.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.i18n import texts
from bot.i18n.catalogue import REGISTERS, Register
from bot.i18n.formatting import day, moment

SCHOOLS = (
    "Rīgas Tehniskā koledža",
    "Rīgas 1. vidusskola",
    "Liepājas Raiņa 6. vidusskola",
    "Ogres tehnikums",
    "Ventspils Valsts 1. ģimnāzija",
)
COUNTS = (0, 1, 2, 10, 11, 21, 41, 101)
MAX_MESSAGE = 4096
SNAPSHOT = Path(__file__).parent / "snapshots" / "lv.txt"


def values(school: str, count: int, month: int, language: str) -> dict[str, object]:
    """A real value for every placeholder the catalogue uses."""
    when = datetime(2026, month, 14, 21, 59, tzinfo=UTC)
    return {
        "school": school, "schools": f"{school}, {SCHOOLS[1]}", "count": count,
        "closes": moment(when, "Europe/Riga", language),
        "opens": moment(when, "Europe/Riga", language),
        "closed": moment(when, "Europe/Riga", language),
        "planned": moment(when, "Europe/Riga", language),
        "closing": moment(when, "Europe/Riga", language),
        "expires": moment(when, "Europe/Riga", language),
        "start": day(when.date(), language), "end": day(date(2026, month, 27), language),
        "earliest": day(when.date(), language), "latest": day(date(2026, month, 28), language),
        "until": day(when.date(), language), "date": day(when.date(), language),
        "period": f"{day(when.date(), language)} – {day(date(2026, month, 27), language)}",
        "session": 12, "sessions": 3, "group": "skolotāji", "groups": "skolotāji: 4",
        "length": "Anketā ir 41 īss apgalvojums", "duration": "14 minūšu",
        "remaining": "Atlikušo apgalvojumu skaits: 37", "answered": 38, "not_applicable": 3,
        "position": 7, "total": 41, "completed": 9, "joined": 12, "minimum": 10,
        "percent": 90, "min": 5, "max_own": 10, "limit": 300, "step": 2, "page": 1,
        "pages": 4, "id": 7, "code": "S1", "area": "C", "name": "Anna", "text": "Teksts",
        "help": "Palīdzība", "what": "melnraksts", "link": "https://t.me/selfie_bot?start=abc",
        "label": "Nav atbilstošs", "low": "Pilnībā nepiekrītu", "high": "Pilnībā piekrītu",
        "mark": "🟢", "level": "vidusskola", "state": "notiek", "timezone": "Europe/Riga",
        "character": "U+0000", "first": 2000, "last": 2099, "core": 31, "optional": 4,
        "own": 2, "leader": 40, "teacher": 41, "student": 38, "coordinators": 2,
        "mean": "3,4", "spread": "1,2", "answers": 120, "na": "N/A", "language": "English",
        "languages": "Русский, Українська", "statements": "S1 (Русский)", "max": 3,
        "questions": "Cik droši jūs jūtaties, izmantojot digitālās tehnoloģijas?",
        "dates": f"{day(when.date(), language)} – {day(date(2026, month, 27), language)}",
        "best": "C „Infrastruktūra un aprīkojums” (4,1)", "worst": "G „Novērtēšanas prakse” (2,8)",
        "change": "3,2 → 3,8 (+0,6)",
    }  # fmt: skip


def rendered(language: str) -> Iterator[tuple[str, Register, str]]:
    """(key, register, text) for every key, register, school, count and month."""
    t = texts()
    for key in sorted(t.keys):
        for register in REGISTERS:
            for index, school in enumerate(SCHOOLS):
                for count in COUNTS:
                    month = 1 + (index * len(COUNTS) + COUNTS.index(count)) % 12
                    filled = values(school, count, month, language)
                    yield key, register, t.addressed(language, key, register, **filled)


@pytest.mark.parametrize("language", texts().languages.codes)
def test_every_text_renders_whole_and_within_telegram_s_limits(language: str) -> None:
    for key, register, text in rendered(language):
        where = f"{language} {key} ({register})"
        assert not re.search(r"\{[a-z_]*\}", text), f"{where}: a placeholder left: {text}"
        assert len(text) <= MAX_MESSAGE, where
        assert text.strip(), where


# A school name governs nothing after it and follows nothing that would need it inflected:
# after it come punctuation, a line's end or a verb of which it is the subject.
_AFTER_NAME = re.compile(r"\{school\}(?:</b>)?(?P<next>[^\S\n]*\S*)")
_BEFORE_NAME = re.compile(r"(?P<before>\S+)\s+(?:<b>)?\{school\}")
VERBS = {"aicina", "ir"}
_GOVERNING = {"no", "uz", "par", "pie", "ar", "skolai", "skolas", "skolā", "un", "pašvērtējuma"}


def test_latvian_puts_school_names_only_where_they_need_no_inflection() -> None:
    t = texts()
    for key in sorted(t.keys):
        for register in REGISTERS:
            for form in _forms(t, "lv", key, register):
                for found in _AFTER_NAME.finditer(form):
                    following = found["next"].strip()
                    ok = not following or following[0] in ":,.()·–" or following in VERBS
                    assert ok, f"lv {key}: '{{school}}' is followed by {following!r}: {form}"
                for found in _BEFORE_NAME.finditer(form):
                    assert found["before"].lower() not in _GOVERNING, f"lv {key}: {form}"


def _forms(t: object, language: str, key: str, register: Register) -> list[str]:
    form = t._entries[language][key][register]  # type: ignore[attr-defined]
    return list(form.values()) if isinstance(form, dict) else [form]


@pytest.mark.parametrize(
    ("count", "latvian", "english"),
    [
        (0, "0 īsu apgalvojumu", "0 short statements"),
        (1, "1 īss apgalvojums", "1 short statement"),
        (2, "2 īsi apgalvojumi", "2 short statements"),
        (10, "10 īsu apgalvojumu", "10 short statements"),
        (11, "11 īsu apgalvojumu", "11 short statements"),
        (21, "21 īss apgalvojums", "21 short statements"),
        (41, "41 īss apgalvojums", "41 short statements"),
        (101, "101 īss apgalvojums", "101 short statements"),
    ],
)
def test_counted_phrases_take_the_form_cldr_gives(count: int, latvian: str, english: str) -> None:
    t = texts()
    assert t("lv", "start.length", count=count).endswith(latvian)
    assert t("en", "start.length", count=count).endswith(english)
    minutes = {1: "1 minūti", 2: "2 minūtes", 10: "10 minūšu", 21: "21 minūti"}
    if count in minutes:
        assert t("lv", "start.duration", count=count) == minutes[count]


def test_students_are_addressed_with_tu_and_staff_with_jus_in_latvian() -> None:
    t = texts()
    student = t.addressed("lv", "start.welcome", "student", **values(SCHOOLS[0], 21, 3, "lv"))
    staff = t.addressed("lv", "start.welcome", "staff", **values(SCHOOLS[0], 21, 3, "lv"))
    assert "tevi" in student and "jūs" not in student.lower()
    assert "jūs" in staff and "tevi" not in staff


def snapshot() -> str:
    t = texts()
    lines = ["# The product's Latvian, every text once (tests/i18n/test_rendering.py).", ""]
    for key in sorted(t.keys):
        for register in REGISTERS:
            if register == "student" and _forms(t, "lv", key, "student") == _forms(
                t, "lv", key, "staff"
            ):
                continue
            for count in (1, 10, 21) if _plural(t, key, register) else (41,):
                text = t.addressed("lv", key, register, **values(SCHOOLS[0], count, 12, "lv"))
                lines.append(
                    f"## {key} [{register}{f', {count}' if _plural(t, key, register) else ''}]"
                )
                lines += [text, ""]
    return "\n".join(lines)


def _plural(t: object, key: str, register: Register) -> bool:
    return isinstance(t._entries["lv"][key][register], dict)  # type: ignore[attr-defined]


def test_the_latvian_snapshot_is_current() -> None:
    current = snapshot()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == current, (
        "the Latvian texts changed: read the difference, then UPDATE_SNAPSHOTS=1 to keep it"
    )


def test_placeholder_names_are_all_given_real_values() -> None:
    t = texts()
    names: set[str] = set()
    for language in t.languages.codes:
        for key in t.keys:
            for register in REGISTERS:
                for form in _forms(t, language, key, register):
                    names |= {n for _, n, _, _ in string.Formatter().parse(form) if n}
    assert names <= set(values(SCHOOLS[0], 1, 1, "lv"))
