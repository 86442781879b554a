"""The services a running bot shares, and the typed callback context that reaches them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.clock import Clock
from bot.coordination.service import Coordination
from bot.participation.service import Participation
from bot.privacy import Privacy
from bot.reporting.drawing import Drawing
from bot.settings import Settings
from bot.storage import Database
from bot.surveys.bank import Bank

SERVICES_KEY = "services"
SCHEDULER_KEY = "scheduler"


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


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        return cast(Services, self.bot_data[SERVICES_KEY])


BotApplication = Application[
    ExtBot[None],
    AppContext,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[AppContext],
]
