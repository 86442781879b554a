"""The bot's commands written in a group chat: one reply asking for a private chat, whichever
side (participant, coordinator, admin) the command belongs to, and nothing done."""

from __future__ import annotations

import time
from pathlib import Path

from telegram import Update

from bot.app import build_application, polling
from bot.i18n import texts
from bot.settings import load_settings
from emulator import BotApiEmulator

from .helpers import TOKEN, db_rows, on_both_engines

ADMIN = 100


def in_a_group(update_id: int, message_id: int, text: str) -> dict[str, object]:
    """The admin's command as Telegram delivers it from a group. The emulator knows private
    chats only, so the group has the admin's chat id, and the message the bot quotes in its
    reply is one that chat holds."""
    command = text.split()[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": ADMIN, "type": "group", "title": "Staff room"},
            "from": {"id": ADMIN, "is_bot": False, "first_name": "Ada", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


@on_both_engines
async def test_every_side_s_command_in_a_group_gets_one_please_write_privately(
    emu: BotApiEmulator, database: Path
) -> None:
    settings = load_settings(
        None,
        bot_token=TOKEN,
        api_url=emu.base_url,
        database=database,
        rate_limit=False,
        admins=str(ADMIN),
    )
    private_only = texts()("en", "start.private_only")
    admin = emu.user(ADMIN, language_code="en")
    async with polling(build_application(settings), poll_timeout=1) as application:
        opened = await admin.send("/start")
        await admin.wait_for_message()
        commands = ["/start", "/help", "/sessions", "/newsession", "/addschool Grupas skola"]
        for number, command in enumerate(commands, start=1):
            before = len(admin.messages)
            raw = in_a_group(10_000 + number, opened.message_id, command)
            await application.process_update(Update.de_json(raw, application.bot))
            await emu.wait_until_idle()
            assert [m.content for m in admin.messages[before:]] == [private_only], command
    assert db_rows(database, "SELECT count(*) FROM schools") == [(0,)]
