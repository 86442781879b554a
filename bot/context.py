"""The services a running bot shares, and the typed callback context that reaches them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.clock import Clock
from bot.coordination.service import Coordination
from bot.participation.service import Participation
from bot.privacy import Privacy
from bot.reporting.drawing import Drawing
from bot.scheduler.work import Scheduler
from bot.settings import Settings
from bot.storage import Database
from bot.surveys.bank import Bank


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    clock: Clock
    bank: Bank
    db: Database
    participation: Participation
    coordination: Coordination
    privacy: Privacy
    drawing: Drawing = field(default_factory=Drawing)


@dataclass(slots=True)
class BotData:
    """The application's `bot_data`: the services and the scheduler, which post_init sets
    before the first update is handled and post_shutdown closes."""

    _services: Services | None = None
    _scheduler: Scheduler | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the services are set when the application starts")
        return self._services

    @services.setter
    def services(self, services: Services) -> None:
        self._services = services

    @property
    def scheduler(self) -> Scheduler:
        if self._scheduler is None:
            raise RuntimeError("the scheduler is set when the application starts")
        return self._scheduler

    @scheduler.setter
    def scheduler(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler

    async def close(self) -> None:
        """Stop the scheduler and close the database, as far as they were set up."""
        if self._scheduler is not None:
            await self._scheduler.stop()
        if self._services is not None:
            await self._services.db.close()


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def scheduler(self) -> Scheduler:
        return self.bot_data.scheduler


BotApplication = Application[
    ExtBot[None],
    AppContext,
    dict[Any, Any],
    dict[Any, Any],
    BotData,
    JobQueue[AppContext],
]
