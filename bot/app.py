"""Wiring: build the python-telegram-bot Application with its services, and run it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.botapi import check_token, token_rejected
from bot.clock import Clock, SystemClock
from bot.context import AppContext, BotApplication, BotData, Services
from bot.coordination.badge import BadgeRule
from bot.coordination.service import Coordination
from bot.handlers import admin, errors, greetings, participant
from bot.handlers.callback_data import COORDINATION_PATTERN
from bot.handlers.coordinator import help as coordinator_help
from bot.handlers.coordinator import session_card, setup, team
from bot.handlers.coordinator.buttons import on_button
from bot.handlers.coordinator.session_card import RESULT_PARTS
from bot.handlers.notices import NoticeRenderer
from bot.handlers.private_only import private_only
from bot.handlers.text_keys import required_keys
from bot.i18n import texts
from bot.participation.service import Participation
from bot.privacy import Privacy
from bot.reporting.drawing import Drawing
from bot.scheduler import jobs
from bot.scheduler.broadcast import Broadcaster
from bot.scheduler.plan import ReminderPolicy
from bot.scheduler.work import Scheduler
from bot.serving.ordering import PerChatUpdateProcessor
from bot.serving.worker import serve
from bot.settings import Settings
from bot.storage import Database
from bot.storage import sessions as session_queries
from bot.surveys.bank import Bank, default_bank
from bot.surveys.vocabulary import LANGUAGES

log = logging.getLogger(__name__)

COMMANDS = ("start", "language", "help", "privacy")
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
# Updates of different chats are handled concurrently, each chat's in order (see
# bot/serving/ordering.py); the service layer serialises what must be serialised across chats.
# A few at once keep the CPU busy while others wait on Telegram or SQLite; many more only
# cost CPU in the HTTP client (64 tripled the CPU per answer at 100 respondents: BENCHMARKS.md).
CONCURRENT_UPDATES = 8


def build_scheduler(
    settings: Settings,
    *,
    db: Database,
    clock: Clock,
    bank: Bank,
    participation: Participation,
    bot: Bot,
    drawing: Drawing | None = None,
) -> Scheduler:
    """The scheduler with its sender and renderer; the bot must be initialised (username). It
    sends on its own once `campaign()` made it the leader."""
    return Scheduler(
        db=db,
        clock=clock,
        leadership=db.leadership(),
        lease=timedelta(seconds=settings.lease_seconds),
        policy=settings.reminder_policy(),
        retention=timedelta(days=settings.retention_days),
        badge=BadgeRule(minimums=settings.recommended_minimums),
        broadcaster=Broadcaster(
            bot=bot,
            db=db,
            clock=clock,
            rate=settings.broadcast_rate,
            paid=settings.paid_broadcast,
        ),
        render=NoticeRenderer(
            db=db,
            bank=bank,
            participation=participation,
            bot_username=bot.username,
            min_group_size=settings.min_group_size,
            student_minimum=settings.minimum_students,
            drawing=drawing or Drawing(),
        ),
    )


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    bank: Bank | None = None,
    drawing: Drawing | None = None,
) -> BotApplication:
    token = settings.require_token()
    # Every text the code asks for, in every language, before anyone is answered.
    texts().require(required_keys(COMMANDS, tuple(RESULT_PARTS)))
    chosen_clock = clock or SystemClock()
    chosen_bank = bank or default_bank()
    chosen_drawing = drawing or Drawing()

    async def post_init(application: BotApplication) -> None:
        db = await Database.open(settings.database_target)
        participation = Participation(db=db, clock=chosen_clock, bank=chosen_bank)
        application.bot_data.services = Services(
            settings=settings,
            clock=chosen_clock,
            bank=chosen_bank,
            db=db,
            participation=participation,
            coordination=Coordination(
                db=db,
                clock=chosen_clock,
                bank=chosen_bank,
                participation=participation,
                admins=settings.admins,
                timezone=settings.timezone,
                minimums=settings.recommended_minimums,
            ),
            privacy=Privacy(db=db, retention=timedelta(days=settings.retention_days)),
            drawing=chosen_drawing,
        )
        policy = settings.reminder_policy()
        scheduler = build_scheduler(
            settings,
            db=db,
            clock=chosen_clock,
            bank=chosen_bank,
            participation=participation,
            bot=application.bot,
            drawing=chosen_drawing,
        )
        application.bot_data.scheduler = scheduler
        await _publish_commands(application)
        await scheduler.resume_unsent()
        await _schedule_all(application, scheduler, policy, chosen_clock)
        log.info("bot @%s started with database %s", application.bot.username, db.name)

    async def post_shutdown(application: BotApplication) -> None:
        await application.bot_data.close()

    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.api_url)
        .base_file_url(settings.resolved_file_api_url)
        .context_types(ContextTypes(context=AppContext, bot_data=BotData))
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.mode == "webhook":
        builder = builder.updater(None)  # our own server takes the updates (bot/serving/)
    if settings.rate_limit:
        # No throttling of replies to people (broadcasts pace themselves); only 429s are retried.
        limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application: BotApplication = builder.build()  # type: ignore[assignment]
    register_handlers(application)
    application.add_error_handler(errors.on_error)
    return application


# The handler groups, in the order python-telegram-bot tries them. In each group the first
# handler whose filters match an update answers it; then the update goes on to the next group,
# unless that handler stopped it (ApplicationHandlerStop). A handler that fails is answered by
# the error handler, which stops the update too.
REFUSALS = -3  # a command written in a group chat: "write to me privately", and nothing else
WAITING = -2  # /start: what waited for the person first; a coordinator without a link greeted
COORDINATION = -1  # coordinators and admins: what they answer goes no further
PARTICIPATION = 0  # everyone: invites, answering, /language, /help, /privacy, /forget

Handler = Callable[[Update, AppContext], Coroutine[Any, Any, None]]
# A handler that answers only some of the updates its filters match; True when it did.
Claim = Callable[[Update, AppContext], Coroutine[Any, Any, bool]]


def register_handlers(application: BotApplication) -> None:
    """Every handler of the bot, by group. A /start first sends what waited for the person
    (bot/handlers/greetings.py) and, without a link, greets a coordinator as one. A
    coordinator's typed text wins over the participant's "resume my questionnaire" only while
    their draft waits for text; their /start only with a coordinator invite; their /help adds
    the coordinators' commands."""
    private = filters.ChatType.PRIVATE
    participant_commands: dict[str, Handler] = {
        "start": participant.start,
        "language": participant.choose_language,
        "help": participant.show_help,
        "privacy": participant.show_privacy,
        "forget": participant.ask_forget,
    }
    coordinator_commands: dict[str, Handler] = {
        "newsession": setup.new_session,
        "sessions": session_card.list_sessions,
        "status": session_card.status,
        "preview": session_card.preview,
        "links": session_card.links,
        "results": session_card.results,
        "coordinators": team.coordinators,
        "cancel": setup.cancel,
        "addschool": admin.add_school,
        "invite": admin.invite,
        "schools": admin.schools,
    }
    every_command = [*participant_commands, *coordinator_commands]
    groups: dict[int, list[BaseHandler[Update, AppContext, None]]] = {
        REFUSALS: [
            CommandHandler(every_command, _stopping(private_only), filters=~private),
        ],
        WAITING: [
            CommandHandler("start", _stopping_if(greetings.on_start), filters=private),
        ],
        COORDINATION: [
            *(
                CommandHandler(name, _stopping(callback), filters=private)
                for name, callback in coordinator_commands.items()
            ),
            CommandHandler("start", _stopping_if(team.start_invite), filters=private),
            CommandHandler("help", _stopping_if(coordinator_help.show_help), filters=private),
            CallbackQueryHandler(_stopping(on_button), pattern=COORDINATION_PATTERN),
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, _stopping_if(setup.on_text)),
        ],
        PARTICIPATION: [
            *(
                CommandHandler(name, callback, filters=private)
                for name, callback in participant_commands.items()
            ),
            CallbackQueryHandler(participant.on_button),
            MessageHandler(private & ~filters.StatusUpdate.ALL, participant.on_message),
        ],
    }
    for group in sorted(groups):
        application.add_handlers(groups[group], group=group)


