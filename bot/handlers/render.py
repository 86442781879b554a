"""Turning participation outcomes into Telegram message texts and inline keyboards."""

from __future__ import annotations

import functools
import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.callback_data import (
    Answer,
    AnswerBackground,
    AwaitOpening,
    Back,
    BackBackground,
    Certificate,
    ChooseLanguage,
    SkipOpen,
    ToggleHelp,
    encode,
)
from bot.i18n import Register, shipped, texts
from bot.i18n.formatting import moment
from bot.participation.outcomes import BackgroundStep, OpenStep, Progress, Recap, Step
from bot.storage.records import Session
from bot.surveys.bank import Bank
from bot.surveys.open_questions import MAX_ANSWER_CHARS
from bot.surveys.vocabulary import NOT_APPLICABLE, Language, Profile

PROGRESS_CELLS = 10
SECONDS_PER_STATEMENT = 20


def audience(profile: Profile) -> Register:
    """How a text addresses its reader: students familiarly, everyone else formally."""
    return "student" if profile == "student" else "staff"


def group_name(language: Language, profile: Profile) -> str:
    return texts()(language, f"group.{profile}")


def welcome(progress: Progress | BackgroundStep, *, resumed: bool) -> str:
    t = texts()
    language = progress.language
    register = audience(progress.profile)
    if resumed:
        return t.addressed(language, "start.resume", register)
    minutes = max(1, round(progress.total * SECONDS_PER_STATEMENT / 60))
    return t.addressed(
        language,
        "start.welcome",
        register,
        school=html.escape(progress.session.school_name),
        group=group_name(language, progress.profile),
        length=t(language, "start.length", count=progress.total),
        duration=t(language, "start.duration", count=minutes),
        closes=moment(progress.session.closes_at, progress.session.timezone, language),
    )


def session_notice(language: Language, key: str, session: Session) -> str:
    return texts()(
        language,
        key,
        school=html.escape(session.school_name),
        opens=moment(session.opens_at, session.timezone, language),
    )


