"""A closed session with no results to show: no group reached the minimum size, so there is
no chart, no PDF and no summary to send, only who took part, per group."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage import Database
from bot.storage import sessions as session_queries
from bot.storage.records import Session
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import Profile


@dataclass(frozen=True, slots=True)
class GroupTurnout:
    profile: Profile
    completed: int
    joined: int


@dataclass(frozen=True, slots=True)
class NothingToShow:
    session: Session
    min_group_size: int
    groups: tuple[GroupTurnout, ...]


async def nothing_to_show(db: Database, *, results: SessionResults) -> NothingToShow | None:
    """None when a group of `results` is shown; otherwise the figures to tell instead."""
    if results.shown_groups:
        return None
    session = results.session
    async with db.read() as connection:
        counts = await session_queries.group_counts(connection, session_id=session.id)
    groups = tuple(
        # Completed questionnaires are counted on the anonymous side, which keeps them; the
        # people who joined may have gone (/forget, retention), so joined is at least completed.
        GroupTurnout(
            group.profile, group.respondents, max(counts[group.profile].joined, group.respondents)
        )
        for group in results.participation
    )
    return NothingToShow(session=session, min_group_size=results.min_group_size, groups=groups)
