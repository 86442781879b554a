"""Messages for people the bot could not write to when they were due.

A coordinator named on the command line is told of the session made for them at once if they
have started the bot; otherwise that message, and an opening notice or a report that did not
reach them either, are sent when they first send /start, and /start greets them as a
coordinator rather than as a participant. Someone who opened a link before the start and asked
to be told is told at the opening.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.context import AppContext
from bot.handlers.language import language_of
from bot.handlers.render import audience
from bot.i18n import texts
from bot.i18n.formatting import moment
from bot.participation.outcomes import Progress
from bot.scheduler.broadcast import Notice
from bot.scheduler.work import WELCOME
from bot.sessions.tokens import invite_link
from bot.storage import Database
from bot.storage import openings as opening_queries
from bot.storage import sessions as session_queries
from bot.storage.deliveries import Claim
from bot.storage.records import School, Session
from bot.surveys.vocabulary import Language


async def on_start(update: Update, context: AppContext) -> bool:
    """Send what waited for this person; greet a coordinator who opens no link as one (True:
    the /start is answered, before the coordinators' and the participants' handlers see it)."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return False
    sent = await context.scheduler.deliver_unreached(message.chat_id)
    if context.args:
        return False  # an invite: the coordinator's and the participant's handlers take it
    services = context.services
    schools = await services.coordination.schools_of(user=user.id)
    if not schools:
        return False
    if isinstance(await services.participation.resume(telegram_id=user.id), Progress):
        return False  # their own questionnaire goes on
    if not any(claim.kind == WELCOME for claim in sent):
        language = await language_of(context, user)
        await message.reply_text(coordinator_greeting(language, schools), parse_mode=ParseMode.HTML)
    return True


def coordinator_greeting(language: Language, schools: list[School]) -> str:
    t = texts()
    lines = "\n".join(
        t(language, "welcome.school_line", school=html.escape(school.name)) for school in schools
    )
    return t(language, "welcome.coordinator", schools=lines)


def welcome_notice(claim: Claim, session: Session, language: Language) -> Notice | None:
    """To a coordinator named on the command line: the session made for them (None once it
    has been cancelled)."""
    if session.status == "cancelled":
        return None
    text = texts()(
        language,
        "welcome.session",
        school=html.escape(session.school_name),
        session=session.number,
        opens=moment(session.opens_at, session.timezone, language),
        closes=moment(session.closes_at, session.timezone, language),
    )
    return Notice(claim, text)


async def opened_notice(
    db: Database, bot_username: str, claim: Claim, session: Session
) -> Notice | None:
    """To someone who asked to be told: the session is open, and their link; None when the
    session is no longer running or they asked nothing (forgotten since)."""
    async with db.read() as connection:
        request = await opening_queries.request_of(
            connection, session_id=session.id, chat_id=claim.recipient
        )
        invites = await session_queries.invites_of(connection, session_id=session.id)
    if request is None or session.status != "active" or request.profile not in invites:
        return None
    language = request.language
    t = texts()
    text = t.addressed(
        language,
        "notice.opened",
        audience(request.profile),
        school=html.escape(session.school_name),
        closes=moment(session.closes_at, session.timezone, language),
    )
    link = invite_link(bot_username, invites[request.profile])
    start = InlineKeyboardButton(t(language, "notice.start_button"), url=link)
    return Notice(claim, text, InlineKeyboardMarkup([[start]]))
