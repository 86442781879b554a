"""After a session's close: booking its follow-up from the results, the proposal first, then
the session scheduled, told to the scheduler and its links sent, as the set-up dialogue's
activation does."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.constants import ParseMode

from bot.context import AppContext
from bot.coordination.service import Saved
from bot.handlers.callback_data import SessionAction, SessionOp
from bot.handlers.coordinator import after_close_screens as views
from bot.handlers.coordinator.session_card import send_links
from bot.handlers.coordinator.shared import answer_problem, edit, reschedule, show
from bot.i18n import texts
from bot.sessions.follow_up import AlreadyFollowed, Offer
from bot.sessions.period import PeriodError
from bot.sessions.service import SessionSetupError
from bot.surveys.vocabulary import Language


async def follow_up(
    update: Update, context: AppContext, language: Language, action: SessionAction
) -> None:
    """The buttons FOLLOW_UP (the proposal) and SCHEDULE_FOLLOW_UP (schedule it). Refused goes
    up to the session card, which answers every session button's refusal the same way."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    coordination = context.services.coordination
    user = query.from_user.id
    found: Saved | Offer | AlreadyFollowed
    try:
        if action.op == SessionOp.FOLLOW_UP:
            found = await coordination.follow_up_offer(user=user, session_id=action.session_id)
        else:
            months, first = action.arg.split(".")
            start = _day(first)
            if start is None:
                await query.answer(texts()(language, "alert.invalid"), show_alert=True)
                return
            found = await coordination.schedule_follow_up(
                user=user, session_id=action.session_id, months=int(months), start=start
            )
    except (PeriodError, SessionSetupError) as error:  # the school's rules among them
        await answer_problem(update, language, error)
        return
    match found:
        case AlreadyFollowed():
            await query.answer(views.already_followed(language, found), show_alert=True)
        case Offer() if action.op == SessionOp.FOLLOW_UP:
            await query.answer()
            text, markup = views.offer_screen(language, found)
            await context.bot.send_message(
                chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        case Offer():
            await query.answer(texts()(language, "follow_up.changed"), show_alert=True)
            await edit(query, *views.offer_screen(language, found))
        case Saved():
            reschedule(context, found)
            closed = await coordination.session(user=user, session_id=action.session_id)
            await show(update, views.scheduled(language, found, closed.session))
            await send_links(update, context, language, found.session, found.invites)


def _day(digits: str) -> date | None:
    """A day written YYYYMMDD; None when there is no such day (a forged button)."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
