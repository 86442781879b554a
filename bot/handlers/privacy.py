"""/privacy and /forget: what the bot keeps about the person asking, and deleting it."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.context import AppContext
from bot.handlers import render
from bot.handlers.callback_data import Forget, encode
from bot.i18n import texts
from bot.i18n.formatting import day, moment
from bot.privacy import Forgotten, NothingKept, SoleCoordinator
from bot.storage.people import Footprint
from bot.surveys.vocabulary import Language

# Telegram's limit is 4096 characters; a handful of sessions is what a person has in practice.
SHOWN_PARTICIPATIONS = 8


def footprint_text(context: AppContext, language: Language, found: Footprint) -> str:
    t = texts()
    if found.empty:
        return t(language, "privacy.nothing")
    privacy = context.services.privacy
    lines = [t(language, "privacy.title")]
    for entry in found.participations[:SHOWN_PARTICIPATIONS]:
        session = entry.session
        key = "done" if entry.completed else "dropped" if session.status == "closed" else "open"
        lines.append(
            t(
                language,
                f"privacy.{key}",
                school=session.school_name,
                group=render.group_name(language, entry.profile),
                closes=moment(session.closes_at, session.timezone, language),
                until=day(privacy.deleted_on(session), language),
            )
        )
    hidden = len(found.participations) - SHOWN_PARTICIPATIONS
    if hidden > 0:
        lines.append(t(language, "privacy.more", count=hidden))
    if found.schools:
        names = ", ".join(school.name for school in found.schools)
        lines.append(t(language, "privacy.coordinator", schools=names))
    if found.awaited:
        names = ", ".join(dict.fromkeys(s.school_name for s in found.awaited))
        lines.append(t(language, "privacy.awaited", schools=names))
    if found.language is not None:
        lines.append(t(language, "privacy.language"))
    lines.append(t(language, "privacy.footer"))
    return "\n\n".join(lines)


async def show(context: AppContext, message: Message, telegram_id: int, language: Language) -> None:
    found = await context.services.privacy.footprint(telegram_id=telegram_id)
    await message.reply_text(footprint_text(context, language, found))


async def ask_forget(context: AppContext, message: Message, language: Language) -> None:
    t = texts()
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(language, "forget.yes"), callback_data=encode(Forget(True))),
                InlineKeyboardButton(t(language, "forget.no"), callback_data=encode(Forget(False))),
            ]
        ]
    )
    await message.reply_text(t(language, "forget.confirm"), reply_markup=keyboard)


async def on_forget(
    context: AppContext, query: CallbackQuery, language: Language, confirm: bool
) -> None:
    t = texts()
    await query.answer()
    if not confirm:
        text = t(language, "forget.cancelled")
    else:
        match await context.services.privacy.forget(telegram_id=query.from_user.id):
            case Forgotten() | NothingKept():
                text = t(language, "forget.done")
            case SoleCoordinator(schools):
                names = ", ".join(school.name for school in schools)
                text = t(language, "forget.sole_coordinator", schools=names)
    if query.message is not None:
        await query.edit_message_text(text)
    else:
        await context.bot.send_message(query.from_user.id, text)
