"""/privacy, /forget and backups through the real bot, the emulator and SQLite files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.app import build_application, polling
from bot.settings import Settings, load_settings
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from .helpers import (
    TOKEN,
    BotProcess,
    create_session_with_cli,
    db_rows,
    on_both_engines,
    progress_of,
    selfie_bot,
)


async def answer(user: EmulatedUser, statement: ChatMessage, times: int) -> None:
    for _ in range(times):
        await user.click("4", message=statement)
        await user.wait_for_edit(statement)


async def answer_all(user: EmulatedUser, statement: ChatMessage) -> None:
    while any(b.text.startswith("N/A") for b in statement.buttons):
        await answer(user, statement, 1)


@on_both_engines
async def test_privacy_says_what_is_kept_and_forget_removes_it(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    created = await create_session_with_cli(emu, database, school="Liepājas skola")
    links = created["links"]
    async with polling(build_application(settings), poll_timeout=1):
        stranger = emu.user(6001, language_code="en")
        await stranger.send("/privacy")
        assert "keeps nothing" in (await stranger.wait_for_message()).content

        # Unfinished: what is kept, why and until when; /forget deletes it, answers included.
        teacher = emu.user(6002, language_code="lv")
        await teacher.open_link(links["teacher"])
        _, statement = await teacher.wait_for_messages(2)
        await answer(teacher, statement, 2)
        await teacher.send("/privacy")
        shown = (await teacher.wait_for_message()).content
        assert "Liepājas skola · skolotāji: anketa tiek aizpildīta" in shown
        assert "dzēšana: " in shown.lower() and "/forget" in shown
        await teacher.send("/forget")
        ask = await teacher.wait_for_message()
        await teacher.click("Atcelt", message=ask)
        await teacher.wait_for_edit(ask)
        assert "Nekas netika dzēsts" in ask.content
        assert progress_of(database, teacher.id) is not None
        await teacher.send("/forget")
        ask = await teacher.wait_for_message()
        await teacher.click("🗑", message=ask)
        await teacher.wait_for_edit(ask)
        assert "vairs neko neglabā" in ask.content
        assert progress_of(database, teacher.id) is None
        assert db_rows(database, "SELECT count(*) FROM participants") == [(0,)]
        await teacher.send("/privacy")
        assert "neko neglabā" in (await teacher.wait_for_message()).content

        # Completed: the anonymous response stays when the person is forgotten.
        student = emu.user(6003, language_code="en")
        await student.open_link(links["student"])
        _, statement = await student.wait_for_messages(2)
        await answer_all(student, statement)
        await student.send("/privacy")
        assert "questionnaire completed" in (await student.wait_for_message()).content
        await student.send("/forget")
        ask = await student.wait_for_message()
        await student.click("🗑", message=ask)
        await student.wait_for_edit(ask)
        assert db_rows(database, "SELECT count(*) FROM participants") == [(0,)]
        assert db_rows(database, "SELECT count(*) FROM responses") == [(1,)]

        # The only coordinator of a school with a running session is not removed.
        coordinator = emu.user(900, language_code="en")
        await coordinator.send("/privacy")
        assert "Coordinator: Liepājas skola" in (await coordinator.wait_for_message()).content
        await coordinator.send("/forget")
        ask = await coordinator.wait_for_message()
        await coordinator.click("🗑", message=ask)
        await coordinator.wait_for_edit(ask)
        assert "without a coordinator" in ask.content
        assert db_rows(database, "SELECT telegram_id FROM coordinators") == [(900,)]


async def test_a_backup_of_a_running_bot_restores_and_everyone_resumes(
    emu: BotApiEmulator, database: Path, tmp_path: Path
) -> None:
    created = await create_session_with_cli(emu, database)
    bot = BotProcess(emu, database)
    await bot.start()
    people = [emu.user(6100 + n, language_code="en") for n in range(3)]
    for number, (person, group) in enumerate(
        zip(people, ["leader", "teacher", "student"], strict=True)
    ):
        await person.open_link(created["links"][group])
        _, statement = await person.wait_for_messages(2)
        await answer(person, statement, number + 1)
    backup = tmp_path / "backups" / "selfie.sqlite3"
    code, out, err = await selfie_bot(emu, database, "backup", str(backup), "--json")
    assert code == 0, err
    assert json.loads(out)["backup"] == str(backup)
    code, _, err = await selfie_bot(emu, database, "backup", str(backup))
    assert code == 1 and "exists already" in err  # never over an earlier backup
    await bot.stop()

    # One file: no WAL beside it, no freed pages in it.
    assert sorted(p.name for p in backup.parent.iterdir()) == ["selfie.sqlite3"]
    assert db_rows(backup, "PRAGMA freelist_count") == [(0,)]
    assert db_rows(backup, "PRAGMA integrity_check") == [("ok",)]

    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(backup, restored)
    settings = load_settings(
        None, bot_token=TOKEN, api_url=emu.base_url, database=restored, rate_limit=False
    )
    async with polling(build_application(settings), poll_timeout=1):
        for number, person in enumerate(people):
            await person.send("where was I?")
            resumed = await person.wait_for_message()
            assert f"Statement {number + 2} of" in resumed.content
            assert progress_of(restored, person.id) is not None
