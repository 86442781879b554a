"""People complete a questionnaire end to end in their own language, chosen by Telegram's
language_code at first contact: a Latvian, a Russian-speaking and a Ukrainian-speaking student
and an English-speaking teacher, all at once, through the real bot and the emulator."""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path

from bot.app import build_application, polling
from bot.i18n import Register, texts
from bot.settings import Settings
from bot.surveys.bank import default_bank
from bot.surveys.vocabulary import Language, Profile
from emulator import BotApiEmulator, EmulatedUser

from .helpers import create_session_with_cli, on_both_engines

PEOPLE: list[tuple[Language, Profile, int]] = [("lv", "student", 7101), ("ru", "student", 7102)]
PEOPLE += [("uk", "student", 7103), ("en", "teacher", 7104)]
CODE = re.compile(r"^a:\d+:([A-HS]\d{1,2}):\d$")


def strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


async def complete(user: EmulatedUser, link: str, language: Language, profile: Profile) -> int:
    t = texts()
    bank = default_bank()
    register: Register = "student" if profile == "student" else "staff"
    await user.open_link(link)
    welcome, card = await user.wait_for_messages(2, timeout=20)
    invites = t.addressed(language, "start.welcome", register, school="E2E skola", group="",
                          length="", duration="", closes="")  # fmt: skip
    assert strip_tags(invites).splitlines()[0] in welcome.content, (language, welcome.content)
    answered = 0
    while any(b.text.startswith("N/A") for b in card.buttons):
        data = card.button("N/A").callback_data or ""
        code = CODE.fullmatch(data)
        assert code is not None, data
        statement = bank.statement(code[1])
        assert statement.text(profile, "upper-secondary", language) in card.content
        total = len(bank.core("upper-secondary", profile))
        progress = t(language, "statement.progress", position=answered + 1, total=total)
        assert progress in card.content, (language, card.content)
        await user.click(str(1 + answered % 5), message=card)
        await user.wait_for_edit(card)
        answered += 1
    thanks = t.addressed(language, "done.thanks", register, school="", answered=0,
                         not_applicable=0, closes="")  # fmt: skip
    assert strip_tags(thanks).splitlines()[0] in card.content, (language, card.content)
    return answered


@on_both_engines
async def test_four_people_complete_in_four_languages(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    created = await create_session_with_cli(emu, database)
    async with polling(build_application(settings), poll_timeout=1):
        done = await asyncio.gather(
            *(
                complete(emu.user(uid, language_code=code), created["links"][group], code, group)
                for code, group, uid in PEOPLE
            )
        )
    assert all(count > 20 for count in done)
