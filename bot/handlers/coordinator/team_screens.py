"""The school's team: its members and the buttons to invite or remove one."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup

from bot.handlers.callback_data import SchoolAction, SchoolOp
from bot.handlers.coordinator.shared import Screen, button
from bot.i18n import texts
from bot.storage.records import Coordinator, School
from bot.surveys.vocabulary import Language


def member_name(language: Language, member: Coordinator, user: int) -> str:
    t = texts()
    name = (
        html.escape(member.name)
        if member.name
        else t(language, "team.unnamed", id=member.telegram_id)
    )
    return f"{name} {t(language, 'team.you')}" if member.telegram_id == user else name


def team_screen(
    language: Language, school: School, members: list[Coordinator], user: int, note: str = ""
) -> Screen:
    t = texts()
    lines = [note, ""] if note else []
    lines.append(t(language, "team.title", school=html.escape(school.name)))
    rows = []
    for member in members:
        name = member_name(language, member, user)
        lines.append(t(language, "team.member", name=name))
        if member.telegram_id != user:
            plain = member.name or t(language, "team.unnamed", id=member.telegram_id)
            rows.append(
                [
                    button(
                        t(language, "team.remove_button", name=plain[:40]),
                        SchoolAction(school.id, SchoolOp.REMOVE, str(member.telegram_id)),
                    )
                ]
            )
    rows.append(
        [button(t(language, "team.invite_button"), SchoolAction(school.id, SchoolOp.INVITE))]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)
