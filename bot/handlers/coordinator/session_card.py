"""A session and its views: /sessions and the card, /status, /preview, /links, /results,
and the card's buttons (reminders now, closing early, cancelling before the opening, changes)."""

from __future__ import annotations

import html
import logging
import re
from typing import assert_never, cast

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden

from bot.context import AppContext
from bot.coordination.access import Refused
from bot.handlers.callback_data import SessionAction, SessionOp
from bot.handlers.coordinator import after_close_screens, setup_screens
from bot.handlers.coordinator import session_card_screens as views
from bot.handlers.coordinator.shared import answer_problem, reply, send, show, who
from bot.handlers.language import language_of
from bot.handlers.qr import labelled_qr_png
from bot.handlers.render import audience, group_name
from bot.i18n import texts
from bot.i18n.formatting import moment
from bot.logs import describe_error
from bot.reporting.exports import summary_csv
from bot.reporting.formatting import file_name
from bot.reporting.labels import labels
from bot.reporting.rendering import drawn
from bot.reporting.respondents import open_answers_file
from bot.reporting.service import load_results, report_will_follow
from bot.reporting.turnout import nothing_to_show
from bot.sessions.service import CannotCancel
from bot.sessions.tokens import invite_link
from bot.storage.records import Session
from bot.surveys.vocabulary import PROFILES, Language, Profile
from bot.validation import OutOfRange, record_id

log = logging.getLogger(__name__)

# A session's number as typed after a command: "12" or "#12", ASCII digits only (not "²");
# `session_number` checks its range.
SESSION_NUMBER = re.compile(r"#?([0-9]+)")


async def list_sessions(update: Update, context: AppContext) -> None:
    user = who(update)
    language = await language_of(context, user)
    overview = await context.services.coordination.overview(user=user.id)
    t = texts()
    if not overview.sessions and overview.draft is None:
        await reply(update, t(language, "sessions.none"))
        return
    lines = [t(language, "sessions.title"), ""]
    if overview.draft is not None:
        school = await _school_name(context, user.id, overview.draft.school_id)
        lines.append(t(language, "sessions.draft_line", school=html.escape(school)))
    lines += [views.session_line(language, summary) for summary in overview.sessions]
    markup = None
    if overview.sessions:
        _, markup = views.session_picker(language, overview.sessions, SessionOp.CARD)
    await reply(update, "\n".join(lines), markup)


async def _school_name(context: AppContext, user: int, school_id: int) -> str:
    for school in await context.services.coordination.schools_of(user=user):
        if school.id == school_id:
            return school.name
    return "?"


async def status(update: Update, context: AppContext) -> None:
    await _with_session(update, context, SessionOp.STATUS)


async def preview(update: Update, context: AppContext) -> None:
    await _with_session(update, context, SessionOp.PREVIEW)


async def links(update: Update, context: AppContext) -> None:
    await _with_session(update, context, SessionOp.LINKS)


async def results(update: Update, context: AppContext) -> None:
    await _with_session(update, context, SessionOp.RESULTS)


async def _with_session(update: Update, context: AppContext, op: SessionOp) -> None:
    """Run `op` on the session named in the command, the only one, or one picked by button."""
    user = who(update)
    language = await language_of(context, user)
    coordination = context.services.coordination
    if context.args:
        number = session_number(context.args[0])
        if number is None:
            await reply(update, texts()(language, "sessions.bad_number"))
            return
        # The school's own number: a coordinator of several schools may have one per school.
        found = await coordination.numbered(user=user.id, number=number)
        if len(found) > 1:
            await reply(update, *views.session_picker(language, found, op))
            return
        if not found:
            await answer_problem(update, language, Refused("not_coordinator"))
            return
        await session_action(update, context, language, SessionAction(found[0].session.id, op))
        return
    overview = await coordination.overview(user=user.id)
    if not overview.sessions:
        await reply(update, texts()(language, "sessions.none"))
    elif len(overview.sessions) == 1:
        only = overview.sessions[0].session.id
        await session_action(update, context, language, SessionAction(only, op))
    else:
        await reply(update, *views.session_picker(language, overview.sessions, op))


def session_number(typed: str) -> int | None:
    """The session number in "12" or "#12"; None for anything else, 0 and numbers past
    SQLite's."""
    number = SESSION_NUMBER.fullmatch(typed)
    if number is None:
        return None
    try:
        return record_id(number[1])
    except OutOfRange:
        return None


