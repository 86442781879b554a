"""Numbers and dates as each language writes them (CLDR, through Babel)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

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


def moment(instant: datetime, timezone: str, language: str) -> str:
    """A moment in a session's time zone, as the language writes a date and time, and the
    zone's name: "14.12.2026. plkst. 23.59 (Europe/Riga)"."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{shipped()[language].moment(local)} ({timezone})"


def period(start: date, end: date, language: str) -> str:
    return f"{day(start, language)} – {day(end, language)}"
