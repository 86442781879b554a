"""The school's team: /coordinators, inviting and removing a co-coordinator, and a
coordinator invite opened with /start."""

from __future__ import annotations

import html
from typing import assert_never

from telegram import InlineKeyboardMarkup, Update

from bot.context import AppContext
from bot.coordination.access import Refused
from bot.coordination.invites import Expired, Joined, UsedUp
from bot.handlers.callback_data import SchoolAction, SchoolOp
from bot.handlers.coordinator import team_screens as views
from bot.handlers.coordinator.setup import open_draft
from bot.handlers.coordinator.shared import (
    answer_problem,
    button,
    reply,
    school_picker,
    send,
    show,
    who,
)
from bot.handlers.language import language_of
from bot.i18n import texts
from bot.i18n.formatting import moment
from bot.sessions.tokens import invite_link, is_start_payload
from bot.surveys.vocabulary import Language


async def start_invite(update: Update, context: AppContext) -> bool:
    """A /start payload that is a coordinator invite (True: answered); anything else goes on to
    participants."""
    user = who(update)
    if not context.args or not is_start_payload(context.args[0]):
        return False
    name = user.full_name + (f" (@{user.username})" if user.username else "")
    outcome = await context.services.coordination.redeem(
        token=context.args[0], user=user.id, name=name
    )
    if outcome is None:
        return False
    language = await language_of(context, user)
    t = texts()
    match outcome:
        case Joined(school=school, already=already):
            key = "team.already" if already else "team.joined"
            await reply(update, t(language, key, school=html.escape(school.name)))
        case Expired():
            await reply(update, t(language, "team.expired"))
        case UsedUp():
            await reply(update, t(language, "team.used"))
    return True


async def coordinators(update: Update, context: AppContext) -> None:
    user = who(update)
    language = await language_of(context, user)
    schools = await context.services.coordination.schools_of(user=user.id)
    if not schools:
        await reply(update, texts()(language, "draft.no_school"))
    elif len(schools) == 1:
        await school_action(update, context, language, SchoolAction(schools[0].id, SchoolOp.TEAM))
    else:
        await reply(update, *school_picker(language, "team.choose", schools, SchoolOp.TEAM))


async def school_action(
    update: Update, context: AppContext, language: Language, action: SchoolAction
) -> None:
    coordination = context.services.coordination
    user = who(update)
    t = texts()
    school_id = action.school_id
    try:
        match action.op:
            case SchoolOp.NEW_SESSION:
                await open_draft(update, context, language, school_id)
            case SchoolOp.TEAM:
                school, members = await coordination.team(user=user.id, school_id=school_id)
                await show(update, *views.team_screen(language, school, members, user.id))
            case SchoolOp.INVITE:
                issued = await coordination.invite_coordinator(user=user.id, school_id=school_id)
                link = invite_link(context.bot.username, issued.token)
                text = t(
                    language,
                    "team.invite",
                    school=html.escape(issued.school.name),
                    link=link,
                    expires=moment(issued.expires_at, context.services.settings.timezone, language),
                )
                if update.callback_query is not None:
                    await update.callback_query.answer()
                await send(update, context, text)
            case SchoolOp.REMOVE | SchoolOp.REMOVE_CONFIRMED:
                await _remove(update, context, language, action)
            case unknown:
                assert_never(unknown)
    except Refused as refusal:
        await answer_problem(update, language, refusal)


async def _remove(
    update: Update, context: AppContext, language: Language, action: SchoolAction
) -> None:
    coordination = context.services.coordination
    user = who(update)
    t = texts()
    school, members = await coordination.team(user=user.id, school_id=action.school_id)
    target = next((m for m in members if str(m.telegram_id) == action.arg), None)
    if target is None:
        await answer_problem(update, language, Refused("not_coordinator"))
        return
    name = views.member_name(language, target, user.id)
    escaped = html.escape(school.name)
    if action.op == SchoolOp.REMOVE:
        if target.telegram_id == user.id:
            raise Refused("remove_self")
        confirm = button(
            t(language, "team.confirm_button"),
            SchoolAction(school.id, SchoolOp.REMOVE_CONFIRMED, action.arg),
        )
        back = button(t(language, "draft.back_button"), SchoolAction(school.id, SchoolOp.TEAM))
        await show(
            update,
            t(language, "team.confirm_remove", name=name, school=escaped),
            InlineKeyboardMarkup([[back, confirm]]),
        )
        return
    await coordination.remove_coordinator(
        user=user.id, school_id=school.id, telegram_id=target.telegram_id
    )
    school, members = await coordination.team(user=user.id, school_id=school.id)
    note = t(language, "team.removed", name=name, school=escaped)
    await show(update, *views.team_screen(language, school, members, user.id, note))
