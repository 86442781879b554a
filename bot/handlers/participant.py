"""The participant's side: /start with an invite, answering, Back, help, resuming, /language."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.context import AppContext
from bot.handlers import privacy, render
from bot.handlers.callback_data import (
    Answer,
    AnswerBackground,
    AwaitOpening,
    Back,
    BackBackground,
    Certificate,
    ChooseLanguage,
    Continue,
    Forget,
    Mute,
    SkipOpen,
    ToggleHelp,
    decode,
)
from bot.handlers.language import language_of
from bot.i18n import Register, texts
from bot.participation.outcomes import (
    AlreadyCompleted,
    BackgroundStep,
    InvalidLink,
    JoinOutcome,
    NotOpenYet,
    NotParticipating,
    OpenDone,
    OpeningAwaited,
    OpenOutcome,
    OpenRefused,
    OpenStep,
    OtherGroup,
    Progress,
    Recap,
    SessionCancelled,
    SessionClosed,
    Stale,
    Step,
    StepOutcome,
)
from bot.reporting.rendering import drawn
from bot.sessions.period import local_today
from bot.sessions.tokens import is_start_payload
from bot.surveys.open_questions import MAX_ANSWER_CHARS
from bot.surveys.vocabulary import Language
from bot.validation import describe

log = logging.getLogger(__name__)


async def register_of(context: AppContext, user: User) -> Register:
    """How to address this person: as a student if they last joined as one."""
    profile = await context.services.participation.latest_profile(telegram_id=user.id)
    return render.audience(profile) if profile is not None else "staff"


async def start(update: Update, context: AppContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    language = await language_of(context, user)
    participation = context.services.participation
    if not context.args:
        await _show_step(
            context, message.chat_id, language, await participation.resume(telegram_id=user.id)
        )
        return
    token = context.args[0]
    if not is_start_payload(token):
        await message.reply_text(texts()(language, "start.invalid_link"))
        return
    outcome = await participation.join(
        token=token, telegram_id=user.id, chat_id=message.chat_id, language=language
    )
    await _show_join(context, message.chat_id, language, outcome, token)


async def _show_join(
    context: AppContext, chat_id: int, language: Language, outcome: JoinOutcome, token: str
) -> None:
    t = texts()
    bot = context.bot
    match outcome:
        case InvalidLink():
            await bot.send_message(chat_id, t(language, "start.invalid_link"))
        case OtherGroup(profile=profile):
            group = render.group_name(language, profile)
            await bot.send_message(chat_id, t(language, "start.other_group", group=group))
        case Progress() | BackgroundStep() as step:
            await bot.send_message(
                chat_id, render.welcome(step, resumed=_resumed(step)), parse_mode=ParseMode.HTML
            )
            await _send_card(context, chat_id, step)
        case NotOpenYet(session=session):
            await bot.send_message(
                chat_id,
                render.session_notice(language, "start.not_open_yet", session),
                parse_mode=ParseMode.HTML,
                reply_markup=render.await_opening_keyboard(language, token),
            )
        case _:
            await _show_step(context, chat_id, language, outcome)


async def _await_opening(context: AppContext, query: CallbackQuery, token: str) -> None:
    """The button under "not open yet": told at the opening, or straight in if it has opened."""
    user = query.from_user
    language = await language_of(context, user)
    outcome = await context.services.participation.await_opening(
        token=token, telegram_id=user.id, chat_id=user.id, language=language
    )
    match outcome:
        case OpeningAwaited(session=session, profile=profile):
            await query.answer()
            promise = texts().addressed(language, "start.will_notify", render.audience(profile))
            notice = render.session_notice(language, "start.not_open_yet", session)
            await _edit(context, query, f"{notice}\n\n{promise}", None)
        case SessionCancelled():
            await _alert(context, query, "alert.cancelled")
        case SessionClosed():
            await _alert(context, query, "alert.closed")
        case _:  # opened meanwhile: as if the link were opened now
            await query.answer()
            await _show_join(context, user.id, language, outcome, token)


def _resumed(step: Progress | BackgroundStep) -> bool:
    if isinstance(step, BackgroundStep):
        return step.position > 0 or step.previous is not None or step.answered > 0
    return step.position > 0 or step.previous_value is not None or step.background_before


async def on_message(update: Update, context: AppContext) -> None:
    """Text answers the open question when that is before the person; any other message in a
    private chat brings back the current step."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    language = await language_of(context, user)
    participation = context.services.participation
    text = message.text
    if text is None or text.startswith("/"):  # a command nothing else took is no answer
        await _show_step(
            context, message.chat_id, language, await participation.resume(telegram_id=user.id)
        )
        return
    outcome = await participation.write(telegram_id=user.id, text=text)
    await _show_written(context, message.chat_id, language, outcome)


