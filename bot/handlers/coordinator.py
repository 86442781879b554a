"""The coordinator's side: /newsession and its dialogue, /sessions, /status, /preview, /links,
/coordinators, /cancel, and coordinator invites opened with /start.

These handlers run in an earlier handler group than the participant's: when one of them
handles an update it stops it there (ApplicationHandlerStop), otherwise the update goes on to
the participant's handlers unchanged. That is how a coordinator's typed input wins over
"resume my questionnaire" only while their draft waits for text.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any, cast

from telegram import CallbackQuery, InlineKeyboardMarkup, InputFile, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import SCHEDULER_KEY, AppContext, BotApplication
from bot.coordination import drafts
from bot.coordination.access import Refused
from bot.coordination.drafts import DraftError, DraftScope
from bot.coordination.invites import Expired, Joined, UsedUp
from bot.coordination.service import DraftChange, DraftView, Saved
from bot.handlers import coordinator_views as views
from bot.handlers.calendar import typed_dates
from bot.handlers.callback_data import (
    COORDINATION_PATTERN,
    DraftAction,
    SchoolAction,
    SessionAction,
    decode_coordination,
)
from bot.handlers.participant import language_of
from bot.handlers.qr import qr_png
from bot.handlers.render import group_name
from bot.i18n import texts
from bot.i18n.formatting import moment
from bot.logs import describe_error
from bot.reporting.exports import summary_csv
from bot.reporting.formatting import file_name
from bot.reporting.labels import labels
from bot.reporting.rendering import drawn
from bot.reporting.respondents import open_answers_file
from bot.reporting.service import load_results, report_will_follow
from bot.scheduler.work import Scheduler
from bot.sessions.period import PeriodError, in_calendar
from bot.sessions.service import SessionSetupError
from bot.sessions.tokens import invite_link, is_start_payload
from bot.storage.records import Draft, Session
from bot.surveys.vocabulary import PROFILES, Language, Level, Profile
from bot.validation import OutOfRange, UnsafeText, record_id

log = logging.getLogger(__name__)

GROUP = -1
# A session's number as typed after a command: "12" or "#12", ASCII digits only (not "²");
# `session_number` checks its range.
SESSION_NUMBER = re.compile(r"#?([0-9]+)")
Handler = Callable[[Update, AppContext], Coroutine[Any, Any, None]]


def register(application: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    commands: dict[str, Handler] = {
        "newsession": new_session,
        "sessions": list_sessions,
        "status": status,
        "preview": preview,
        "links": links,
        "results": results,
        "coordinators": coordinators,
        "cancel": cancel,
    }
    for name, callback in commands.items():
        application.add_handler(
            CommandHandler(name, _stopping(callback), filters=private), group=GROUP
        )
    application.add_handler(
        CommandHandler(list(commands), _stopping(private_only), filters=~private), group=GROUP
    )
    application.add_handler(CommandHandler("start", start_invite, filters=private), group=GROUP)
    application.add_handler(CommandHandler("help", show_help, filters=private), group=GROUP)
    application.add_handler(
        CallbackQueryHandler(_stopping(on_button), pattern=COORDINATION_PATTERN), group=GROUP
    )
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text), group=GROUP
    )


def _stopping(callback: Handler) -> Handler:
    async def handle(update: Update, context: AppContext) -> None:
        await callback(update, context)
        raise ApplicationHandlerStop

    return handle


def _who(update: Update) -> User:
    user = update.effective_user
    assert user is not None
    return user


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def private_only(update: Update, context: AppContext) -> None:
    user = update.effective_user
    if user is None or update.effective_message is None:
        return
    await update.effective_message.reply_text(
        texts()(await language_of(context, user), "start.private_only")
    )


# Coordinator invites and help


async def start_invite(update: Update, context: AppContext) -> None:
    """A /start payload that is a coordinator invite; anything else goes on to participants."""
    user = _who(update)
    if not context.args or not is_start_payload(context.args[0]):
        return
    name = user.full_name + (f" (@{user.username})" if user.username else "")
    outcome = await context.services.coordination.redeem(
        token=context.args[0], user=user.id, name=name
    )
    if outcome is None:
        return
    language = await language_of(context, user)
    t = texts()
    match outcome:
        case Joined(school=school, already=already):
            key = "team.already" if already else "team.joined"
            await _reply(update, t(language, key, school=html.escape(school.name)))
        case Expired():
            await _reply(update, t(language, "team.expired"))
        case UsedUp():
            await _reply(update, t(language, "team.used"))
    raise ApplicationHandlerStop


async def show_help(update: Update, context: AppContext) -> None:
    """Coordinators and admins see their commands after the participant's help."""
    user = _who(update)
    coordination = context.services.coordination
    is_admin = coordination.is_admin(user.id)
    schools = await coordination.schools_of(user=user.id)
    if not schools and not is_admin:
        return
    language = await language_of(context, user)
    t = texts()
    parts = [t(language, "help.text")]
    if schools:
        parts.append(t(language, "coordinator_help.text"))
    if is_admin:
        parts.append(t(language, "coordinator_help.admin_text"))
    await _reply(update, "\n\n".join(parts))
    raise ApplicationHandlerStop


