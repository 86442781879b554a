"""The coordinator's screens for the school's rules: dates refused by a rule, and cancelling a
session that has not opened."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.callback_data import SessionAction, encode_coordination
from bot.i18n import texts
from bot.i18n.formatting import moment, period
from bot.sessions.rules import MAX_SESSIONS_PER_YEAR, SessionConflict
from bot.sessions.service import CannotCancel
from bot.storage.records import Session
from bot.surveys.vocabulary import Language


def _button(label: str, action: SessionAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode_coordination(action))


def session_line(language: Language, session: Session) -> str:
    t = texts()
    return t(
        language,
        "rules.session_line",
        session=session.number,
        level=t(language, f"level.{session.level}"),
        dates=period(session.start_date, session.end_date, language),
    )


def conflict_text(language: Language, error: SessionConflict) -> str:
    """Why the dates are refused, naming the session in the way, or the year's sessions."""
    lines = "\n".join(session_line(language, s) for s in error.sessions)
    return texts()(
        language,
        f"period.{error.problem}",
        sessions=lines,
        first=error.school_year,
        last=error.school_year + 1,
        max=MAX_SESSIONS_PER_YEAR,
    )


def cannot_cancel_text(language: Language, error: CannotCancel) -> str:
    key = {"open": "cancel.refused_open", "cancelled": "cancel.refused_cancelled"}
    return texts()(language, key.get(error.state, "cancel.refused_closed"))


def cancel_confirmation(language: Language, session: Session) -> tuple[str, InlineKeyboardMarkup]:
    t = texts()
    text = t(
        language,
        "cancel.confirm",
        session=session.number,
        school=html.escape(session.school_name),
        opens=moment(session.opens_at, session.timezone, language),
    )
    rows = [
        [
            _button(t(language, "cancel.confirm_button"), SessionAction(session.id, "cnly")),
            _button(t(language, "cancel.keep_button"), SessionAction(session.id, "card")),
        ]
    ]
    return text, InlineKeyboardMarkup(rows)


def cancelled_text(language: Language, session: Session) -> str:
    return texts()(
        language, "cancel.done", session=session.number, school=html.escape(session.school_name)
    )
