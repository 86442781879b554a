"""An inline month calendar for choosing a date, and reading dates that were typed."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date

from telegram import InlineKeyboardButton

from bot.i18n import texts
from bot.sessions.period import in_calendar
from bot.surveys.vocabulary import Language

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
# Telegram refuses blank button texts; days that cannot be chosen show this instead.
NO_DAY = "·"


def typed_dates(text: str) -> list[date] | None:
    """The dates in `text` (2026-11-23 or 23.11.2026), in order; None if any is not a date
    (or not one of the years FIRST_YEAR to LAST_YEAR)."""
    found: list[tuple[int, date]] = []
    rest = text
    for pattern, order in ((_ISO, (1, 2, 3)), (_DOTTED, (3, 2, 1))):
        for match in pattern.finditer(text):
            year, month, day = (int(match[i]) for i in order)
            try:
                found.append((match.start(), date(year, month, day)))
            except ValueError:
                return None
            if not in_calendar(found[-1][1]):
                return None
            rest = rest.replace(match[0], " ")
    if not found or re.search(r"\d", rest):
        return None
    return [day for _, day in sorted(found)]


def month_title(language: Language, year: int, month: int) -> str:
    names = texts()(language, "calendar.months").split(",")
    return f"{names[month - 1].strip()} {year}"


def month_keyboard(
    language: Language,
    year: int,
    month: int,
    *,
    allowed: Callable[[date], bool],
    day_data: Callable[[date], str],
    month_data: Callable[[int, int], str],
    nothing: str,
    can_go_back: bool,
    can_go_forward: bool,
) -> list[list[InlineKeyboardButton]]:
    """Rows for one month: a title, weekday names, the weeks, and month navigation.

    Days that cannot be chosen show no number and do nothing.
    """
    weekdays = texts()(language, "calendar.weekdays").split(",")
    rows = [
        [InlineKeyboardButton(month_title(language, year, month), callback_data=nothing)],
        [InlineKeyboardButton(name.strip(), callback_data=nothing) for name in weekdays],
    ]
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month == month and allowed(day):
                row.append(InlineKeyboardButton(str(day.day), callback_data=day_data(day)))
            else:
                row.append(InlineKeyboardButton(NO_DAY, callback_data=nothing))
        rows.append(row)
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    navigation = [
        InlineKeyboardButton("◀", callback_data=month_data(*previous))
        if can_go_back
        else InlineKeyboardButton(NO_DAY, callback_data=nothing),
        InlineKeyboardButton("▶", callback_data=month_data(*following))
        if can_go_forward
        else InlineKeyboardButton(NO_DAY, callback_data=nothing),
    ]
    rows.append(navigation)
    return rows