# Commands


async def new_session(update: Update, context: AppContext) -> None:
    user = _who(update)
    language = await language_of(context, user)
    coordination = context.services.coordination
    try:
        existing = await coordination.draft(user=user.id)
    except Refused:
        await coordination.discard(user=user.id)  # their rights went; so does the draft
        existing = None
    if existing is not None:
        await _reply(update, *views.draft_exists(language, existing))
        return
    schools = await coordination.schools_of(user=user.id)
    if not schools:
        await _reply(update, texts()(language, "draft.no_school"))
    elif len(schools) == 1:
        await _open_draft(update, context, language, schools[0].id)
    else:
        await _reply(update, *views.school_picker(language, "draft.choose_school", schools, "new"))


async def _open_draft(
    update: Update, context: AppContext, language: Language, school_id: int
) -> None:
    services = context.services
    user = _who(update).id
    try:
        view = await services.coordination.start_draft(user=user, school_id=school_id)
    except Refused as refusal:
        existing = await services.coordination.draft(user=user)
        if refusal.reason != "draft_exists" or existing is None:
            await _answer_problem(update, language, refusal)
            return
        if update.callback_query is not None:
            await update.callback_query.answer()
        await _send(update, context, *views.draft_exists(language, existing))
        return
    await _show(update, *views.draft_screen(language, view, services.bank, services.clock.now()))


async def cancel(update: Update, context: AppContext) -> None:
    user = _who(update)
    language = await language_of(context, user)
    discarded = await context.services.coordination.discard(user=user.id)
    await _reply(
        update, texts()(language, "draft.discarded" if discarded else "draft.nothing_to_cancel")
    )


async def list_sessions(update: Update, context: AppContext) -> None:
    user = _who(update)
    language = await language_of(context, user)
    overview = await context.services.coordination.overview(user=user.id)
    t = texts()
    if not overview.sessions and overview.draft is None:
        await _reply(update, t(language, "sessions.none"))
        return
    lines = [t(language, "sessions.title"), ""]
    if overview.draft is not None:
        school = await _school_name(context, user.id, overview.draft.school_id)
        lines.append(t(language, "sessions.draft_line", school=html.escape(school)))
    lines += [views.session_line(language, summary) for summary in overview.sessions]
    markup = None
    if overview.sessions:
        _, markup = views.session_picker(language, overview.sessions, "card")
    await _reply(update, "\n".join(lines), markup)


async def _school_name(context: AppContext, user: int, school_id: int) -> str:
    for school in await context.services.coordination.schools_of(user=user):
        if school.id == school_id:
            return school.name
    return "?"


async def status(update: Update, context: AppContext) -> None:
    await _with_session(update, context, "st")


async def preview(update: Update, context: AppContext) -> None:
    await _with_session(update, context, "pv")


async def links(update: Update, context: AppContext) -> None:
    await _with_session(update, context, "ln")


async def results(update: Update, context: AppContext) -> None:
    await _with_session(update, context, "res")