async def send_links(
    update: Update,
    context: AppContext,
    language: Language,
    session: Session,
    invites: dict[Profile, str],
) -> None:
    chat = update.effective_chat
    school = html.escape(session.school_name)
    assert chat is not None
    t = texts()
    username = context.bot.username
    lines = [t(language, "links.title", session=session.number, school=school), ""]
    urls = {p: invite_link(username, invites[p]) for p in PROFILES if p in invites}
    lines += [
        t(language, "links.line", group=group_name(language, p), link=url)
        for p, url in urls.items()
    ]
    await context.bot.send_message(
        chat.id,
        "\n".join(lines),
        parse_mode=ParseMode.HTML,
        disable_web_page_preview=True,
        reply_markup=InlineKeyboardMarkup([views.back_row(language, session.id, keep=True)]),
    )
    closes = moment(session.closes_at, session.timezone, language)
    number = t(language, "links.qr_session", session=session.number)
    for profile, url in urls.items():
        group = group_name(language, profile)
        # Printed, the codes must be told apart; the caption is the invitation to forward.
        image = labelled_qr_png(url, session.school_name, [group, number])
        await context.bot.send_photo(
            chat.id,
            InputFile(image, filename=file_name(session, f"qr-{profile}", "png")),
            caption=t.addressed(
                language,
                "links.invitation",
                audience(profile),
                school=school,
                group=group,
                closes=closes,
                link=url,
            ),
            parse_mode=ParseMode.HTML,
        )


async def session_action(
    update: Update, context: AppContext, language: Language, action: SessionAction
) -> None:
    services = context.services
    coordination = services.coordination
    user = who(update)
    session_id = action.session_id
    try:
        match action.op:
            case SessionOp.CARD:
                card = views.session_card(
                    language, await coordination.session(user=user.id, session_id=session_id)
                )
                query = update.callback_query
                pressed = query.message if query is not None else None
                below = action.arg == views.NEW_CARD or not (
                    isinstance(pressed, Message) and pressed.text
                )
                if query is not None and below:
                    # Back from links, a preview or files: they stay; the card comes below.
                    await query.answer()
                    await send(update, context, *card)
                else:
                    await show(update, *card)
            case SessionOp.STATUS:
                report = await coordination.status(user=user.id, session_id=session_id)
                await show(update, *views.status_screen(language, report))
            case SessionOp.PREVIEW if not action.arg:
                summary = await coordination.session(user=user.id, session_id=session_id)
                await show(update, *views.preview_choice(language, summary.session))
            case SessionOp.PREVIEW:
                profile, shown_in = action.arg.split(".")
                questionnaire = await coordination.preview(
                    user=user.id, session_id=session_id, profile=cast(Profile, profile)
                )
                asked = await coordination.asked(user=user.id, session_id=session_id)
                summary = await coordination.session(user=user.id, session_id=session_id)
                if update.callback_query is not None:
                    await update.callback_query.answer()
                messages = views.preview_messages(
                    language,
                    shown_in,
                    summary.session,
                    cast(Profile, profile),
                    questionnaire,
                    services.bank,
                    background=(
                        services.participation.background.asked(cast(Profile, profile))
                        if asked.background
                        else ()
                    ),
                    open_question=asked.open_for(cast(Profile, profile)),
                )
                back = InlineKeyboardMarkup([views.back_row(language, session_id, keep=True)])
                for number, text in enumerate(messages, start=1):
                    await send(update, context, text, back if number == len(messages) else None)
            case SessionOp.LINKS:
                session, invites = await coordination.links(user=user.id, session_id=session_id)
                if update.callback_query is not None:
                    await update.callback_query.answer()
                await send_links(update, context, language, session, invites)
            case SessionOp.RESULTS:
                summary = await coordination.session(user=user.id, session_id=session_id)
                if summary.state == "cancelled":
                    raise Refused("cancelled")
                if summary.state != "closed":
                    # Never partial results: while it runs, participation is all there is.
                    report = await coordination.status(user=user.id, session_id=session_id)
                    text, markup = views.status_screen(language, report)
                    notice = texts()(language, "results.not_closed")
                    await show(update, f"{notice}\n\n{text}", markup)
                    return
                if update.callback_query is not None:
                    await update.callback_query.answer()
                await _send_results(update, context, language, session_id)
            case SessionOp.FOLLOW_UP | SessionOp.SCHEDULE_FOLLOW_UP:
                # A task of its own, which sends the new session's links with this module's
                # send_links: imported here, where it is used, to keep the imports one-way.
                from bot.handlers.coordinator.after_close import follow_up

                await follow_up(update, context, language, action)
            case SessionOp.REMIND | SessionOp.CLOSE | SessionOp.CLOSE_CONFIRMED:
                summary = await coordination.session(user=user.id, session_id=session_id)
                await _run_now(update, context, language, summary.session, action.op)
            case SessionOp.CANCEL:
                summary = await coordination.session(user=user.id, session_id=session_id)
                await show(update, *views.cancel_confirmation(language, summary.session))
            case SessionOp.CANCEL_CONFIRMED:
                cancelled = await coordination.cancel(user=user.id, session_id=session_id)
                await show(update, views.cancelled_text(language, cancelled))
            case SessionOp.EDIT_STATEMENTS | SessionOp.EDIT_DATES:
                view = await coordination.edit_session(
                    user=user.id, session_id=session_id, dates=action.op == SessionOp.EDIT_DATES
                )
                await show(
                    update,
                    *setup_screens.draft_screen(
                        language, view, services.bank, services.clock.now()
                    ),
                )
            case unknown:
                assert_never(unknown)
    except CannotCancel as error:
        await answer_problem(update, language, error)
    except Refused as refusal:
        if refusal.reason == "draft_exists":
            existing = await coordination.draft(user=user.id)
            if existing is not None:
                if update.callback_query is not None:
                    await update.callback_query.answer()
                await send(update, context, *setup_screens.draft_exists(language, existing))
                return
        await answer_problem(update, language, refusal)


