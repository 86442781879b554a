"""The admins' commands (SELFIE_ADMINS): /addschool, /invite and /schools."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.context import AppContext
from bot.coordination.access import Refused, UnknownSchool
from bot.handlers.callback_data import SchoolAction, SchoolOp
from bot.handlers.coordinator import shared as views
from bot.handlers.language import language_of
from bot.i18n import texts
from bot.i18n.formatting import moment
from bot.sessions.tokens import invite_link
from bot.validation import UnsafeText


def _argument(context: AppContext) -> str:
    return " ".join(context.args or []).strip()


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
    )


async def add_school(update: Update, context: AppContext) -> None:
    user = update.effective_user
    assert user is not None
    language = await language_of(context, user)
    t = texts()
    name = _argument(context)
    try:
        if not context.services.coordination.is_admin(user.id):
            raise Refused("not_admin")
        if not name:
            await _reply(update, t(language, "admin.add_usage"))
            return
        school = await context.services.coordination.add_school(admin=user.id, name=name)
    except (Refused, UnsafeText) as refusal:
        await _reply(update, views.problem_text(language, refusal))
        return
    # A new school has no coordinator yet: the first one is invited, not a co-coordinator.
    invite_button = views.button(
        t(language, "admin.invite_first_button"), SchoolAction(school.id, SchoolOp.INVITE)
    )
    await _reply(
        update,
        t(language, "admin.added", school=html.escape(school.name), id=school.id),
        InlineKeyboardMarkup([[invite_button]]),
    )


async def invite(update: Update, context: AppContext) -> None:
    user = update.effective_user
    assert user is not None
    language = await language_of(context, user)
    t = texts()
    name = _argument(context)
    coordination = context.services.coordination
    try:
        if not coordination.is_admin(user.id):
            raise Refused("not_admin")
        if not name:
            await _reply(update, t(language, "admin.invite_usage"))
            return
        issued = await coordination.invite_coordinator(user=user.id, school_name=name)
    except UnknownSchool as unknown:
        text = views.problem_text(language, unknown)
        if unknown.suggestions:
            names = "\n".join(f"• {html.escape(n)}" for n in unknown.suggestions)
            text += "\n" + t(language, "admin.suggestions", schools=names)
        await _reply(update, text)
        return
    except Refused as refusal:
        await _reply(update, views.problem_text(language, refusal))
        return
    await _reply(
        update,
        t(
            language,
            "team.invite",
            school=html.escape(issued.school.name),
            link=invite_link(context.bot.username, issued.token),
            expires=moment(issued.expires_at, context.services.settings.timezone, language),
        ),
    )


async def schools(update: Update, context: AppContext) -> None:
    user = update.effective_user
    assert user is not None
    language = await language_of(context, user)
    t = texts()
    try:
        found = await context.services.coordination.schools(admin=user.id)
    except Refused as refusal:
        await _reply(update, views.problem_text(language, refusal))
        return
    if not found:
        await _reply(update, t(language, "admin.schools_none"))
        return
    lines = [t(language, "admin.schools_title")]
    lines += [
        t(
            language,
            "admin.school_line",
            school=html.escape(school.name),
            coordinators=coordinators,
            sessions=sessions,
        )
        for school, coordinators, sessions in found
    ]
    await _reply(update, "\n".join(lines))