async def _show_written(
    context: AppContext, chat_id: int, language: Language, outcome: OpenOutcome
) -> None:
    t = texts()
    match outcome:
        case OpenDone(profile=profile, card=card):
            if card is not None:
                await _retire_card(context, chat_id, card)
            await context.bot.send_message(
                chat_id, t.addressed(outcome.language, "open.saved", render.audience(profile))
            )
        case OpenRefused(step=step, problem="empty"):
            await _send_card(context, chat_id, step)
        case OpenRefused(step=step, problem=problem, length=length, character=character):
            refusal = t.addressed(
                step.language,
                f"open.{problem}",
                render.audience(step.profile),
                length=length,
                limit=MAX_ANSWER_CHARS,
                character=describe(character) if character else "",
            )
            await context.bot.send_message(chat_id, refusal)
        case _:
            await _show_step(context, chat_id, language, outcome)


async def show_help(update: Update, context: AppContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    language = await language_of(context, user)
    register = await register_of(context, user)
    await message.reply_text(texts().addressed(language, "help.text", register))


async def choose_language(update: Update, context: AppContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    language = await language_of(context, user)
    await message.reply_text(
        texts()(language, "language.choose"), reply_markup=render.language_keyboard()
    )


async def show_privacy(update: Update, context: AppContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    await privacy.show(context, message, user.id, await language_of(context, user))


async def ask_forget(update: Update, context: AppContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    await privacy.ask_forget(context, message, await language_of(context, user))


async def on_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    if query is None:
        return
    user = query.from_user
    action = decode(query.data)
    participation = context.services.participation
    match action:
        case None:
            await _alert(context, query, "alert.invalid")
        case ChooseLanguage(language=chosen):
            await participation.set_language(telegram_id=user.id, language=chosen)
            await query.answer()
            await _edit(context, query, texts()(chosen, "language.chosen"), None)
            # The questionnaire goes on in the new language at once: its current statement.
            current = await participation.resume(telegram_id=user.id)
            if isinstance(current, Progress | BackgroundStep | OpenStep):
                await _send_card(context, user.id, current)
        case Answer(session_id, code, value):
            outcome = await participation.answer(
                telegram_id=user.id, session_id=session_id, code=code, value=value
            )
            await _answer_step(context, query, outcome, show_help=False)
        case Back(session_id, code):
            outcome = await participation.back(
                telegram_id=user.id, session_id=session_id, code=code
            )
            await _answer_step(context, query, outcome, show_help=False)
        case AnswerBackground(session_id, question, option):
            outcome = await participation.answer_background(
                telegram_id=user.id, session_id=session_id, question=question, option=option
            )
            await _answer_step(context, query, outcome, show_help=False)
        case BackBackground(session_id, question):
            outcome = await participation.back_background(
                telegram_id=user.id, session_id=session_id, question=question
            )
            await _answer_step(context, query, outcome, show_help=False)
        case SkipOpen(session_id):
            skipped = await participation.skip_open(telegram_id=user.id, session_id=session_id)
            if isinstance(skipped, OpenDone):
                done = texts()(skipped.language, "open.skipped")
                await _replace(context, query, done, None)
            else:
                await _answer_step(context, query, skipped, show_help=False)
        case Continue(session_id):
            outcome = await participation.standing(telegram_id=user.id, session_id=session_id)
            await _answer_step(context, query, outcome, show_help=False)
        case Certificate(session_id):
            await _send_certificate(context, query, session_id)
        case Forget(confirm):
            await privacy.on_forget(context, query, await language_of(context, user), confirm)
        case AwaitOpening(token):
            await _await_opening(context, query, token)
        case Mute(session_id):
            if await participation.set_muted(
                telegram_id=user.id, session_id=session_id, muted=True
            ):
                await query.answer()
                language = await language_of(context, user)
                muted = texts().addressed(
                    language, "notice.muted", await register_of(context, user)
                )
                await _edit(context, query, muted, None)
            else:
                await _alert(context, query, "alert.not_yours")
        case ToggleHelp(session_id, code, show):
            outcome = await participation.current(
                telegram_id=user.id, session_id=session_id, code=code
            )
            await _answer_step(context, query, outcome, show_help=show)


async def _replace(
    context: AppContext, query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None
) -> int | None:
    """Show the next step in the pressed message, then answer the press. The person sees the
    step as soon as the edit lands (the pressed button is gone with it, spinner and all), so
    answering first, or at the same time, would gain them nothing and would double the
    requests in flight, and with them the connections that httpx's pool walks through on
    every request (BENCHMARKS.md §1). The press is answered even when the edit fails: the
    answer is kept, and the next press shows where the questionnaire stands."""
    try:
        return await _edit(context, query, text, keyboard)
    finally:
        try:
            await query.answer()
        except TelegramError as error:
            log.warning("could not answer a button press: %s", error)


async def _alert(
    context: AppContext, query: CallbackQuery, key: str, *, show_alert: bool = True
) -> None:
    """Answer a press with a short text in the person's language (looked up only here: the
    usual press, an answer, carries its language in the outcome)."""
    language = await language_of(context, query.from_user)
    await query.answer(texts()(language, key), show_alert=show_alert)


async def _send_certificate(context: AppContext, query: CallbackQuery, session_id: int) -> None:
    """A participation certificate: school, dates and the day; nothing of the answers."""
    from bot.reporting.certificate import certificate_png  # imported late: see rendering

    services = context.services
    user = query.from_user
    session = await services.participation.completed_session(
        telegram_id=user.id, session_id=session_id
    )
    if session is None:
        await _alert(context, query, "alert.not_yours")
        return
    await query.answer()
    image = await drawn(
        certificate_png,
        school=session.school_name,
        start=session.start_date,
        end=session.end_date,
        issued=local_today(services.clock.now(), session.timezone),
        language=await language_of(context, user),
    )
    await context.bot.send_photo(user.id, image)


async def _answer_step(
    context: AppContext,
    query: CallbackQuery,
    outcome: StepOutcome,
    *,
    show_help: bool,
) -> None:
    bank = context.services.bank
    match outcome:
        case Progress() | BackgroundStep() | OpenStep() as step:
            text, keyboard = render.card(bank, step, show_help=show_help)
            shown = await _replace(context, query, text, keyboard)
            await _follow_card(context, query, step, shown)
        case Recap() as recap:
            keyboard = render.certificate_keyboard(recap.language, recap.session.id)
            shown = await _replace(context, query, render.recap(recap), keyboard)
            if recap.card is not None and recap.card != shown:
                await _retire_card(context, query.from_user.id, recap.card)
            if recap.open_question is not None:
                await _send_card(context, query.from_user.id, recap.open_question)
        case Stale(progress=progress):
            await _alert(context, query, "alert.stale", show_alert=False)
            if progress is not None:
                text, keyboard = render.card(bank, progress)
                shown = await _edit(context, query, text, keyboard)
                await _follow_card(context, query, progress, shown)
        case NotParticipating():
            await _alert(context, query, "alert.not_yours")
        case SessionClosed():
            await _alert(context, query, "alert.closed")
        case SessionCancelled():
            await _alert(context, query, "alert.cancelled")
        case NotOpenYet():
            await _alert(context, query, "alert.not_open")
        case AlreadyCompleted():
            await _alert(context, query, "alert.completed")


async def _show_step(
    context: AppContext, chat_id: int, language: Language, outcome: StepOutcome
) -> None:
    """Show an outcome as new messages (after /start or a free-text message)."""
    t = texts()
    bot = context.bot
    match outcome:
        case Progress() | BackgroundStep() | OpenStep() as step:
            await _send_card(context, chat_id, step)
        case NotParticipating() | Recap():
            await bot.send_message(chat_id, t(language, "start.no_link"))
        case AlreadyCompleted():
            await bot.send_message(chat_id, t(language, "start.already_completed"))
        case SessionClosed(session=session):
            await bot.send_message(
                chat_id,
                render.session_notice(language, "start.closed", session),
                parse_mode=ParseMode.HTML,
            )
        case SessionCancelled(session=session):
            await bot.send_message(
                chat_id,
                render.session_notice(language, "start.cancelled", session),
                parse_mode=ParseMode.HTML,
            )
        case NotOpenYet(session=session):
            await bot.send_message(
                chat_id,
                render.session_notice(language, "start.not_open_yet", session),
                parse_mode=ParseMode.HTML,
            )
        case Stale(progress=progress) if progress is not None:
            await _send_card(context, chat_id, progress)
        case _:
            await bot.send_message(chat_id, t(language, "start.no_link"))


async def _send_card(context: AppContext, chat_id: int, step: Step) -> None:
    text, keyboard = render.card(context.services.bank, step)
    sent = await context.bot.send_message(
        chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    await _take_card(context, chat_id, step.session.id, sent.message_id)


async def _take_card(context: AppContext, chat_id: int, session_id: int, message_id: int) -> None:
    """Make `message_id` the one card with live buttons (a private chat's id is its user's)."""
    previous = await context.services.participation.replace_card(
        telegram_id=chat_id, session_id=session_id, message_id=message_id
    )
    if previous is not None:
        await _retire_card(context, chat_id, previous)


async def _retire_card(context: AppContext, chat_id: int, message_id: int) -> None:
    """Take the buttons off an older card: it stays in the chat as plain text."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except TelegramError as error:
        # Deleted by the person, too old to edit, or already without buttons: nothing is lost.
        log.info("could not take the buttons off an older card: %s", error)


async def _follow_card(
    context: AppContext, query: CallbackQuery, step: Step, shown: int | None
) -> None:
    """The message `shown` holds the current step now: it is the live card."""
    if shown is not None and shown != step.card:
        await _take_card(context, query.from_user.id, step.session.id, shown)


async def _edit(
    context: AppContext,
    query: CallbackQuery,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
) -> int | None:
    """Edit the pressed message; fall back to a new message when it cannot be edited. The id
    of the message that shows the text now."""
    pressed = query.message.message_id if query.message is not None else None
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return pressed  # a double tap re-rendering the same statement: nothing to do
        if "message to edit not found" not in error.message.lower() and (
            "can't be edited" not in error.message.lower()
        ):
            raise
        sent = await context.bot.send_message(
            query.from_user.id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        return sent.message_id
    return pressed