async def _with_session(update: Update, context: AppContext, op: str) -> None:
    """Run `op` on the session named in the command, the only one, or one picked by button."""
    user = _who(update)
    language = await language_of(context, user)
    if context.args:
        session_id = session_number(context.args[0])
        if session_id is None:
            await _reply(update, texts()(language, "sessions.bad_number"))
            return
        await _session_action(update, context, language, SessionAction(session_id, op))
        return
    overview = await context.services.coordination.overview(user=user.id)
    if not overview.sessions:
        await _reply(update, texts()(language, "sessions.none"))
    elif len(overview.sessions) == 1:
        only = overview.sessions[0].session.id
        await _session_action(update, context, language, SessionAction(only, op))
    else:
        await _reply(update, *views.session_picker(language, overview.sessions, op))


def session_number(typed: str) -> int | None:
    """The session id in "12" or "#12"; None for anything else, 0 and numbers past SQLite's."""
    number = SESSION_NUMBER.fullmatch(typed)
    if number is None:
        return None
    try:
        return record_id(number[1])
    except OutOfRange:
        return None


async def coordinators(update: Update, context: AppContext) -> None:
    user = _who(update)
    language = await language_of(context, user)
    schools = await context.services.coordination.schools_of(user=user.id)
    if not schools:
        await _reply(update, texts()(language, "draft.no_school"))
    elif len(schools) == 1:
        await _school_action(update, context, language, SchoolAction(schools[0].id, "team"))
    else:
        await _reply(update, *views.school_picker(language, "team.choose", schools, "team"))


# Buttons


async def on_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    language = await language_of(context, query.from_user)
    action = decode_coordination(query.data)
    match action:
        case None:
            await query.answer(texts()(language, "alert.invalid"), show_alert=True)
        case DraftAction():
            await _draft_action(update, context, language, action)
        case SessionAction():
            await _session_action(update, context, language, action)
        case SchoolAction():
            await _school_action(update, context, language, action)


async def _answer_problem(
    update: Update, language: Language, error: Exception, typed: str = ""
) -> None:
    """A refusal or refused input: an alert on a button, a reply to a message."""
    text = views.problem_text(language, error, typed)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await _reply(update, text)


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the pressed message to show `text`, or send it after a typed message."""
    query = update.callback_query
    if query is None:
        await _reply(update, text, markup)
        return
    await query.answer()
    await _edit(query, text, markup)


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


def _rule(action: DraftAction, language: Language) -> DraftChange | None:
    """The draft rule a button applies; None for buttons that only show something. A new own
    statement is written in the coordinator's language."""
    op, arg = action.op, action.arg
    rules: dict[str, DraftChange] = {
        "lvl": lambda d, s: drafts.choose_level(d, s, cast(Level, arg)),
        "cust": drafts.show_customise,
        "tog": lambda d, s: drafts.toggle_optional(d, s, arg),
        "add": lambda d, s: drafts.begin_own(d, s, language),
        "olt": lambda d, s: drafts.begin_translation(d, s, *arg.split(".")),
        "oe": lambda d, s: drafts.edit_own(d, s, *arg.split(".")),
        "od": lambda d, s: drafts.delete_own(d, s, arg),
        "oa": lambda d, s: drafts.own_area(d, s, arg),
        "og": lambda d, s: drafts.toggle_own_group(d, s, cast(Profile, arg)),
        "ogd": drafts.own_groups_done,
        "osk": lambda d, s: drafts.own_help(d, s, ""),
        "back": drafts.cancel_pending,
        "own": drafts.cancel_pending,
        "dates": drafts.show_dates,
        "day": lambda d, s: _choose_day(d, s, date(int(arg[:4]), int(arg[4:6]), int(arg[6:]))),
        "rev": drafts.show_review,
        "opt": lambda d, s: drafts.show_customise(d, s),
        "ov": drafts.cancel_pending,
        "resume": lambda d, s: d,
        "cal": lambda d, s: d,
        "nop": lambda d, s: d,
    }
    return rules.get(op)


def _calendar_argument_valid(action: DraftAction) -> bool:
    """A month (cal) or day (day) the calendar can show, not a forged 20261399 or 999912."""
    if action.op not in ("cal", "day"):
        return True
    arg = action.arg
    try:
        day = date(int(arg[:4]), int(arg[4:6]), int(arg[6:]) if action.op == "day" else 1)
    except ValueError:
        return False
    return in_calendar(day)


