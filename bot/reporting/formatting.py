"""Numbers, dates and file names as the reports write them, per language."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Final

from bot.surveys.vocabulary import Language

_MONTHS_EN: Final[tuple[str, ...]] = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def number(value: float, language: Language, *, digits: int = 1) -> str:
    """A decimal with a comma in Latvian (3,4) and a point in English (3.4)."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if language == "lv" else text


def signed(value: float, language: Language, *, digits: int = 1) -> str:
    """A change with its sign; a change that rounds to zero is written without one."""
    text = number(abs(value), language, digits=digits)
    if text.strip("0.,") == "":
        return text
    return ("+" if value > 0 else "−") + text


def day(value: date, language: Language) -> str:
    if language == "lv":
        return f"{value.day:02d}.{value.month:02d}.{value.year}."
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def period(start: date, end: date, language: Language) -> str:
    return f"{day(start, language)} – {day(end, language)}"


def slug(text: str, *, limit: int = 40) -> str:
    """ASCII, lower case, hyphens: "Rīgas 1. vidusskola" becomes "rigas-1-vidusskola"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:limit].rstrip("-") or "school"