def statement(
    bank: Bank, progress: Progress, *, show_help: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    t = texts()
    language = progress.language
    item = progress.item
    filled = round(PROGRESS_CELLS * progress.position / max(progress.total, 1))
    bar = "▰" * filled + "▱" * (PROGRESS_CELLS - filled)
    lines = [
        f"<b>{item.area} · {html.escape(bank.areas[item.area].name(language))}</b>",
        f"{t(language, 'statement.progress', position=progress.position + 1, total=progress.total)}"
        f"  {bar}",
        "",
        f"<b>{html.escape(item.text(language))}</b>",
    ]
    if item.own:
        note = t.addressed(language, "statement.own_area_note", audience(progress.profile))
        lines.append(f"<i>{note}</i>")
        if language in item.untranslated and item.written_in is not None:
            original = shipped()[item.written_in].name
            lines.append(f"<i>{t(language, 'statement.untranslated', language=original)}</i>")
    if show_help and item.help(language):
        lines += ["", f"<i>ℹ️ {html.escape(item.help(language))}</i>"]
    lines += [
        "",
        t(
            language,
            "statement.scale_hint",
            low=bank.scale_label(1, language),
            high=bank.scale_label(5, language),
        ),
    ]
    return "\n".join(lines), statement_keyboard(bank, progress, show_help=show_help)


def statement_keyboard(bank: Bank, progress: Progress, *, show_help: bool) -> InlineKeyboardMarkup:
    language = progress.language
    return _statement_keyboard(
        progress.session.id,
        progress.item.code,
        language,
        bank.scale_label(NOT_APPLICABLE, language),
        progress.previous_value,
        show_help=show_help,
        offers_help=bool(progress.item.help(language)),
        offers_back=progress.position > 0 or progress.background_before,
    )


# Building python-telegram-bot's button objects costs more than the rest of a card (its
# objects are frozen once made, so one keyboard can go out with many messages): each
# statement's few variants are made once per session and language.
@functools.lru_cache(maxsize=4096)
def _statement_keyboard(
    session_id: int,
    code: str,
    language: Language,
    not_applicable_label: str,
    previous_value: int | None,
    *,
    show_help: bool,
    offers_help: bool,
    offers_back: bool,
) -> InlineKeyboardMarkup:
    t = texts()
    mark = t(language, "statement.chosen_mark")

    def label(value: int, text: str) -> str:
        return f"{text} {mark}" if previous_value == value else text

    scale = [
        InlineKeyboardButton(
            label(value, str(value)), callback_data=encode(Answer(session_id, code, value))
        )
        for value in range(1, 6)
    ]
    not_applicable = InlineKeyboardButton(
        label(NOT_APPLICABLE, t(language, "statement.na_button", label=not_applicable_label)),
        callback_data=encode(Answer(session_id, code, NOT_APPLICABLE)),
    )
    tools = []
    if offers_help:
        key = "statement.hide_help_button" if show_help else "statement.help_button"
        tools.append(
            InlineKeyboardButton(
                t(language, key),
                callback_data=encode(ToggleHelp(session_id, code, not show_help)),
            )
        )
    if offers_back:
        tools.append(
            InlineKeyboardButton(
                t(language, "statement.back_button"), callback_data=encode(Back(session_id, code))
            )
        )
    rows = [scale, [not_applicable]]
    if tools:
        rows.append(tools)
    return InlineKeyboardMarkup(rows)


def card(bank: Bank, step: Step, *, show_help: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    """The message that shows a participant's current step, with its buttons."""
    match step:
        case Progress():
            return statement(bank, step, show_help=show_help)
        case BackgroundStep():
            return background_question(step)
        case OpenStep():
            return open_question(step)


def background_question(step: BackgroundStep) -> tuple[str, InlineKeyboardMarkup]:
    t = texts()
    language, register = step.language, audience(step.profile)
    question = step.question
    lines = [
        f"<b>{t.addressed(language, 'background.heading', register)}</b> · "
        + t(language, "background.progress", position=step.position + 1, total=step.count),
    ]
    if step.position == 0:
        lines.append(f"<i>{t.addressed(language, 'background.note', register)}</i>")
    lines += ["", f"<b>{t.addressed(language, question.text_key, register)}</b>"]
    mark = t(language, "statement.chosen_mark")
    rows = []
    for option in question.choices:
        label = t.addressed(language, question.option_key(option), register)
        if step.previous == option:
            label = f"{label} {mark}"
        action = AnswerBackground(step.session.id, question.key, option)
        rows.append([InlineKeyboardButton(label, callback_data=encode(action))])
    if step.position > 0:
        back = BackBackground(step.session.id, question.key)
        rows.append(
            [InlineKeyboardButton(t(language, "statement.back_button"), callback_data=encode(back))]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def open_question(step: OpenStep) -> tuple[str, InlineKeyboardMarkup]:
    t = texts()
    language, register = step.language, audience(step.profile)
    question = step.question
    lines = [
        f"<b>{t(language, 'open.heading')}</b>",
        "",
        f"<b>{html.escape(question.wording(language, register))}</b>",
    ]
    if question.untranslated_for(language) and question.language is not None:
        original = shipped()[question.language].name
        lines.append(f"<i>{t(language, 'statement.untranslated', language=original)}</i>")
    lines += [
        "",
        f"<i>{t.addressed(language, 'open.note', register)}</i>",
        t.addressed(language, "open.prompt", register, limit=MAX_ANSWER_CHARS),
    ]
    skip = InlineKeyboardButton(
        t(language, "open.skip_button"), callback_data=encode(SkipOpen(step.session.id))
    )
    return "\n".join(lines), InlineKeyboardMarkup([[skip]])


def certificate_keyboard(language: Language, session_id: int) -> InlineKeyboardMarkup:
    label = texts()(language, "done.certificate_button")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=encode(Certificate(session_id)))]]
    )


def recap(recap: Recap) -> str:
    return texts().addressed(
        recap.language,
        "done.thanks",
        audience(recap.profile),
        school=html.escape(recap.session.school_name),
        answered=recap.answered,
        not_applicable=recap.not_applicable,
        closes=moment(recap.session.closes_at, recap.session.timezone, recap.language),
    )


def await_opening_keyboard(language: Language, token: str) -> InlineKeyboardMarkup:
    label = texts()(language, "start.notify_button")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=encode(AwaitOpening(token)))]]
    )


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(info.name, callback_data=encode(ChooseLanguage(info.code)))
                for info in shipped()
            ]
        ]
    )
