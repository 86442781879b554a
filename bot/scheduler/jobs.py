"""APScheduler jobs (through python-telegram-bot's JobQueue) that make `Scheduler.tick` run.

Jobs hold no state of their own: they are rebuilt from the database at start and after a
session changes, under ids derived from the session and the kind of job, so scheduling twice
replaces instead of doubling.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram.ext import CallbackContext, JobQueue

from bot.scheduler.plan import ReminderPolicy, reminder_times
from bot.scheduler.work import Scheduler
from bot.storage.records import Session

TICK_JOB = "tick"
CAMPAIGN_JOB = "campaign"


def _job_id(session_id: int, kind: str) -> str:
    return f"session:{session_id}:{kind}"


def install(
    job_queue: JobQueue[Any], scheduler: Scheduler, *, interval: float, campaign: float = 5.0
) -> None:
    """A regular tick as a safety net; the first comes a second after the start, when the job
    queue runs, and closes at once what fell due while the bot was down. Every `campaign`
    seconds the process tries to become the sender, or checks that it still is; it ticks at
    once when it becomes it."""

    async def tick(_: CallbackContext[Any, Any, Any, Any]) -> None:
        await scheduler.tick()

    async def stand(_: CallbackContext[Any, Any, Any, Any]) -> None:
        was_leading = scheduler.leading
        if await scheduler.campaign() and not was_leading:
            await scheduler.tick()

    job_queue.run_repeating(
        stand,
        interval=campaign,
        first=campaign,
        name=CAMPAIGN_JOB,
        job_kwargs={
            "id": CAMPAIGN_JOB,
            "replace_existing": True,
            "max_instances": 1,
            "misfire_grace_time": None,
        },
    )

    job_queue.run_repeating(
        tick,
        interval=interval,
        first=1.0,
        name=TICK_JOB,
        job_kwargs={
            "id": TICK_JOB,
            "replace_existing": True,
            "max_instances": 1,
            "misfire_grace_time": None,
        },
    )


def schedule_session(
    job_queue: JobQueue[Any],
    scheduler: Scheduler,
    session: Session,
    policy: ReminderPolicy,
    *,
    now: datetime,
) -> list[str]:
    """One-shot jobs at the session's opening, reminder rounds and close; returns their ids."""

    async def tick(_: CallbackContext[Any, Any, Any, Any]) -> None:
        await scheduler.tick()

    moments = {"open": session.opens_at, "close": session.closes_at}
    for number, at in enumerate(
        reminder_times(session.opens_at, session.closes_at, session.timezone, policy), start=1
    ):
        moments[f"reminder:{number}"] = at
    scheduled = []
    for kind, at in moments.items():
        if at <= now or session.status == "closed":
            continue
        job_id = _job_id(session.id, kind)
        job_queue.run_once(
            tick,
            when=at,
            name=job_id,
            job_kwargs={"id": job_id, "replace_existing": True, "misfire_grace_time": None},
        )
        scheduled.append(job_id)
    return scheduled