def _choose_day(draft: Draft, scope: DraftScope, day: date) -> Draft:
    if draft.awaiting == "end_date":
        return drafts.choose_end(draft, scope, day)
    return drafts.choose_start(draft, scope, day)


async def _draft_action(
    update: Update, context: AppContext, language: Language, action: DraftAction
) -> None:
    services = context.services
    coordination = services.coordination
    user = _who(update)
    query = update.callback_query
    assert query is not None
    if action.op == "nop":
        await query.answer()
        return
    if action.op == "drop":
        if await coordination.discard(user=user.id, draft_id=action.draft_id):
            await _show(update, texts()(language, "draft.discarded"))
        else:
            await _answer_problem(update, language, Refused("no_draft"))
        return
    if action.op == "go":
        await _save(update, context, language, action.draft_id)
        return
    rule = _rule(action, language) if _calendar_argument_valid(action) else None
    if rule is None:
        await query.answer(texts()(language, "alert.invalid"), show_alert=True)
        return
    try:
        view = await coordination.change(user=user.id, draft_id=action.draft_id, change=rule)
    except (Refused, DraftError, PeriodError, ValueError) as error:
        await _answer_problem(update, language, error)
        return
    now = services.clock.now()
    bank = services.bank
    note = ""
    match action.op:
        case "opt" | "tog":
            area = action.arg if action.op == "opt" else action.arg[0]
            screen = views.area_screen(language, view, bank, area)
        case "own" | "od":
            if action.op == "od":
                note = texts()(language, "draft.deleted", code=action.arg)
            screen = views.own_list_screen(language, view, note)
        case "ov":
            screen = views.own_detail_screen(language, view, action.arg)
        case "cal":
            month = (int(action.arg[:4]), int(action.arg[4:]))
            screen = views.calendar_screen(language, view, now, month)
        case "osk" | "back" | "oa" | "ogd" if view.draft.pending is None:
            screen = _after_own_change(language, view, action.arg)
        case _:
            screen = views.draft_screen(language, view, bank, now)
    await _show(update, *screen)


def _after_own_change(language: Language, view: DraftView, edited: str) -> views.Screen:
    """Back to the statement after a change, or to the list after adding one."""
    t = texts()
    codes = [s.code for s in view.draft.own]
    if edited in codes:
        return views.own_detail_screen(language, view, edited)
    return views.own_list_screen(
        language, view, t(language, "draft.own_added", code=codes[-1]) if codes else ""
    )


async def on_text(update: Update, context: AppContext) -> None:
    """A typed message is the draft's input while it waits for one; otherwise not ours."""
    user = _who(update)
    message = update.effective_message
    assert message is not None and message.text is not None
    coordination = context.services.coordination
    try:
        view = await coordination.draft(user=user.id)
    except Refused:
        return
    if view is None or view.draft.awaiting is None:
        return
    language = await language_of(context, user)
    text = message.text
    draft = view.draft
    rule: DraftChange
    match draft.awaiting:
        case "own_text":
            rule = lambda d, s: drafts.own_text(d, s, text)  # noqa: E731
        case "own_help":
            rule = lambda d, s: drafts.own_help(d, s, text)  # noqa: E731
        case "own_translation":
            rule = lambda d, s: drafts.own_translation(d, s, text)  # noqa: E731
        case "start_date" | "end_date":
            days = typed_dates(text)
            if days is None or len(days) > 2:
                await _reply(update, texts()(language, "draft.bad_typed_date"))
                raise ApplicationHandlerStop
            if len(days) == 2:
                rule = lambda d, s: drafts.choose_both(d, s, days[0], days[1])  # noqa: E731
            else:
                rule = lambda d, s: _choose_day(d, s, days[0])  # noqa: E731
    try:
        changed = await coordination.change(user=user.id, draft_id=draft.id, change=rule)
    except (Refused, DraftError, PeriodError, UnsafeText) as error:
        await _answer_problem(update, language, error, text)
        raise ApplicationHandlerStop from None
    services = context.services
    if draft.awaiting in ("own_help", "own_translation") or (
        draft.awaiting == "own_text" and changed.draft.pending is None
    ):
        edited = draft.pending.code if draft.pending and draft.pending.code else ""
        await _show(update, *_after_own_change(language, changed, edited))
    else:
        await _show(
            update, *views.draft_screen(language, changed, services.bank, services.clock.now())
        )
    raise ApplicationHandlerStop