def _stopping(callback: Handler) -> Handler:
    async def handle(update: Update, context: AppContext) -> None:
        await callback(update, context)
        raise ApplicationHandlerStop

    return handle


def _stopping_if(claim: Claim) -> Handler:
    async def handle(update: Update, context: AppContext) -> None:
        if await claim(update, context):
            raise ApplicationHandlerStop

    return handle


async def _schedule_all(
    application: BotApplication, scheduler: Scheduler, policy: ReminderPolicy, clock: Clock
) -> None:
    """Rebuild every job from the database; the first tick follows a second after the start."""
    job_queue = application.job_queue
    assert job_queue is not None
    settings = application.bot_data.services.settings
    jobs.install(
        job_queue, scheduler, interval=settings.tick_seconds, campaign=settings.leader_seconds
    )
    async with scheduler.db.read() as connection:
        sessions = await session_queries.active_sessions(connection)
    for session in sessions:
        jobs.schedule_session(job_queue, scheduler, session, policy, now=clock.now())


async def _publish_commands(application: BotApplication) -> None:
    t = texts()
    try:
        for language in LANGUAGES:
            commands = [BotCommand(name, t(language, f"commands.{name}")) for name in COMMANDS]
            await application.bot.set_my_commands(commands, language_code=language)
        await application.bot.set_my_commands(
            [BotCommand(name, t("en", f"commands.{name}")) for name in COMMANDS]
        )
    except TelegramError as error:  # the menu is a convenience; never block the start on it
        log.warning("could not publish the command menu: %s", error)


@asynccontextmanager
async def polling(
    application: BotApplication, *, poll_timeout: int = 10
) -> AsyncIterator[BotApplication]:
    """Run the bot inside the current event loop, e.g. for the demo, tests and benchmarks.

    `run()` is the way for a process of its own; this does the same steps by hand.
    """
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        timeout=poll_timeout, poll_interval=0, allowed_updates=ALLOWED_UPDATES
    )
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def run(settings: Settings, *, clock: Clock | None = None) -> None:
    """Run the bot until a stop signal; SettingsError if Telegram refuses the token.

    In webhook mode this is one worker of any number: it serves the webhook (registered once
    with `selfie-bot webhook set`) and acknowledges each update once it has been handled."""
    # Asked first, so that a rejected token is one line and not python-telegram-bot's traceback.
    asyncio.run(check_token(settings))
    application = build_application(settings, clock=clock)
    try:
        if settings.mode == "webhook":
            asyncio.run(serve(application, settings))
        else:
            application.run_polling(
                allowed_updates=ALLOWED_UPDATES, poll_interval=settings.resolved_poll_interval
            )
    except InvalidToken:  # revoked between the check and the start
        raise token_rejected() from None
