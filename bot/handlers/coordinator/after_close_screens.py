"""What a coordinator reads after a session's close: the words when there are no results to
show (at the close and in /results), and the school's badge."""

from __future__ import annotations

import html

from bot.handlers.render import group_name
from bot.i18n import texts
from bot.i18n.formatting import day
from bot.reporting.turnout import NothingToShow
from bot.storage.records import Session
from bot.surveys.vocabulary import Language


def no_results(language: Language, empty: NothingToShow) -> str:
    t = texts()
    session = empty.session
    lines = [
        t(
            language,
            "notice.digest_line",
            group=group_name(language, group.profile).capitalize(),
            completed=group.completed,
            joined=group.joined,
        )
        for group in empty.groups
    ]
    return t(
        language,
        "no_results.text",
        school=html.escape(session.school_name),
        session=session.number,
        start=day(session.start_date, language),
        end=day(session.end_date, language),
        min=empty.min_group_size,
        groups="\n".join(lines),
    )


def badge_caption(language: Language, session: Session) -> str:
    return texts()(
        language,
        "badge.caption",
        school=html.escape(session.school_name),
        session=session.number,
        start=day(session.start_date, language),
        end=day(session.end_date, language),
    )
