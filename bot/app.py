"""Wiring: build the python-telegram-bot Application with its services, and run it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from telegram import Bot, BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes

from bot.botapi import check_token, token_rejected
from bot.clock import Clock, SystemClock
from bot.context import SCHEDULER_KEY, SERVICES_KEY, AppContext, BotApplication, Services
from bot.coordination.service import Coordination
from bot.handlers import admin, coordinator, errors, greetings, participant
from bot.handlers.coordinator import RESULT_PARTS
from bot.handlers.notices import NoticeRenderer
from bot.handlers.text_keys import required_keys
from bot.i18n import texts
from bot.participation.service import Participation
from bot.privacy import Privacy
from bot.reporting.drawing import Drawing
from bot.scheduler import jobs
from bot.scheduler.broadcast import Broadcaster
from bot.scheduler.plan import ReminderPolicy
from bot.scheduler.work import Scheduler
from bot.settings import Settings, SettingsError
from bot.storage import Database
from bot.storage import sessions as session_queries
from bot.surveys.bank import Bank, default_bank
from bot.surveys.vocabulary import LANGUAGES

log = logging.getLogger(__name__)

COMMANDS = ("start", "language", "help", "privacy")
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
# Updates are handled concurrently: the service layer serialises what must be serialised.
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
    """The scheduler with its sender and renderer; the bot must be initialised (username)."""
    return Scheduler(
        db=db,
        clock=clock,
        policy=settings.reminder_policy(),
        retention=timedelta(days=settings.retention_days),
        broadcaster=Broadcaster(bot=bot, db=db, clock=clock, rate=settings.broadcast_rate),
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
        db = await Database.open(settings.database)
        participation = Participation(db=db, clock=chosen_clock, bank=chosen_bank)
        application.bot_data[SERVICES_KEY] = Services(
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
        application.bot_data[SCHEDULER_KEY] = scheduler
        await _publish_commands(application)
        await scheduler.resume_unsent()
        await _schedule_all(application, scheduler, policy, chosen_clock)
        log.info("bot @%s started with database %s", application.bot.username, db.path)

    async def post_shutdown(application: BotApplication) -> None:
        scheduler = application.bot_data.get(SCHEDULER_KEY)
        if isinstance(scheduler, Scheduler):
            await scheduler.stop()
        services = application.bot_data.get(SERVICES_KEY)
        if isinstance(services, Services):
            await services.db.close()

    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.api_url)
        .base_file_url(settings.resolved_file_api_url)
        .context_types(ContextTypes(context=AppContext))
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.rate_limit:
        # No throttling of replies to people (broadcasts pace themselves); only 429s are retried.
        limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application: BotApplication = builder.build()  # type: ignore[assignment]
    participant.register(application)
    greetings.register(application)
    coordinator.register(application)
    admin.register(application)
    application.add_error_handler(errors.on_error)
    return application


async def _schedule_all(
    application: BotApplication, scheduler: Scheduler, policy: ReminderPolicy, clock: Clock
) -> None:
    """Rebuild every job from the database; the first tick follows a second after the start."""
    job_queue = application.job_queue
    assert job_queue is not None
    settings = application.bot_data[SERVICES_KEY].settings
    jobs.install(job_queue, scheduler, interval=settings.tick_seconds)
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
    """Run the bot until a stop signal; SettingsError if Telegram refuses the token."""
    # Asked first, so that a rejected token is one line and not python-telegram-bot's traceback.
    asyncio.run(check_token(settings))
    application = build_application(settings, clock=clock)
    allowed = ALLOWED_UPDATES
    try:
        if settings.mode == "webhook":
            assert settings.webhook_url is not None
            if settings.webhook_secret is None:  # Settings makes one; never serve without it
                raise SettingsError("SELFIE_WEBHOOK_SECRET: a webhook needs a secret")
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path="telegram",
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret.get_secret_value(),
                allowed_updates=allowed,
            )
        else:
            application.run_polling(allowed_updates=allowed, poll_interval=settings.poll_interval)
    except InvalidToken:  # revoked between the check and the start
        raise token_rejected() from None
