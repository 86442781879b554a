"""Numbers and dates as each language writes them (CLDR, through Babel)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal

from bot.i18n.languages import shipped


def number(value: float, language: str, *, digits: int = 1) -> str:
    """A decimal rounded to `digits` places: 3,4 in Latvian, 3.4 in English."""
    # Rounded by Python first, so every language shows the same digits of the same value.
    rounded = Decimal(f"{value:.{digits}f}")
    pattern = "0." + "0" * digits if digits else "0"
    return format_decimal(rounded, format=pattern, locale=shipped()[language].locale)


def signed(value: float, language: str, *, digits: int = 1) -> str:
    """A change with its sign; a change that rounds to zero is written without one."""
    text = number(abs(value), language, digits=digits)
    if not text.strip("0.,"):
        return text
    return ("+" if value > 0 else "−") + text


def day(value: date, language: str) -> str:
    return shipped()[language].date(value)


def period(start: date, end: date, language: str) -> str:
    return f"{day(start, language)} – {day(end, language)}"
