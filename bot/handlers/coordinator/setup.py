"""The set-up dialogue: /newsession, its buttons and typed input, /cancel, and saving a draft
as a session (new, or changes to one)."""

from __future__ import annotations

import html
from datetime import date
from typing import assert_never, cast

from telegram import Update

from bot.context import AppContext
from bot.coordination import drafts
from bot.coordination.access import Refused
from bot.coordination.drafts import DraftError, DraftScope
from bot.coordination.service import DraftChange, DraftView
from bot.handlers.calendar import typed_dates
from bot.handlers.callback_data import DraftAction, DraftOp, SchoolOp
from bot.handlers.coordinator import setup_screens as views
from bot.handlers.coordinator.session_card import send_links
from bot.handlers.coordinator.shared import (
    Screen,
    answer_problem,
    reply,
    reschedule,
    school_picker,
    send,
    show,
    who,
)
from bot.handlers.language import language_of
from bot.i18n import texts
from bot.i18n.formatting import moment
from bot.sessions.period import PeriodError, in_calendar
from bot.sessions.service import SessionSetupError
from bot.storage.records import Draft
from bot.surveys.bank import Bank
from bot.surveys.vocabulary import Language, Level, Profile
from bot.validation import UnsafeText


async def new_session(update: Update, context: AppContext) -> None:
    user = who(update)
    language = await language_of(context, user)
    coordination = context.services.coordination
    try:
        existing = await coordination.draft(user=user.id)
    except Refused:
        await coordination.discard(user=user.id)  # their rights went; so does the draft
        existing = None
    if existing is not None:
        await reply(update, *views.draft_exists(language, existing))
        return
    schools = await coordination.schools_of(user=user.id)
    if not schools:
        await reply(update, texts()(language, "draft.no_school"))
    elif len(schools) == 1:
        await open_draft(update, context, language, schools[0].id)
    else:
        await reply(
            update, *school_picker(language, "draft.choose_school", schools, SchoolOp.NEW_SESSION)
        )


async def open_draft(
    update: Update, context: AppContext, language: Language, school_id: int
) -> None:
    services = context.services
    user = who(update).id
    try:
        view = await services.coordination.start_draft(user=user, school_id=school_id)
    except Refused as refusal:
        existing = await services.coordination.draft(user=user)
        if refusal.reason != "draft_exists" or existing is None:
            await answer_problem(update, language, refusal)
            return
        if update.callback_query is not None:
            await update.callback_query.answer()
        await send(update, context, *views.draft_exists(language, existing))
        return
    await show(update, *views.draft_screen(language, view, services.bank, services.clock.now()))


async def cancel(update: Update, context: AppContext) -> None:
    user = who(update)
    language = await language_of(context, user)
    discarded = await context.services.coordination.discard(user=user.id)
    await reply(
        update, texts()(language, "draft.discarded" if discarded else "draft.nothing_to_cancel")
    )


