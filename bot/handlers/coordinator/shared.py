"""What every coordinator task shares: replies that edit the pressed message or answer a
typed one, the refusal texts (the school's rules among them), the pieces of screens (buttons,
dates, school pickers), and telling the scheduler about a session that is new or has new
dates."""

from __future__ import annotations

from datetime import date

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import AppContext
from bot.coordination.access import Refused
from bot.coordination.drafts import DraftError
from bot.coordination.service import Saved
from bot.handlers.callback_data import (
    CoordinationAction,
    SchoolAction,
    SchoolOp,
    encode_coordination,
)
from bot.i18n import texts
from bot.i18n.formatting import period
from bot.sessions.period import FIRST_YEAR, LAST_YEAR, PeriodError
from bot.sessions.rules import MAX_SESSIONS_PER_YEAR, SessionConflict
from bot.sessions.service import CannotCancel
from bot.storage.records import School, Session
from bot.surveys.bank import MAX_HELP_CHARS, MAX_TEXT_CHARS
from bot.surveys.open_questions import MAX_QUESTION_CHARS
from bot.surveys.questionnaire import MAX_OWN_STATEMENTS
from bot.surveys.vocabulary import Language
from bot.validation import UnsafeText, code_point

Screen = tuple[str, InlineKeyboardMarkup]
# Telegram's limit on the text of a button's answer.
ALERT_LIMIT = 200


# Pieces of screens


def button(label: str, action: CoordinationAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode_coordination(action))


def day_text(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def level_name(language: Language, level: str) -> str:
    return texts()(language, f"level.{level}")


# Refusals and input errors


def problem_text(language: Language, error: Exception, typed: str = "") -> str:
    t = texts()
    match error:
        case Refused(reason=reason):
            return t(language, f"refusal.{reason}")
        case SessionConflict():
            return conflict_text(language, error)
        case CannotCancel():
            return cannot_cancel_text(language, error)
        case PeriodError(problem=problem):
            return t(language, f"period.{problem}", first=FIRST_YEAR, last=LAST_YEAR)
        case UnsafeText(character=character):
            return t(language, "input.control_character", character=code_point(character))
        case DraftError(problem=problem):
            length = len(" ".join(typed.split()))
            limits = {"help_too_long": MAX_HELP_CHARS, "question_too_long": MAX_QUESTION_CHARS}
            limit = limits.get(problem, MAX_TEXT_CHARS)
            return t(
                language,
                f"draft.error.{problem}",
                max_own=MAX_OWN_STATEMENTS,
                length=length,
                limit=limit,
            )
    return t(language, "alert.error")


def rules_session_line(language: Language, session: Session) -> str:
    """A session in the way of a school rule: its number, level and dates."""
    t = texts()
    return t(
        language,
        "rules.session_line",
        session=session.number,
        level=level_name(language, session.level),
        dates=period(session.start_date, session.end_date, language),
    )


def conflict_text(language: Language, error: SessionConflict) -> str:
    """Why the dates are refused, naming the session in the way, or the year's sessions."""
    lines = "\n".join(rules_session_line(language, s) for s in error.sessions)
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


def school_picker(language: Language, key: str, schools: list[School], op: SchoolOp) -> Screen:
    rows = [[button(school.name[:60], SchoolAction(school.id, op))] for school in schools]
    return texts()(language, key), InlineKeyboardMarkup(rows)


# Replies


def who(update: Update) -> User:
    user = update.effective_user
    assert user is not None
    return user


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def answer_problem(
    update: Update, language: Language, error: Exception, typed: str = ""
) -> None:
    """A refusal or refused input: an alert on a button, a reply to a message (and to a
    button, when it is longer than an alert can be: one naming a school year's sessions)."""
    text = problem_text(language, error, typed)
    query = update.callback_query
    if query is not None and len(text) <= ALERT_LIMIT:
        await query.answer(text, show_alert=True)
        return
    if query is not None:
        await query.answer()
    await reply(update, text)


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the pressed message to show `text`, or send it after a typed message."""
    query = update.callback_query
    if query is None:
        await reply(update, text, markup)
        return
    await query.answer()
    await edit(query, text, markup)


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def send(
    update: Update, context: AppContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


def reschedule(context: AppContext, saved: Saved) -> None:
    """Tell the scheduler about a new session or new dates."""
    if context.job_queue is None:
        return
    from bot.scheduler import jobs

    services = context.services
    jobs.schedule_session(
        context.job_queue,
        context.scheduler,
        saved.session,
        services.settings.reminder_policy(),
        now=services.clock.now(),
    )
