"""A person's view of what is kept about them, and removing it (/privacy and /forget)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.storage import Database, people
from bot.storage.people import Footprint
from bot.storage.records import School, Session


@dataclass(frozen=True, slots=True)
class Forgotten:
    pass


@dataclass(frozen=True, slots=True)
class NothingKept:
    pass


@dataclass(frozen=True, slots=True)
class SoleCoordinator:
    """Refused: these schools would have nobody to receive a running session's report."""

    schools: list[School]


ForgetOutcome = Forgotten | NothingKept | SoleCoordinator


@dataclass(frozen=True, slots=True)
class Privacy:
    db: Database
    retention: timedelta

    async def footprint(self, *, telegram_id: int) -> Footprint:
        async with self.db.read() as connection:
            return await people.footprint(connection, telegram_id=telegram_id)

    def deleted_on(self, session: Session) -> date:
        """The day what is kept about a session's participants is deleted (in its zone)."""
        end = session.closed_at or session.closes_at
        return (end + self.retention).astimezone(ZoneInfo(session.timezone)).date()

    async def forget(self, *, telegram_id: int) -> ForgetOutcome:
        async with self.db.transaction() as connection:
            found = await people.footprint(connection, telegram_id=telegram_id)
            if found.empty:
                return NothingKept()
            if found.sole_coordinator_of:
                return SoleCoordinator(found.sole_coordinator_of)
            await people.forget(connection, telegram_id=telegram_id)
        await self.db.purge()
        return Forgotten()