def _rule(action: DraftAction, language: Language) -> DraftChange | None:
    """The draft rule a button applies (showing a step is one: the draft keeps its step); None
    for the buttons that do something else. A new own statement is written in the
    coordinator's language."""
    arg = action.arg
    match action.op:
        case DraftOp.LEVEL:
            return lambda d, s: drafts.choose_level(d, s, cast(Level, arg))
        case DraftOp.CUSTOMISE | DraftOp.OPTIONAL_AREA:
            return drafts.show_customise
        case DraftOp.TOGGLE_OPTIONAL:
            return lambda d, s: drafts.toggle_optional(d, s, arg)
        case DraftOp.ADD_OWN:
            return lambda d, s: drafts.begin_own(d, s, language)
        case DraftOp.TRANSLATE_OWN:
            return lambda d, s: drafts.begin_translation(d, s, *arg.split("."))
        case DraftOp.EDIT_OWN:
            return lambda d, s: drafts.edit_own(d, s, *arg.split("."))
        case DraftOp.DELETE_OWN:
            return lambda d, s: drafts.delete_own(d, s, arg)
        case DraftOp.OWN_AREA:
            return lambda d, s: drafts.own_area(d, s, arg)
        case DraftOp.OWN_GROUP:
            return lambda d, s: drafts.toggle_own_group(d, s, cast(Profile, arg))
        case DraftOp.OWN_GROUPS_DONE:
            return drafts.own_groups_done
        case DraftOp.SKIP_OWN_HELP:
            return lambda d, s: drafts.own_help(d, s, "")
        case DraftOp.BACK | DraftOp.OWN_LIST | DraftOp.OWN_DETAIL:
            return drafts.cancel_pending
        case DraftOp.RESPONDENTS:
            return drafts.show_respondents
        case DraftOp.TOGGLE_BACKGROUND:
            return drafts.toggle_background
        case DraftOp.OPEN_GROUP:
            return lambda d, s: drafts.show_open_choice(d, s, cast(Profile, arg))
        case DraftOp.OPEN_PICK:
            group, key = arg.split(".")
            return lambda d, s: drafts.choose_open(d, s, cast(Profile, group), key)
        case DraftOp.OPEN_WRITE:
            return lambda d, s: drafts.begin_open_text(d, s, cast(Profile, arg))
        case DraftOp.OPEN_NONE:
            return lambda d, s: drafts.no_open(d, s, cast(Profile, arg))
        case DraftOp.DATES:
            return drafts.show_dates
        case DraftOp.DAY:
            return lambda d, s: _choose_day(d, s, date(int(arg[:4]), int(arg[4:6]), int(arg[6:])))
        case DraftOp.REVIEW:
            return drafts.show_review
        case DraftOp.RESUME | DraftOp.MONTH:
            return lambda d, s: d
        case DraftOp.SAVE | DraftOp.DISCARD | DraftOp.NOTHING:
            return None
        case unknown:
            assert_never(unknown)


def _calendar_argument_valid(action: DraftAction) -> bool:
    """A month or a day the calendar can show, not a forged 20261399 or 999912."""
    if action.op not in (DraftOp.MONTH, DraftOp.DAY):
        return True
    arg = action.arg
    try:
        day = date(int(arg[:4]), int(arg[4:6]), int(arg[6:]) if action.op == DraftOp.DAY else 1)
    except ValueError:
        return False
    return in_calendar(day)


def _choose_day(draft: Draft, scope: DraftScope, day: date) -> Draft:
    if draft.awaiting == "end_date":
        return drafts.choose_end(draft, scope, day)
    return drafts.choose_start(draft, scope, day)


async def draft_action(
    update: Update, context: AppContext, language: Language, action: DraftAction
) -> None:
    services = context.services
    coordination = services.coordination
    user = who(update)
    query = update.callback_query
    assert query is not None
    if action.op == DraftOp.NOTHING:
        await query.answer()
        return
    if action.op == DraftOp.DISCARD:
        if await coordination.discard(user=user.id, draft_id=action.draft_id):
            await show(update, texts()(language, "draft.discarded"))
        else:
            await answer_problem(update, language, Refused("no_draft"))
        return
    if action.op == DraftOp.SAVE:
        await _save(update, context, language, action.draft_id)
        return
    rule = _rule(action, language) if _calendar_argument_valid(action) else None
    if rule is None:
        await query.answer(texts()(language, "alert.invalid"), show_alert=True)
        return
    try:
        view = await coordination.change(user=user.id, draft_id=action.draft_id, change=rule)
    except (Refused, DraftError, PeriodError, ValueError) as error:
        await answer_problem(update, language, error)
        return
    now = services.clock.now()
    bank = services.bank
    note = ""
    match action.op:
        case DraftOp.OPTIONAL_AREA | DraftOp.TOGGLE_OPTIONAL:
            area = action.arg if action.op == DraftOp.OPTIONAL_AREA else action.arg[0]
            screen = views.area_screen(language, view, bank, area)
        case DraftOp.OWN_LIST | DraftOp.DELETE_OWN:
            if action.op == DraftOp.DELETE_OWN:
                note = texts()(language, "draft.deleted", code=action.arg)
            screen = views.own_list_screen(language, view, bank, note)
        case DraftOp.OWN_DETAIL:
            screen = views.own_detail_screen(language, view, bank, action.arg)
        case (
            DraftOp.RESPONDENTS | DraftOp.TOGGLE_BACKGROUND | DraftOp.OPEN_PICK | DraftOp.OPEN_NONE
        ):
            screen = views.respondents_screen(language, view)
        case DraftOp.OPEN_GROUP:
            screen = views.open_choice_screen(language, view, cast(Profile, action.arg))
        case DraftOp.MONTH:
            month = (int(action.arg[:4]), int(action.arg[4:]))
            screen = views.calendar_screen(language, view, now, month)
        case DraftOp.SKIP_OWN_HELP | DraftOp.BACK | DraftOp.OWN_AREA | DraftOp.OWN_GROUPS_DONE if (
            view.draft.pending is None
        ):
            screen = _after_own_change(language, view, bank, action.arg)
        case _:
            screen = views.draft_screen(language, view, bank, now)
    await show(update, *screen)


