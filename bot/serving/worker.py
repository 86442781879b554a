"""One webhook worker's life: start the application, serve, and stop without losing an update.

The worker neither registers nor deletes the webhook: several workers share one, which the
operator registers once (`selfie-bot webhook set`). At start it only compares what Telegram
has registered with SELFIE_WEBHOOK_URL and warns when they differ.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram.error import TelegramError

from bot.serving.webhook import WEBHOOK_PATH, AnyApplication, WebhookServer
from bot.settings import Settings

log = logging.getLogger(__name__)


async def check_registration(application: AnyApplication, expected: str | None) -> None:
    """Warn when Telegram delivers somewhere else than SELFIE_WEBHOOK_URL, or nowhere."""
    try:
        info = await application.bot.get_webhook_info()
    except TelegramError as error:
        log.warning("could not ask Telegram where it delivers updates: %s", error)
        return
    if not info.url:
        log.warning(
            "no webhook is registered with Telegram: updates wait until one is "
            "(run `selfie-bot webhook set` once, not in every worker)"
        )
    elif info.url != expected:
        log.warning(
            "Telegram delivers updates to %s, not to SELFIE_WEBHOOK_URL %s "
            "(run `selfie-bot webhook set` to register it)",
            info.url,
            expected,
        )


async def serve(application: AnyApplication, settings: Settings) -> None:
    """Run the application behind our webhook server until SIGTERM or SIGINT."""
    assert settings.webhook_secret is not None  # Settings requires it in webhook mode
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    server = WebhookServer(
        application,
        secret=settings.webhook_secret.get_secret_value(),
        listen=settings.webhook_listen,
        port=settings.webhook_port,
    )
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await check_registration(application, settings.webhook_url)
        await application.start()
        await server.start()
        log.info(
            "taking updates on http://%s:%d%s",
            settings.webhook_listen,
            settings.webhook_port,
            WEBHOOK_PATH,
        )
        await stopping.wait()
        log.info("stopping: finishing %d update(s) in flight", server.in_flight)
    finally:
        await server.stop()
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