# The parts of /results, as the log names them; `results.<part>_failed` tells the coordinator.
RESULT_PARTS = {
    "summary": "text summary",
    "chart": "chart",
    "pdf": "PDF report",
    "summary_csv": "summary CSV",
    "open_answers": "open answers",
}


async def _send_results(
    update: Update, context: AppContext, language: Language, session_id: int
) -> None:
    """The chart, the PDF report, the summary CSV and the open answers of a closed session:
    every part that can be made, then the names of those that could not."""
    from bot.reporting.chart import caption  # imported late: see rendering

    chat = update.effective_chat
    assert chat is not None
    services = context.services
    bank = services.bank
    drawing = services.drawing
    found = await load_results(
        services.db,
        session_id=session_id,
        bank=bank,
        min_group_size=services.settings.min_group_size,
    )
    assert found is not None  # the session exists: access was checked against it
    bot = context.bot
    markup = after_close_screens.follow_up_keyboard(language, session_id)
    if empty := await nothing_to_show(services.db, results=found):
        text = after_close_screens.no_results(language, empty)
        await bot.send_message(chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        return
    missing: list[str] = []

    def failed(part: str, error: Exception) -> None:
        if isinstance(error, Forbidden):
            raise error  # blocked: nothing more can reach this chat
        log.error(
            "/results of session %d: the %s could not be made or sent: %s",
            session_id,
            RESULT_PARTS[part],
            describe_error(error),
        )
        missing.append(part)

    summary: str | None = None
    try:
        summary = caption(found, language=language)
    except Exception as error:
        failed("summary", error)
    try:
        chart = await drawn(drawing.chart, found, bank=bank, language=language)
        await bot.send_photo(chat.id, chart, caption=summary, reply_markup=markup)
    except Exception as error:
        failed("chart", error)
        if summary is not None:  # the text of the chart's message goes alone
            await bot.send_message(chat.id, summary, reply_markup=markup)
    name = file_name(found.session, labels()(language, "export.report_file"), "pdf")
    try:
        pdf = await drawn(drawing.pdf, found, bank=bank, language=language)
        await bot.send_document(chat.id, InputFile(pdf, filename=name))
    except Exception as error:
        failed("pdf", error)
    try:
        # Aggregates only: response by response, a coordinator with a few accounts of their
        # own could lift a small group over the minimum and read the one real person's row.
        export = summary_csv(found, bank=bank, language=language)
        await bot.send_document(
            chat.id,
            InputFile(export.content, filename=export.name),
            reply_markup=InlineKeyboardMarkup([views.back_row(language, session_id, keep=True)]),
        )
    except Exception as error:
        failed("summary_csv", error)
    try:
        opened = open_answers_file(found, language=language)  # apart from everything else
        if opened is not None:
            await bot.send_document(chat.id, InputFile(opened.content, filename=opened.name))
    except Exception as error:
        failed("open_answers", error)
    if missing:
        t = texts()
        lines = [t(language, f"results.{part}_failed") for part in missing]
        if "chart" in missing and await report_will_follow(
            services.db, session_id=session_id, recipient=chat.id
        ):
            lines.append(t(language, "results.report_will_follow"))
        lines.append(t(language, "results.ask_again", session=found.session.number))
        await bot.send_message(chat.id, "\n".join(lines), parse_mode=ParseMode.HTML)


async def _run_now(
    update: Update, context: AppContext, language: Language, session: Session, op: SessionOp
) -> None:
    """A reminder round or the close, asked for by a coordinator whose rights were checked."""
    query = update.callback_query
    assert query is not None
    t = texts()
    scheduler = context.scheduler
    session_id = session.id
    if op == SessionOp.CLOSE:
        await show(update, *views.close_confirmation(language, session))
    elif op == SessionOp.REMIND:
        sent = await scheduler.remind(session_id)
        key = "closing.reminded" if sent else "closing.nothing_to_remind"
        await query.answer(t(language, key, count=sent), show_alert=True)
    elif await scheduler.close(session_id):
        await show(update, t(language, "closing.closed", session=session.number), None)
    else:
        await query.answer(t(language, "closing.already_closed"), show_alert=True)
