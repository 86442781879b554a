"""What a coordinator reads after a session's close: the words when there are no results to
show (at the close and in /results), the school's badge, and the follow-up session's screens."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup

from bot.coordination.service import Saved
from bot.handlers.callback_data import SessionAction, SessionOp
from bot.handlers.coordinator.shared import Screen, button, level_name
from bot.handlers.render import group_name
from bot.i18n import texts
from bot.i18n.formatting import day, moment, period
from bot.reporting.turnout import NothingToShow
from bot.sessions.follow_up import AlreadyFollowed, Offer
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


def follow_up_keyboard(language: Language, session_id: int) -> InlineKeyboardMarkup:
    """The button under a closed session's results."""
    label = texts()(language, "follow_up.button")
    return InlineKeyboardMarkup([[button(label, SessionAction(session_id, SessionOp.FOLLOW_UP))]])


def badge_caption(language: Language, session: Session) -> str:
    return texts()(
        language,
        "badge.caption",
        school=html.escape(session.school_name),
        session=session.number,
        start=day(session.start_date, language),
        end=day(session.end_date, language),
    )


def offer_screen(language: Language, offer: Offer) -> Screen:
    t = texts()
    session = offer.session
    lines = [
        t(
            language,
            "follow_up.offer",
            school=html.escape(session.school_name),
            session=session.number,
            level=level_name(language, session.level),
            optional=offer.optional,
            own=offer.own,
        ),
        "",
    ]
    buttons = []
    for months, proposed in offer.periods.items():
        dates = period(proposed.start, proposed.end, language)
        lines.append(t(language, "follow_up.option", count=months, period=dates))
        # What the coordinator sees is what is scheduled: the first day goes with the choice.
        choice = f"{months}.{proposed.start:%Y%m%d}"
        label = t(language, "follow_up.choose_button", count=months)
        buttons.append(
            [button(label, SessionAction(session.id, SessionOp.SCHEDULE_FOLLOW_UP, choice))]
        )
    lines += ["", t(language, "follow_up.choose_hint")]
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


def already_followed(language: Language, found: AlreadyFollowed) -> str:
    """An alert: plain text."""
    follow_up = found.follow_up
    dates = period(follow_up.start_date, follow_up.end_date, language)
    return texts()(language, "follow_up.exists", id=follow_up.number, period=dates)


def scheduled(language: Language, saved: Saved, follows: Session) -> str:
    session = saved.session
    return texts()(
        language,
        "follow_up.scheduled",
        school=html.escape(session.school_name),
        session=session.number,
        id=follows.number,
        opens=moment(session.opens_at, session.timezone, language),
        closes=moment(session.closes_at, session.timezone, language),
    )