def _after_own_change(language: Language, view: DraftView, bank: Bank, edited: str) -> Screen:
    """Back to the statement after a change, or to the list after adding one."""
    t = texts()
    codes = [s.code for s in view.draft.own]
    if edited in codes:
        return views.own_detail_screen(language, view, bank, edited)
    return views.own_list_screen(
        language, view, bank, t(language, "draft.own_added", code=codes[-1]) if codes else ""
    )


async def on_text(update: Update, context: AppContext) -> bool:
    """A typed message is the draft's input while it waits for one (True); otherwise not ours."""
    user = who(update)
    message = update.effective_message
    assert message is not None and message.text is not None
    coordination = context.services.coordination
    try:
        view = await coordination.draft(user=user.id)
    except Refused:
        return False
    if view is None or view.draft.awaiting is None:
        return False
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
        case "open_text":
            rule = lambda d, s: drafts.open_text(d, s, text, language)  # noqa: E731
        case "start_date" | "end_date":
            days = typed_dates(text)
            if days is None or len(days) > 2:
                await reply(update, texts()(language, "draft.bad_typed_date"))
                return True
            if len(days) == 2:
                rule = lambda d, s: drafts.choose_both(d, s, days[0], days[1])  # noqa: E731
            else:
                rule = lambda d, s: _choose_day(d, s, days[0])  # noqa: E731
    try:
        changed = await coordination.change(user=user.id, draft_id=draft.id, change=rule)
    except (Refused, DraftError, PeriodError, UnsafeText) as error:
        await answer_problem(update, language, error, text)
        return True
    services = context.services
    if draft.awaiting in ("own_help", "own_translation") or (
        draft.awaiting == "own_text" and changed.draft.pending is None
    ):
        edited = draft.pending.code if draft.pending and draft.pending.code else ""
        await show(update, *_after_own_change(language, changed, services.bank, edited))
    elif draft.awaiting == "open_text":
        await show(update, *views.respondents_screen(language, changed))
    else:
        await show(
            update, *views.draft_screen(language, changed, services.bank, services.clock.now())
        )
    return True


async def _save(update: Update, context: AppContext, language: Language, draft_id: int) -> None:
    user = who(update)
    try:
        saved = await context.services.coordination.save(user=user.id, draft_id=draft_id)
    except (Refused, DraftError, PeriodError, SessionSetupError) as error:
        await answer_problem(update, language, error)
        return
    reschedule(context, saved)
    t = texts()
    session = saved.session
    times = {
        "opens": moment(session.opens_at, session.timezone, language),
        "closes": moment(session.closes_at, session.timezone, language),
    }
    if not saved.created:
        await show(update, t(language, "draft.saved", session=session.number, **times))
        return
    school = html.escape(session.school_name)
    await show(
        update, t(language, "draft.activated", school=school, session=session.number, **times)
    )
    await send_links(update, context, language, session, saved.invites)
