"""What every coordinator task shares: replies that edit the pressed message or answer a
typed one, the refusal texts, and the pieces of screens (buttons, dates, school pickers)."""

from __future__ import annotations

from datetime import date

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import AppContext
from bot.coordination.access import Refused
from bot.coordination.drafts import DraftError
from bot.handlers.callback_data import (
    CoordinationAction,
    SchoolAction,
    SchoolOp,
    encode_coordination,
)
from bot.i18n import texts
from bot.sessions.period import FIRST_YEAR, LAST_YEAR, PeriodError
from bot.storage.records import School
from bot.surveys.bank import MAX_HELP_CHARS, MAX_TEXT_CHARS
from bot.surveys.questionnaire import MAX_OWN_STATEMENTS
from bot.surveys.vocabulary import Language
from bot.validation import UnsafeText, code_point

Screen = tuple[str, InlineKeyboardMarkup]


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
        case PeriodError(problem=problem):
            return t(language, f"period.{problem}", first=FIRST_YEAR, last=LAST_YEAR)
        case UnsafeText(character=character):
            return t(language, "input.control_character", character=code_point(character))
        case DraftError(problem=problem):
            length = len(" ".join(typed.split()))
            limit = MAX_HELP_CHARS if problem == "help_too_long" else MAX_TEXT_CHARS
            return t(
                language,
                f"draft.error.{problem}",
                max_own=MAX_OWN_STATEMENTS,
                length=length,
                limit=limit,
            )
    return t(language, "alert.error")


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
    """A refusal or refused input: an alert on a button, a reply to a message."""
    text = problem_text(language, error, typed)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
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