async def _save(update: Update, context: AppContext, language: Language, draft_id: int) -> None:
    user = _who(update)
    try:
        saved = await context.services.coordination.save(user=user.id, draft_id=draft_id)
    except (Refused, DraftError, PeriodError, SessionSetupError) as error:
        await _answer_problem(update, language, error)
        return
    _reschedule(context, saved)
    t = texts()
    session = saved.session
    times = {
        "opens": moment(session.opens_at, session.timezone, language),
        "closes": moment(session.closes_at, session.timezone, language),
    }
    if not saved.created:
        await _show(update, t(language, "draft.saved", session=session.id, **times))
        return
    school = html.escape(session.school_name)
    await _show(update, t(language, "draft.activated", school=school, session=session.id, **times))
    await _send_links(update, context, language, session, saved.invites)


def _reschedule(context: AppContext, saved: Saved) -> None:
    """Tell the scheduler (when one runs) about a new session or new dates."""
    scheduler = context.bot_data.get(SCHEDULER_KEY)
    if scheduler is None or context.job_queue is None:
        return
    from bot.scheduler import jobs

    services = context.services
    jobs.schedule_session(
        context.job_queue,
        scheduler,
        saved.session,
        services.settings.reminder_policy(),
        now=services.clock.now(),
    )


async def _send_links(
    update: Update,
    context: AppContext,
    language: Language,
    session: Session,
    invites: dict[Profile, str],
) -> None:
    chat = update.effective_chat
    session_id = session.id
    school = html.escape(session.school_name)
    assert chat is not None
    t = texts()
    username = context.bot.username
    lines = [t(language, "links.title", session=session_id, school=school), ""]
    urls = {p: invite_link(username, invites[p]) for p in PROFILES if p in invites}
    lines += [
        t(language, "links.line", group=group_name(language, p), link=url)
        for p, url in urls.items()
    ]
    await context.bot.send_message(
        chat.id, "\n".join(lines), parse_mode=ParseMode.HTML, disable_web_page_preview=True
    )
    for profile, url in urls.items():
        await context.bot.send_photo(
            chat.id,
            InputFile(qr_png(url), filename=file_name(session, f"qr-{profile}", "png")),
            caption=t(
                language,
                "links.caption",
                school=school,
                group=group_name(language, profile),
                link=url,
            ),
            parse_mode=ParseMode.HTML,
        )


