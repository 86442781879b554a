"""A session's screens: its line and card, the pickers, status, preview, closing and
cancelling."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.coordination.completion import CompletionLevel
from bot.coordination.service import SessionSummary, StatusReport
from bot.handlers.callback_data import SessionAction, SessionOp
from bot.handlers.coordinator.shared import Screen, button, day_text, level_name
from bot.handlers.render import audience, group_name
from bot.i18n import texts
from bot.i18n.formatting import moment
from bot.storage.records import Session
from bot.surveys.background import BackgroundQuestion
from bot.surveys.bank import Bank
from bot.surveys.open_questions import MAX_ANSWER_CHARS, OpenQuestion
from bot.surveys.questionnaire import Questionnaire
from bot.surveys.vocabulary import LANGUAGES, Language, Profile, profiles_at

MARKS: dict[CompletionLevel, str] = {"high": "🟢", "medium": "🟡", "incomplete": "🟠", "none": "⚪"}
# Telegram's limit is 4096 characters a message; leave room for the HTML of a heading.
MESSAGE_BUDGET = 3800


def session_line(language: Language, summary: SessionSummary) -> str:
    session = summary.session
    return texts()(
        language,
        "sessions.line",
        session=session.number,
        school=html.escape(session.school_name),
        level=level_name(language, session.level),
        start=day_text(session.start_date),
        end=day_text(session.end_date),
        state=texts()(language, f"state.{summary.state}"),
    )


def session_picker(language: Language, summaries: list[SessionSummary], op: SessionOp) -> Screen:
    rows = [
        [
            button(
                f"#{s.session.number} · {s.session.school_name[:30]} · "
                f"{day_text(s.session.start_date)}",
                SessionAction(s.session.id, op),
            )
        ]
        for s in summaries
    ]
    return texts()(language, "sessions.choose"), InlineKeyboardMarkup(rows)


def session_card(language: Language, summary: SessionSummary) -> Screen:
    t = texts()
    session = summary.session
    text = t(
        language,
        "sessions.card",
        session=session.number,
        school=html.escape(session.school_name),
        level=level_name(language, session.level),
        opens=moment(session.opens_at, session.timezone, language),
        closing=closing_line(language, session),
        state=t(language, f"state.{summary.state}"),
    )
    s = session.id
    # The card's buttons follow its state: the status line is on the card already until the
    # session opens; links are for a session people can still join; results once it closed.
    views = []
    if summary.state == "closed":
        views.append(
            button(t(language, "sessions.results_button"), SessionAction(s, SessionOp.RESULTS))
        )
    if summary.state in ("open", "closed"):
        views.append(
            button(t(language, "sessions.status_button"), SessionAction(s, SessionOp.STATUS))
        )
    views.append(
        button(t(language, "sessions.preview_button"), SessionAction(s, SessionOp.PREVIEW))
    )
    if summary.state in ("scheduled", "open"):
        views.append(
            button(t(language, "sessions.links_button"), SessionAction(s, SessionOp.LINKS))
        )
    rows = [views]
    changes = []
    if summary.state == "scheduled":
        changes.append(
            button(
                t(language, "draft.change_statements_button"),
                SessionAction(s, SessionOp.EDIT_STATEMENTS),
            )
        )
    if summary.state in ("scheduled", "open"):
        changes.append(
            button(t(language, "draft.change_dates_button"), SessionAction(s, SessionOp.EDIT_DATES))
        )
    if changes:
        rows.append(changes)
    if summary.state == "scheduled":
        rows.append([button(t(language, "cancel.button"), SessionAction(s, SessionOp.CANCEL))])
    if summary.state == "open":
        rows.append(
            [
                button(t(language, "closing.remind_button"), SessionAction(s, SessionOp.REMIND)),
                button(t(language, "closing.close_button"), SessionAction(s, SessionOp.CLOSE)),
            ]
        )
    return text, InlineKeyboardMarkup(rows)


def closing_line(language: Language, session: Session) -> str:
    """When answers end: the planned close, or the day it actually closed when that was
    earlier."""
    t = texts()
    planned = moment(session.closes_at, session.timezone, language)
    if session.closed_at is not None and session.closed_at < session.closes_at:
        closed = moment(session.closed_at, session.timezone, language)
        return t(language, "sessions.closed_early", closed=closed, planned=planned)
    return t(language, "sessions.closes", closes=planned)


# The argument of a card that comes as a new message, below the view it was asked from.
NEW_CARD = "new"


def back_row(
    language: Language, session_id: int, *, keep: bool = False
) -> list[InlineKeyboardButton]:
    """The way back from a view to the session's card: in its place, or (`keep`, for links
    and files worth keeping) as a new message below it."""
    label = texts()(language, "sessions.back_button")
    return [button(label, SessionAction(session_id, SessionOp.CARD, NEW_CARD if keep else ""))]


def close_confirmation(language: Language, session: Session) -> Screen:
    t = texts()
    rows = [
        [
            button(
                t(language, "closing.confirm_button"),
                SessionAction(session.id, SessionOp.CLOSE_CONFIRMED),
            ),
            button(t(language, "closing.keep_button"), SessionAction(session.id, SessionOp.CARD)),
        ]
    ]
    return t(language, "closing.confirm", session=session.number), InlineKeyboardMarkup(rows)


def cancel_confirmation(language: Language, session: Session) -> Screen:
    t = texts()
    text = t(
        language,
        "cancel.confirm",
        session=session.number,
        school=html.escape(session.school_name),
        opens=moment(session.opens_at, session.timezone, language),
    )
    rows = [
        [
            button(
                t(language, "cancel.confirm_button"),
                SessionAction(session.id, SessionOp.CANCEL_CONFIRMED),
            ),
            button(t(language, "cancel.keep_button"), SessionAction(session.id, SessionOp.CARD)),
        ]
    ]
    return text, InlineKeyboardMarkup(rows)


def cancelled_text(language: Language, session: Session) -> str:
    return texts()(
        language, "cancel.done", session=session.number, school=html.escape(session.school_name)
    )


def status_screen(language: Language, report: StatusReport) -> Screen:
    t = texts()
    session = report.session
    lines = [
        t(
            language,
            "status.title",
            session=session.number,
            school=html.escape(session.school_name),
            state=t(language, f"state.{report.state}"),
        ),
        "",
    ]
    for group in report.groups:
        lines.append(
            t(
                language,
                "status.group",
                mark=MARKS[group.level],
                group=group_name(language, group.profile),
                joined=group.joined,
                completed=group.completed,
                percent=group.percent_of_minimum,
                minimum=group.minimum,
                level=t(language, f"status.{group.level}"),
            )
        )
    lines += ["", t(language, "status.legend")]
    refresh = [
        button("🔄", SessionAction(session.id, SessionOp.STATUS)),
        *back_row(language, session.id),
    ]
    return "\n".join(lines), InlineKeyboardMarkup([refresh])


def preview_choice(language: Language, session: Session) -> Screen:
    rows = [
        [
            button(
                f"{group_name(language, p)} · {lang.upper()}",
                SessionAction(session.id, SessionOp.PREVIEW, f"{p}.{lang}"),
            )
            for lang in LANGUAGES
        ]
        for p in profiles_at(session.level)
    ]
    rows.append(back_row(language, session.id))
    text = texts()(language, "preview.choose", session=session.number)
    return text, InlineKeyboardMarkup(rows)


def preview_messages(
    language: Language,
    shown_in: Language,
    session: Session,
    profile: Profile,
    questionnaire: Questionnaire,
    bank: Bank,
    *,
    background: Sequence[BackgroundQuestion] = (),
    open_question: OpenQuestion | None = None,
) -> list[str]:
    """The questionnaire in the group's order: the questions about the person, the
    statements area by area, the open question; split to fit Telegram's message limit."""
    t = texts()
    register = audience(profile)
    title = t(
        language,
        "preview.title",
        group=group_name(language, profile),
        session=session.number,
        count=len(questionnaire),
    )
    blocks = [title]
    if background:
        undisclosed = t.addressed(shown_in, "background.undisclosed", register)
        blocks.append("\n" + t(language, "preview.background_title", label=undisclosed))
        for question in background:
            options = " / ".join(
                html.escape(t.addressed(shown_in, question.option_key(o), register))
                for o in question.options
            )
            wording = html.escape(t.addressed(shown_in, question.text_key, register))
            blocks.append(f"• {wording} <i>({options})</i>")
    area = None
    for number, item in enumerate(questionnaire.items, start=1):
        if item.area != area:
            area = item.area
            blocks.append(f"\n<b>{area} · {html.escape(bank.areas[area].name(shown_in))}</b>")
        own = f" <i>{t(shown_in, 'preview.own_mark')}</i>" if item.own else ""
        blocks.append(f"{number}. {html.escape(item.text(shown_in))}{own}")
    if open_question is not None:
        blocks.append("\n" + t(language, "preview.open_title", limit=MAX_ANSWER_CHARS))
        blocks.append(f"<i>{html.escape(open_question.wording(shown_in, register))}</i>")
    messages: list[str] = []
    current = ""
    for block in blocks:
        if current and len(current) + len(block) + 1 > MESSAGE_BUDGET:
            messages.append(current)
            current = ""
        current = f"{current}\n{block}" if current else block
    messages.append(current)
    return messages