async def _session_action(
    update: Update, context: AppContext, language: Language, action: SessionAction
) -> None:
    services = context.services
    coordination = services.coordination
    user = _who(update)
    session_id = action.session_id
    try:
        match action.op:
            case "card":
                await _show(
                    update,
                    *views.session_card(
                        language, await coordination.session(user=user.id, session_id=session_id)
                    ),
                )
            case "st":
                report = await coordination.status(user=user.id, session_id=session_id)
                await _show(update, *views.status_screen(language, report))
            case "pv" if not action.arg:
                await coordination.session(user=user.id, session_id=session_id)
                await _show(update, *views.preview_choice(language, session_id))
            case "pv":
                profile, shown_in = action.arg.split(".")
                questionnaire = await coordination.preview(
                    user=user.id, session_id=session_id, profile=cast(Profile, profile)
                )
                summary = await coordination.session(user=user.id, session_id=session_id)
                if update.callback_query is not None:
                    await update.callback_query.answer()
                for text in views.preview_messages(
                    language,
                    shown_in,
                    summary.session,
                    cast(Profile, profile),
                    questionnaire,
                    services.bank,
                ):
                    await _send(update, context, text)
            case "ln":
                session, invites = await coordination.links(user=user.id, session_id=session_id)
                if update.callback_query is not None:
                    await update.callback_query.answer()
                await _send_links(update, context, language, session, invites)
            case "res":
                summary = await coordination.session(user=user.id, session_id=session_id)
                if summary.state != "closed":
                    # Never partial results: while it runs, participation is all there is.
                    report = await coordination.status(user=user.id, session_id=session_id)
                    text, markup = views.status_screen(language, report)
                    notice = texts()(language, "results.not_closed")
                    await _show(update, f"{notice}\n\n{text}", markup)
                    return
                if update.callback_query is not None:
                    await update.callback_query.answer()
                await _send_results(update, context, language, session_id)
            case "rem" | "cls" | "clsy":
                await coordination.session(user=user.id, session_id=session_id)  # rights
                await _run_now(update, context, language, session_id, action.op)
            case "eds" | "edd":
                view = await coordination.edit_session(
                    user=user.id, session_id=session_id, dates=action.op == "edd"
                )
                await _show(
                    update, *views.draft_screen(language, view, services.bank, services.clock.now())
                )
    except Refused as refusal:
        if refusal.reason == "draft_exists":
            existing = await coordination.draft(user=user.id)
            if existing is not None:
                if update.callback_query is not None:
                    await update.callback_query.answer()
                await _send(update, context, *views.draft_exists(language, existing))
                return
        await _answer_problem(update, language, refusal)


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
    """The chart, the PDF report and the summary CSV of a closed session: every part that can
    be made, then the names of those that could not."""
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
        await bot.send_photo(chat.id, chart, caption=summary)
    except Exception as error:
        failed("chart", error)
        if summary is not None:  # the text of the chart's message goes alone
            await bot.send_message(chat.id, summary)
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
        await bot.send_document(chat.id, InputFile(export.content, filename=export.name))
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
        lines.append(t(language, "results.ask_again", session=session_id))
        await bot.send_message(chat.id, "\n".join(lines), parse_mode=ParseMode.HTML)


async def _run_now(
    update: Update, context: AppContext, language: Language, session_id: int, op: str
) -> None:
    """A reminder round or the close, asked for by a coordinator whose rights were checked."""
    query = update.callback_query
    assert query is not None
    t = texts()
    scheduler: Scheduler = context.bot_data[SCHEDULER_KEY]
    if op == "cls":
        await _show(update, *views.close_confirmation(language, session_id))
    elif op == "rem":
        sent = await scheduler.remind(session_id)
        key = "closing.reminded" if sent else "closing.nothing_to_remind"
        await query.answer(t(language, key, count=sent), show_alert=True)
    elif await scheduler.close(session_id):
        await _show(update, t(language, "closing.closed", session=session_id), None)
    else:
        await query.answer(t(language, "closing.already_closed"), show_alert=True)


async def _send(
    update: Update, context: AppContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _school_action(
    update: Update, context: AppContext, language: Language, action: SchoolAction
) -> None:
    coordination = context.services.coordination
    user = _who(update)
    t = texts()
    school_id = action.school_id
    try:
        match action.op:
            case "new":
                await _open_draft(update, context, language, school_id)
            case "team":
                school, members = await coordination.team(user=user.id, school_id=school_id)
                await _show(update, *views.team_screen(language, school, members, user.id))
            case "inv":
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
                await _send(update, context, text)
            case "rm" | "rmy":
                await _remove(update, context, language, action)
    except Refused as refusal:
        await _answer_problem(update, language, refusal)


async def _remove(
    update: Update, context: AppContext, language: Language, action: SchoolAction
) -> None:
    coordination = context.services.coordination
    user = _who(update)
    t = texts()
    school, members = await coordination.team(user=user.id, school_id=action.school_id)
    target = next((m for m in members if str(m.telegram_id) == action.arg), None)
    if target is None:
        await _answer_problem(update, language, Refused("not_coordinator"))
        return
    name = views.member_name(language, target, user.id)
    escaped = html.escape(school.name)
    if action.op == "rm":
        if target.telegram_id == user.id:
            raise Refused("remove_self")
        confirm = views.button(
            t(language, "team.confirm_button"), SchoolAction(school.id, "rmy", action.arg)
        )
        back = views.button(t(language, "draft.back_button"), SchoolAction(school.id, "team"))
        await _show(
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
    await _show(update, *views.team_screen(language, school, members, user.id, note))
